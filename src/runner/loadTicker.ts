import type { Plan } from '../config/planSchema.js';
import type { LoadFigures } from '../lifecycle/progressChannel.js';
import { summarize } from '../load/latency.js';
import type { Measurements } from '../load/measurements.js';
import type { AuditCounts } from '../result/result.js';
import type { Progress } from './progress.js';

const TICK_MS = 500;

/**
 * Emits the load's figures on the progress channel a few times a second, and its
 * last figures when stopped. Listeners get values, never the live objects.
 */
export function startLoadTicker(
  progress: Progress,
  variant: string,
  plan: Plan,
  measurements: Measurements,
  audit: AuditCounts,
): () => void {
  const index = plan.variants?.indexOf(variant) ?? -1;
  const figures = (): LoadFigures => {
    const now = measurements.now();
    const fault = plan.faults.find((f) => f.atMs > now);
    return {
      variant,
      ...(index >= 0 ? { position: `${index + 1}/${plan.variants!.length}` } : {}),
      elapsedMs: Math.min(now, plan.load.durationMs),
      totalMs: plan.load.durationMs,
      requests: measurements.requests.total,
      errors: measurements.requests.errors + measurements.requests.timeouts,
      p99Us: summarize(measurements.histogram).p99,
      loggedOutUsers: audit.loggedOutUsers,
      ...(fault
        ? { nextFault: { action: fault.action, target: fault.target, atMs: fault.atMs } }
        : {}),
    };
  };
  const timer = setInterval(() => progress.emit({ type: 'loadTick', ...figures() }), TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    progress.emit({ type: 'loadEnded', ...figures() });
  };
}
