import { LATE_MS, MAX_ERROR_FRACTION, MAX_LATE_FRACTION, type SloTerm } from '../config/slo.js';
import type { CapacityStep, LatencySummary } from '../result/result.js';

/** The default scenario's busiest hour over the daily mean (scenarios/default.yaml). */
export const PEAK_FACTOR = 3;
const SECONDS_PER_DAY = 86_400;
/** No step goes above the schema's highest arrival rate. */
const MAX_RATE_RPS = 200_000;

export type Verdict = CapacityStep['verdict'];

/** What one step measured, before it is judged. */
export interface StepFigures {
  requests: number;
  /** Errors and timeouts. */
  errors: number;
  late: number;
  latencyUs: LatencySummary;
  /** The step's length, ms. */
  durationMs: number;
  generatorLagP99Us: number;
  /** The generator's longest stall, µs. */
  generatorLagMaxUs: number;
  /** Σ of the generator's stalls beyond LATE_MS (src/runner/generatorLag.ts). */
  generatorStalledMs: number;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(fraction < 0.01 ? 2 : 1)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 1 : 0)}ms`;

/**
 * A step's verdict. Fail: a bound of the SLO broken, errors over 0.1%, or more than
 * 1% late. A failed step is the generator's limit (`generator`), not the store's,
 * when the generator itself explains every broken bound:
 * - errors are never the generator's (a late send does not make the app fail);
 * - a latency bound is, when the percentile minus twice the generator's longest stall
 *   is back under the limit (latency runs from the intended time, and a request meets
 *   the generator's loop twice: its send timer and its answer's callback);
 * - and then either its event loop ran more than LATE_MS behind at p99 (its timers
 *   fired late, so it sent late whatever the app and store did), or more than 1% were
 *   late and the loop's stalls beyond LATE_MS cover at least half as much of the step's
 *   time as the share of late requests (a request due in such a stall is bound to
 *   leave late).
 * Otherwise the step failed on the store or the app.
 */
export function judgeStep(
  figures: StepFigures,
  slo: SloTerm[],
): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  /** Broken bounds the generator's lag cannot account for. */
  let storeBound = false;
  const { requests } = figures;
  if (requests === 0) reasons.push('no request answered');
  for (const term of slo) {
    const value = figures.latencyUs[term.percentile];
    if (value < term.limitUs) continue;
    reasons.push(`${term.percentile} ${ms(value)} ≥ ${ms(term.limitUs)}`);
    if (value - 2 * figures.generatorLagMaxUs >= term.limitUs) storeBound = true;
  }
  const errorShare = requests ? figures.errors / requests : 0;
  if (errorShare > MAX_ERROR_FRACTION) {
    reasons.push(`errors ${percent(errorShare)} > 0.1%`);
    storeBound = true;
  }
  const lateShare = requests ? figures.late / requests : 0;
  if (lateShare > MAX_LATE_FRACTION) reasons.push(`late ${percent(lateShare)} > 1%`);
  if (!reasons.length) return { verdict: 'pass', reasons };
  if (storeBound || requests === 0) return { verdict: 'fail', reasons };
  const behind = generatorBehind(figures);
  if (!behind) return { verdict: 'fail', reasons };
  reasons.push(behind);
  return { verdict: 'generator', reasons };
}

/**
 * Why the generator itself explains a load's late requests, or undefined when it does
 * not (its loop kept time: the requests waited for a connection held by a slow answer).
 * Its event loop ran more than LATE_MS behind at p99, or more than 1% were late and the
 * loop's stalls beyond LATE_MS cover at least half as much of the load's time as the
 * share of late requests (a request due in such a stall is bound to leave late).
 */
export function generatorBehind(
  figures: Pick<
    StepFigures,
    'requests' | 'late' | 'durationMs' | 'generatorLagP99Us' | 'generatorStalledMs'
  >,
): string | undefined {
  const lagUs = figures.generatorLagP99Us;
  if (lagUs > LATE_MS * 1000) return `generator lag p99 ${ms(lagUs)} > ${LATE_MS}ms`;
  const lateShare = figures.requests ? figures.late / figures.requests : 0;
  const stalledShare = figures.generatorStalledMs / Math.max(figures.durationMs, 1);
  if (lateShare > MAX_LATE_FRACTION && stalledShare >= lateShare / 2)
    return `generator stalled ${percent(stalledShare)} of the step`;
  return undefined;
}

export interface NextStep {
  rateRps: number;
  kind: CapacityStep['kind'];
}

/**
 * Where the next step goes: geometric steps from the first rate until one fails,
 * then `bisections` steps midway between the last pass and the first fail. A step
 * lost to the generator is tried once more at the same rate (a passing stall of a
 * shared machine); lost again, it ends the search: higher rates would only measure
 * the tool.
 */
export class CapacitySearch {
  private lastPass: number | undefined;
  private firstFail: number | undefined;
  private rate: number;
  private bisectionsLeft: number;
  private done = false;
  private retry: NextStep | undefined;
  /** The verdict of the lowest rate that did not pass. */
  private lowestNonPass: { rateRps: number; verdict: Verdict } | undefined;

  constructor(
    startRps: number,
    private readonly factor: number,
    bisections: number,
  ) {
    this.rate = startRps;
    this.bisectionsLeft = bisections;
  }

  next(): NextStep | undefined {
    if (this.done) return undefined;
    if (this.retry) return { rateRps: this.retry.rateRps, kind: 'retry' };
    if (this.firstFail === undefined) {
      return this.rate > MAX_RATE_RPS ? undefined : { rateRps: this.rate, kind: 'geometric' };
    }
    const low = this.lastPass ?? 0;
    const mid = Math.round((low + this.firstFail) / 2);
    if (this.bisectionsLeft <= 0 || mid <= low || mid >= this.firstFail) return undefined;
    return { rateRps: mid, kind: 'bisect' };
  }

  record(step: NextStep, verdict: Verdict): void {
    const retried = this.retry;
    this.retry = undefined;
    if (verdict === 'generator' && !retried) {
      this.retry = step;
      return;
    }
    // A retry counts as the step it repeats.
    if (retried) step = retried;
    if (verdict !== 'pass' && (!this.lowestNonPass || step.rateRps < this.lowestNonPass.rateRps)) {
      this.lowestNonPass = { rateRps: step.rateRps, verdict };
    }
    if (step.kind === 'bisect') this.bisectionsLeft--;
    if (verdict === 'generator') this.done = true;
    if (verdict === 'pass') {
      this.lastPass = Math.max(this.lastPass ?? 0, step.rateRps);
      if (step.kind === 'geometric') this.rate = roundRate(step.rateRps * this.factor);
    } else {
      this.firstFail = Math.min(this.firstFail ?? Infinity, step.rateRps);
    }
  }

  get kneeRps(): number | undefined {
    return this.lastPass;
  }

  get limitedBy(): 'store' | 'generator' | 'none' {
    if (!this.lowestNonPass) return 'none';
    return this.lowestNonPass.verdict === 'generator' ? 'generator' : 'store';
  }
}

function roundRate(rateRps: number): number {
  return rateRps >= 10 ? Math.round(rateRps) : Math.round(rateRps * 10) / 10;
}

const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

/** The knee as requests per day at the peak factor, and the sentence that shows the sum. */
export function kneePerDay(kneeRps: number | undefined): {
  requestsPerDay: number | null;
  arithmetic: string;
} {
  if (kneeRps === undefined) {
    return { requestsPerDay: null, arithmetic: 'no step passed: no knee, no requests/day' };
  }
  const requestsPerDay = Math.round((kneeRps * SECONDS_PER_DAY) / PEAK_FACTOR);
  return {
    requestsPerDay,
    arithmetic:
      `${grouped(kneeRps)} req/s x ${grouped(SECONDS_PER_DAY)} s / ${PEAK_FACTOR} ` +
      `(peak hour = ${PEAK_FACTOR}x the daily mean) = ${grouped(requestsPerDay)} requests/day`,
  };
}
