import { formatDuration } from './duration.js';
import type { LoadPlan } from './planSchema.js';

const DAY_MS = 86_400_000;

/** How many times faster than real time a diurnal load replays its day; undefined when real. */
export function timeCompression(load: Pick<LoadPlan, 'curve' | 'durationMs'>): number | undefined {
  if (load.curve !== 'diurnal' || load.durationMs >= DAY_MS) return undefined;
  return DAY_MS / load.durationMs;
}

/**
 * Why the loss figures of a compressed day do not describe a real one, or undefined.
 * Only the traffic is squeezed: the stores' own timers (which decide what a crash
 * loses) cannot all be scaled (Redis's save points count whole seconds, appendfsync
 * everysec and MySQL's log flush are fixed at 1 s), so every variant is marked.
 */
export function durabilityCaveat(load: Pick<LoadPlan, 'curve' | 'durationMs'>): string | undefined {
  const factor = timeCompression(load);
  if (factor === undefined) return undefined;
  const times = factor >= 10 ? Math.round(factor) : +factor.toFixed(1);
  return (
    `Time ran ${times}x faster than a real day (24h in ${formatDuration(load.durationMs)}), but ` +
    "Redis's save points, fsync every second (AOF, MySQL, the OS) and session TTLs ran on real " +
    "time: these loss figures are not a real day's."
  );
}
