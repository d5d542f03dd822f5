import { UsageError } from '../errors.js';

/** The latency percentiles an SLO may bound. */
export const SLO_PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;
export type SloPercentile = (typeof SLO_PERCENTILES)[number];

/** One bound of a capacity step: this percentile under `limitUs`. */
export interface SloTerm {
  percentile: SloPercentile;
  limitUs: number;
  /** As written, e.g. "p99<50ms". */
  text: string;
}

/** Always part of a capacity step's verdict, whatever the SLO says. */
export const MAX_ERROR_FRACTION = 0.001;
export const MAX_LATE_FRACTION = 0.01;

/** A request that left this much after its intended send time counts as late. */
export const LATE_MS = 10;

export const SLO_GRAMMAR =
  'p50|p90|p99|p999 < N ms|s, several comma-separated, e.g. p99<50ms or p50<5ms,p99<50ms ' +
  '(errors over 0.1% or more than 1% late requests always fail a step)';

const TERM = /^(p50|p90|p99|p999)\s*<\s*(\d+(?:\.\d+)?)\s*(ms|s)$/;

/** "p99<50ms,p50<10ms" as terms; anything else is a usage error naming the value and the grammar. */
export function parseSlo(text: string, source = '--slo'): SloTerm[] {
  const parts = text.split(',').map((p) => p.trim());
  return parts.map((part) => {
    const match = TERM.exec(part);
    const amount = match ? Number(match[2]) : NaN;
    if (!match || !(amount > 0)) {
      throw new UsageError(
        `${source} ${JSON.stringify(text)}: ${JSON.stringify(part)} is not a bound; expected ${SLO_GRAMMAR}`,
      );
    }
    const limitUs = amount * (match[3] === 's' ? 1_000_000 : 1_000);
    return { percentile: match[1] as SloPercentile, limitUs, text: part.replace(/\s+/g, '') };
  });
}
