import type { LifecycleEvent, VariantResult } from '../result/result.js';
import type { LogIndex } from './logIndex.js';
import { FailureKind } from './requestLog.js';
import type { DownWindow } from './stalls.js';

/** As the result records it: the schema is the one place its shape is written. */
type UnexpectedExit = NonNullable<VariantResult['unexpectedExits']>[number];

/** Refused this long with no fault running: nothing listens where the app was. */
const REFUSED_FOR_MS = 1_000;
/** A fault's target may still refuse connections this long after the fault ended. */
const AFTER_FAULT_MS = 1_000;

/**
 * The app or a node that died without a planned fault: the `died` events of the
 * targets (recorded when a child exits that nobody asked to stop), and, for an app
 * nobody watched, a stretch in which every request was refused while no fault ran.
 */
export function findUnexpectedExits(
  events: LifecycleEvent[],
  index: LogIndex,
  faults: DownWindow[],
): UnexpectedExit[] {
  const exits: UnexpectedExit[] = events
    .filter((e) => e.event === 'died')
    .map((e) => ({ tMs: e.tMs, target: e.target, ...(e.detail ? { detail: e.detail } : {}) }));
  const appDeaths = exits.filter((e) => e.target.startsWith('app'));
  for (const run of refusedRuns(index)) {
    const duringFault = faults.some(
      (f) => run.startMs < f.endMs + AFTER_FAULT_MS && run.endMs > f.startMs,
    );
    const known = appDeaths.some(
      (e) => e.tMs <= run.endMs && e.tMs >= run.startMs - REFUSED_FOR_MS,
    );
    if (duringFault || known || run.endMs - run.startMs < REFUSED_FOR_MS) continue;
    exits.push({
      tMs: Math.round(run.startMs),
      target: 'app',
      detail: `every request refused (ECONNREFUSED) for ${Math.round(run.endMs - run.startMs)} ms with no fault running`,
    });
  }
  return exits.sort((a, b) => a.tMs - b.tMs);
}

/** Stretches of consecutive requests (by intended time) that were all refused. */
function refusedRuns(index: LogIndex): { startMs: number; endMs: number }[] {
  const { log, order } = index;
  const runs: { startMs: number; endMs: number }[] = [];
  let start: number | undefined;
  let last = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (log.failure[i] === FailureKind.Refused) {
      start ??= log.intendedMs[i]!;
      last = log.completedMs(i);
      continue;
    }
    if (start !== undefined) runs.push({ startMs: start, endMs: last });
    start = undefined;
  }
  if (start !== undefined) runs.push({ startMs: start, endMs: last });
  return runs;
}
