import { maxOf } from '../extremes.js';
import { LATE_MS } from '../config/slo.js';
import { percentileOf } from '../load/latency.js';

const TICK_MS = 5;

/** How far behind the generator's own event loop ran during a step. */
export interface LagFigures {
  /** p99 of the ticks' delay beyond their interval, µs. */
  lagP99Us: number;
  /** The longest stall, µs. */
  lagMaxUs: number;
  /**
   * Σ over the loop's stalls of (stall − LATE_MS): the time during which a request
   * due then was bound to leave late, whatever the app and store did.
   */
  stalledMs: number;
}

/**
 * Times a 5 ms interval timer in the generator process: each tick's delay beyond
 * 5 ms is time the loop could not run (its own work, GC, or a CPU it did not get).
 */
export function watchGeneratorLag(): { stop(): LagFigures } {
  const delaysMs: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delaysMs.push(Math.max(0, now - last - TICK_MS));
    last = now;
  }, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      delaysMs.push(Math.max(0, performance.now() - last - TICK_MS));
      const stalledMs = delaysMs.reduce((sum, d) => sum + Math.max(0, d - LATE_MS), 0);
      return {
        lagP99Us: Math.round(percentileOf(delaysMs, 99) * 1000),
        lagMaxUs: Math.round(maxOf(delaysMs, 0) * 1000),
        stalledMs: Math.round(stalledMs),
      };
    },
  };
}
