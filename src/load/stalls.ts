import { diurnalMultipliers } from './arrivals.js';
import type { LoadPlan } from '../config/planSchema.js';
import { isAnswered, type Outcome, type RequestLog } from './requestLog.js';

/** A stretch in which a fault kept its target down: silence there is the fault's. */
export interface DownWindow {
  startMs: number;
  endMs: number;
}

export interface Stall {
  /** ms after the load started when answers stopped. */
  atMs: number;
  /** How long no answer came. */
  forMs: number;
}

/**
 * The first stretch in which the app answered nothing for longer than the load's
 * timeout (plus a few arrival gaps at a low fixed rate), not counting the time a
 * fault kept its target down. A load whose answers stop there did not complete
 * cleanly, whatever its counters say.
 */
export function findStall(
  log: RequestLog,
  load: Pick<LoadPlan, 'mode' | 'curve' | 'rateRps' | 'timeoutMs'>,
  loadSpanMs: number,
  faults: DownWindow[],
): Stall | undefined {
  const answers: number[] = [];
  for (let i = 0; i < log.length; i++) {
    if (isAnswered(log.outcome[i] as Outcome)) answers.push(log.completedMs(i));
  }
  answers.sort((a, b) => a - b);
  const limitMs = load.timeoutMs + 3 * longestArrivalGapMs(load);
  let fromMs = 0;
  for (const toMs of [...answers, loadSpanMs]) {
    const silentMs = toMs - fromMs - overlapMs(fromMs, toMs, faults);
    if (silentMs > limitMs) return { atMs: Math.round(fromMs), forMs: Math.round(toMs - fromMs) };
    fromMs = Math.max(fromMs, toMs);
  }
  return undefined;
}

/** The longest time between two intended arrivals: none in a closed loop. */
function longestArrivalGapMs(load: Pick<LoadPlan, 'mode' | 'curve' | 'rateRps'>): number {
  if (load.mode !== 'fixed') return 0;
  const lowest = load.curve === 'diurnal' ? Math.min(...diurnalMultipliers()) : 1;
  return 1000 / (load.rateRps * lowest);
}

function overlapMs(fromMs: number, toMs: number, windows: DownWindow[]): number {
  // Fault windows may overlap each other: merge them over [fromMs, toMs] first.
  const clipped = windows
    .map((w) => ({ startMs: Math.max(fromMs, w.startMs), endMs: Math.min(toMs, w.endMs) }))
    .filter((w) => w.endMs > w.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let reached = fromMs;
  for (const w of clipped) {
    const start = Math.max(reached, w.startMs);
    if (w.endMs > start) total += w.endMs - start;
    reached = Math.max(reached, w.endMs);
  }
  return total;
}
