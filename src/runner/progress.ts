import type { AuditCounts } from '../audit/audit.js';
import type { Plan } from '../config/loadPlan.js';
import { formatDuration } from '../config/duration.js';
import { summarize } from '../load/latency.js';
import type { Measurements } from '../load/measurements.js';

/** Where a run tells a person what it is doing. Progress never goes to stdout. */
export interface Progress {
  phase(variant: string, text: string): void;
  /** Starts periodic load lines; returns the function that stops them. */
  load(variant: string, plan: Plan, measurements: Measurements, audit: AuditCounts): () => void;
}

export class StderrProgress implements Progress {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly everyMs = 5_000,
  ) {}

  phase(variant: string, text: string): void {
    this.write(`[${variant}] ${text}`);
  }

  load(variant: string, plan: Plan, measurements: Measurements, audit: AuditCounts): () => void {
    let lastCount = 0;
    let lastAt = measurements.now();
    const nextFault = () => plan.faults.find((f) => f.atMs > measurements.now());
    const timer = setInterval(() => {
      const now = measurements.now();
      const rate = ((measurements.requests.total - lastCount) / (now - lastAt)) * 1000;
      lastCount = measurements.requests.total;
      lastAt = now;
      const p99 = summarize(measurements.histogram).p99 / 1000;
      const fault = nextFault();
      this.write(
        `[${variant}] ${formatDuration(now)}/${formatDuration(plan.load.durationMs)} ` +
          `${Math.round(rate)} req/s, p99 ${p99.toFixed(1)} ms, errors ${measurements.requests.errors + measurements.requests.timeouts}, ` +
          `logged out ${audit.loggedOutUsers}` +
          (fault
            ? `, next fault ${fault.action}:${fault.target} at ${formatDuration(fault.atMs)}`
            : ''),
      );
    }, this.everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
