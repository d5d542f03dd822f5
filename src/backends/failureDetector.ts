/**
 * The orchestrator's verdict on the primary from its periodic checks: it is `down`
 * once every check for `windowMs` failed (the first failure starts the window, any
 * success closes it). Pure: the caller gives the clock.
 */
export class FailureDetector {
  private failingSinceMs: number | undefined;

  constructor(readonly windowMs: number) {}

  /** Records one check; returns whether the primary is now judged down. */
  observe(ok: boolean, nowMs: number): boolean {
    if (ok) {
      this.failingSinceMs = undefined;
      return false;
    }
    this.failingSinceMs ??= nowMs;
    return nowMs - this.failingSinceMs >= this.windowMs;
  }

  /** Starts afresh (after a promotion: the new primary gets a full window). */
  reset(): void {
    this.failingSinceMs = undefined;
  }
}
