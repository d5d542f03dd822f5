import type * as hdr from 'hdr-histogram-js';
import { newLatencyHistogram } from './latency.js';
import { Outcome, RequestLog } from './requestLog.js';
import type { RequestCounts } from '../result/result.js';

/** A request that left this much after its intended send time counts as late. */
export const LATE_MS = 10;

/** Everything measured during the load phase; the drivers write, the runner reads. */
export class Measurements {
  readonly histogram: hdr.Histogram = newLatencyHistogram();
  readonly log = new RequestLog();
  readonly requests: RequestCounts = { total: 0, ok: 0, errors: 0, timeouts: 0, late: 0 };
  /** performance.now() of the load phase's start: every ms figure is relative to it. */
  originMs = performance.now();
  /** ms after origin when the last answer arrived. */
  lastCompletedMs = 0;

  record(intendedMs: number, latencyUs: number, outcome: Outcome): void {
    this.requests.total++;
    if (outcome === Outcome.Ok || outcome === Outcome.LoginWall) this.requests.ok++;
    else if (outcome === Outcome.Timeout) this.requests.timeouts++;
    else this.requests.errors++;
    this.histogram.recordValue(Math.max(1, Math.round(latencyUs)));
    this.log.add(intendedMs, latencyUs, outcome);
    this.lastCompletedMs = Math.max(this.lastCompletedMs, intendedMs + latencyUs / 1000);
  }

  markLate(): void {
    this.requests.late++;
  }

  now(): number {
    return performance.now() - this.originMs;
  }
}
