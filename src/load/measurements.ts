import type * as hdr from 'hdr-histogram-js';
import { newLatencyHistogram } from './latency.js';
import { FailureKind, Outcome, RequestLog } from './requestLog.js';
import type { RequestCounts } from '../result/result.js';

/** Everything measured during the load phase; the drivers write, the runner reads. */
export class Measurements {
  readonly histogram: hdr.Histogram = newLatencyHistogram();
  readonly log = new RequestLog();
  readonly requests: Required<RequestCounts> = {
    total: 0,
    ok: 0,
    errors: 0,
    timeouts: 0,
    notSent: 0,
    late: 0,
  };
  /** performance.now() of the load phase's start: every ms figure is relative to it. */
  originMs = performance.now();
  /** ms after origin when the last answer arrived. */
  lastCompletedMs = 0;
  /** ms after origin when the load phase ended (the driver returned); unset while it runs. */
  loadEndedMs: number | undefined;

  /** The one place a request of the load phase is counted: counters, histogram and log agree. */
  record(
    intendedMs: number,
    latencyUs: number,
    outcome: Outcome,
    failure = FailureKind.None,
  ): void {
    this.requests.total++;
    if (outcome === Outcome.Ok || outcome === Outcome.LoginWall) this.requests.ok++;
    else if (outcome === Outcome.Timeout) this.requests.timeouts++;
    else if (outcome === Outcome.NotSent) this.requests.notSent++;
    else this.requests.errors++;
    this.histogram.recordValue(Math.max(1, Math.round(latencyUs)));
    this.log.add(intendedMs, latencyUs, outcome, failure);
    this.lastCompletedMs = Math.max(this.lastCompletedMs, intendedMs + latencyUs / 1000);
  }

  markLate(): void {
    this.requests.late++;
  }

  /** Set when the load phase begins; a variant that failed or stopped before it has no load figures. */
  loadStarted = false;

  /** The load phase begins now: every ms figure counts from here. */
  startLoad(): void {
    this.originMs = performance.now();
    this.loadStarted = true;
  }

  /** The load phase's length: to its end once it ended, else to now; 0 if it never began. */
  loadSpanMs(): number {
    if (!this.loadStarted) return 0;
    return this.loadEndedMs ?? this.now();
  }

  now(): number {
    return performance.now() - this.originMs;
  }
}
