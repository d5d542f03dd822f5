import { percentileOf } from '../load/latency.js';
import type { LogIndex } from '../load/logIndex.js';
import { isAnswered, isFailure, type Outcome } from '../load/requestLog.js';

/**
 * The order the figures keep: the target is unavailable from its first failed
 * request to its first good answer after that, and it can only have recovered
 * once it serves again, so the search for recovery starts where unavailability
 * ends. Hence, whenever both are measured:
 *   (first failure - fault start) + unavailableMs <= recoveryMs, so unavailableMs <= recoveryMs.
 */
export interface FaultImpact {
  /** From the first failed request after the fault to the first good answer after it; 0 when nothing failed. */
  unavailableMs: number;
  /** From the fault to the first 1 s window, starting no earlier than the end of the unavailability, whose p99 is back within 2x the pre-fault p99 (and no failures); null if never. */
  recoveryMs: number | null;
  /** Requests sent during [fault start, recovery] that errored or timed out. */
  errorsDuringFault: number;
}

const WINDOW_MS = 1000;
const STEP_MS = 100;
/** p99 over this stretch before the fault is the baseline. */
const BASELINE_MS = 10_000;
/** Loopback p99s of ~1 ms jitter by more than 2x; below this margin a window still counts as recovered. */
const RECOVERY_FLOOR_US = 2_000;

/**
 * Works out a fault's effect from the request log. A request "failed" when it
 * errored, timed out, or was answered later than `slowMs` (a frozen server fails
 * nobody outright, but nobody is served either); one never sent is neither failed
 * nor served.
 */
export function faultImpact(
  index: LogIndex,
  faultStartMs: number,
  /** The next fault's start or the end of the load: later failures are not this fault's. */
  horizonMs: number,
  slowMs: number,
): FaultImpact {
  const log = index.log;
  const slow = (i: number) => log.latencyUs[i]! > slowMs * 1000;
  const answered = (i: number) => isAnswered(log.outcome[i] as Outcome);
  // A request never sent says nothing of the target: neither failed nor served.
  const failed = (i: number) => isFailure(log.outcome[i] as Outcome) || (answered(i) && slow(i));
  const served = (i: number) => answered(i) && !slow(i);

  const after = index.rows(faultStartMs, horizonMs);
  const firstFailure = after.find(failed);
  let unavailableMs = 0;
  // Where serving resumed: recovery cannot come before it.
  let servingAgainMs = faultStartMs;
  if (firstFailure !== undefined) {
    const failedAtMs = log.intendedMs[firstFailure]!;
    let firstGoodMs = horizonMs;
    for (const i of after) {
      if (log.intendedMs[i]! >= failedAtMs && served(i))
        firstGoodMs = Math.min(firstGoodMs, log.completedMs(i));
    }
    unavailableMs = Math.max(0, firstGoodMs - failedAtMs);
    servingAgainMs = failedAtMs + unavailableMs;
  }

  const baseline = index
    .rows(faultStartMs - BASELINE_MS, faultStartMs)
    .map((i) => log.latencyUs[i]!);
  const baselineP99 = percentileOf(baseline, 99);
  const limitUs = Math.max(2 * baselineP99, baselineP99 + RECOVERY_FLOOR_US);
  let recoveryMs: number | null = null;
  for (let t = servingAgainMs; t + WINDOW_MS <= horizonMs; t += STEP_MS) {
    const window = index.rows(t, t + WINDOW_MS);
    if (window.length === 0 || window.some(failed)) continue;
    if (
      percentileOf(
        window.map((i) => log.latencyUs[i]!),
        99,
      ) <= limitUs
    ) {
      recoveryMs = Math.round(t - faultStartMs);
      break;
    }
  }
  const faultEnd = recoveryMs === null ? horizonMs : faultStartMs + recoveryMs;
  const errorsDuringFault = index
    .rows(faultStartMs, faultEnd)
    .filter((i) => isFailure(log.outcome[i] as Outcome)).length;
  return { unavailableMs: Math.round(unavailableMs), recoveryMs, errorsDuringFault };
}
