import type { LogIndex } from '../load/logIndex.js';
import { FailureKind, Outcome } from '../load/requestLog.js';
import type { FaultResult } from '../result/result.js';

/** An instant fault (reset) is judged by the answers of the second after it. */
export const INSTANT_WINDOW_MS = 1_000;

/**
 * How the app answered the requests intended in [startMs, endMs) (for an instant
 * fault the caller passes the INSTANT_WINDOW_MS after it): ok, 503 (the app's
 * store call failed or timed out), 401 for a user the ledger says is logged in, other
 * errors, timeouts, requests never sent. It tells whether a client library turned a
 * fault into logouts.
 */
export function faultAnswers(
  index: LogIndex,
  startMs: number,
  endMs: number,
): NonNullable<FaultResult['answers']> {
  const log = index.log;
  const answers = {
    ok: 0,
    unavailable503: 0,
    loginWall401: 0,
    errors: 0,
    timeouts: 0,
    notSent: 0,
  };
  for (const i of index.rows(startMs, endMs)) {
    const outcome = log.outcome[i] as Outcome;
    if (outcome === Outcome.Ok) answers.ok++;
    else if (outcome === Outcome.LoginWall) answers.loginWall401++;
    else if (outcome === Outcome.Timeout) answers.timeouts++;
    else if (outcome === Outcome.NotSent) answers.notSent++;
    else if (log.failure[i] === FailureKind.Unavailable503) answers.unavailable503++;
    else answers.errors++;
  }
  return answers;
}
