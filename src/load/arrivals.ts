import type { LoadPlan } from '../config/planSchema.js';

/** When each request of the load is meant to be sent, ms after the load starts. */
export interface Arrivals {
  /** How many arrivals the whole load has. */
  readonly total: number;
  /** Intended time of the next arrival; undefined once all are out. */
  next(): number | undefined;
}

/**
 * Relative traffic per hour of a day (0h..23h) for a site whose users live in one
 * or two time zones: quiet nights, a working-day plateau, an evening peak. Scaled
 * to a mean of 1 below; its busiest hour is then about 3x the mean, the peak
 * factor the default scenario uses.
 */
const HOURLY_SHAPE = [
  0.3, 0.2, 0.15, 0.12, 0.12, 0.15, 0.25, 0.45, 0.7, 0.9, 1.0, 1.05, 1.1, 1.05, 1.0, 1.0, 1.05, 1.2,
  1.45, 1.75, 2.4, 2.9, 1.6, 0.8,
];
/** The day is replayed as 96 quarter-hours, each at a constant rate. */
const SEGMENTS = 96;

/** Rate multipliers per quarter-hour, interpolated between hours, mean exactly 1. */
export function diurnalMultipliers(): number[] {
  const raw = Array.from({ length: SEGMENTS }, (_, k) => {
    const hour = (k + 0.5) / 4 - 0.5; // segment midpoint, in hours, centred on hour marks
    const from = Math.floor(hour);
    const weight = hour - from;
    const at = (h: number) => HOURLY_SHAPE[(h + 24) % 24]!;
    return at(from) * (1 - weight) + at(from + 1) * weight;
  });
  const mean = raw.reduce((a, b) => a + b, 0) / SEGMENTS;
  return raw.map((r) => r / mean);
}

/** The highest rate the load's arrivals come at (its busiest step or quarter-hour). */
export function peakRateRps(load: Pick<LoadPlan, 'rateRps' | 'curve' | 'rateSteps'>): number {
  if (load.rateSteps?.length) return Math.max(...load.rateSteps);
  if (load.curve === 'diurnal') return load.rateRps * Math.max(...diurnalMultipliers());
  return load.rateRps;
}

/** Request i at i/rate: the constant-rate open loop. */
function constantArrivals(rateRps: number, durationMs: number): Arrivals {
  const total = Math.round((durationMs / 1000) * rateRps);
  const intervalMs = 1000 / rateRps;
  let i = 0;
  return { total, next: () => (i < total ? i++ * intervalMs : undefined) };
}

/**
 * A day of traffic at `meanRps` on average, squeezed into `durationMs`: the rates
 * stay real, only time is compressed, so a 24 h run would send meanRps x 86,400
 * requests (10M for 115.7 req/s) and a 5 minute one sends the same shape at 1/288.
 */
function diurnalArrivals(meanRps: number, durationMs: number): Arrivals {
  const segmentMs = durationMs / SEGMENTS;
  const rates = diurnalMultipliers().map((m) => m * meanRps);
  const total = Math.round((meanRps * durationMs) / 1000);
  let i = 0;
  let segment = 0;
  let countBefore = 0; // arrivals (fractional) owed before this segment starts
  return {
    total,
    next: () => {
      if (i >= total) return undefined;
      for (;;) {
        const rate = rates[segment]!;
        const inSegment = (rate * segmentMs) / 1000;
        if (i + 0.5 < countBefore + inSegment || segment === SEGMENTS - 1) {
          const offset = Math.max(0, (i + 0.5 - countBefore) / rate) * 1000;
          i++;
          return Math.min(segment * segmentMs + offset, durationMs);
        }
        countBefore += inSegment;
        segment++;
      }
    },
  };
}

/** Rate steps: the load's length split evenly, each part at its own constant rate. */
function stepArrivals(rates: number[], durationMs: number): Arrivals {
  const stepMs = durationMs / rates.length;
  const parts = rates.map((rate) => constantArrivals(rate, stepMs));
  let step = 0;
  return {
    total: parts.reduce((sum, part) => sum + part.total, 0),
    next: () => {
      for (; step < parts.length; step++) {
        const t = parts[step]!.next();
        if (t !== undefined) return step * stepMs + t;
      }
      return undefined;
    },
  };
}

/** When step `i` of a stepped load begins, ms after the load starts. */
export function stepStartsMs(load: Pick<LoadPlan, 'rateSteps' | 'durationMs'>): number[] {
  const steps = load.rateSteps ?? [];
  return steps.map((_, i) => (i * load.durationMs) / steps.length);
}

export function arrivalsFor(
  load: Pick<LoadPlan, 'curve' | 'rateRps' | 'durationMs' | 'rateSteps'>,
): Arrivals {
  if (load.rateSteps) return stepArrivals(load.rateSteps, load.durationMs);
  return load.curve === 'diurnal'
    ? diurnalArrivals(load.rateRps, load.durationMs)
    : constantArrivals(load.rateRps, load.durationMs);
}
