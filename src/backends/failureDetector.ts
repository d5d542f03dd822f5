/**
 * The orchestrator's verdict on the primary from its periodic checks: it is `down`
 * once every check for `windowMs` failed (the first failure starts the window, any
 * success closes it). Pure: the caller gives the clock.
 */
export class FailureDetector {
  private failingSinceMs: number | undefined;

  constructor(readonly windowMs: number) {}

  /**
   * Records one check that started at `startedMs` and ended at `nowMs` (a failed check
   * counts from its start: a check that hangs until its timeout does not lengthen the
   * window); returns whether the primary is now judged down.
   */
  observe(ok: boolean, nowMs: number, startedMs = nowMs): boolean {
    if (ok) {
      this.failingSinceMs = undefined;
      return false;
    }
    this.failingSinceMs ??= startedMs;
    return nowMs - this.failingSinceMs >= this.windowMs;
  }

  /** Starts afresh (after a promotion: the new primary gets a full window). */
  reset(): void {
    this.failingSinceMs = undefined;
  }
}
