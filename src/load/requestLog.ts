export enum Outcome {
  /** Answered as the ledger expects (including a refused replay). */
  Ok = 0,
  /** Answered "not logged in" for a user the ledger says is logged in. */
  LoginWall = 1,
  /** Connection error, 5xx (store failed or timed out in the app), or an unexpected answer. */
  Error = 2,
  /** Sent, and no answer within the request timeout. */
  Timeout = 3,
  /**
   * Never sent: no connection of the client was free within the request timeout. It
   * never reached the app: neither its error nor its timeout (the generator's backlog,
   * or every connection held by a slow answer; `generator.behind` tells which).
   */
  NotSent = 4,
}

/** The app or its store failed the request: an error or a timeout, not a request never sent. */
export const isFailure = (outcome: Outcome): boolean =>
  outcome === Outcome.Error || outcome === Outcome.Timeout;

/** The app answered (rightly or with a login wall): it was available. */
export const isAnswered = (outcome: Outcome): boolean =>
  outcome === Outcome.Ok || outcome === Outcome.LoginWall;

/** Why a failed request failed, when the failure itself says more than its outcome. */
export enum FailureKind {
  None = 0,
  /** The connection was refused: nothing listens where the app should be. */
  Refused = 1,
  /** The app answered 503: its store failed or timed out (the user stays logged in). */
  Unavailable503 = 2,
}

/**
 * One row per request of the load phase, answered or failed, in growable typed
 * arrays (14 bytes a request). Both drivers write it through the same path
 * (`recordAnswer` in loadDriver.ts); it is the source of the timeline, the fault
 * figures, the per-phase summaries, stalls and unplanned exits.
 */
export class RequestLog {
  length = 0;
  /** Intended send time, ms since the load started. */
  intendedMs = new Float64Array(1024);
  /** From the intended send time to the answer (or the failure), microseconds. */
  latencyUs = new Uint32Array(1024);
  outcome = new Uint8Array(1024);
  failure = new Uint8Array(1024);

  add(intendedMs: number, latencyUs: number, outcome: Outcome, failure = FailureKind.None): void {
    if (this.length === this.outcome.length) this.grow();
    const i = this.length++;
    this.intendedMs[i] = intendedMs;
    this.latencyUs[i] = Math.min(latencyUs, 0xffffffff);
    this.outcome[i] = outcome;
    this.failure[i] = failure;
  }

  /** When the answer came, ms since the load started. */
  completedMs(i: number): number {
    return this.intendedMs[i]! + this.latencyUs[i]! / 1000;
  }

  private grow(): void {
    const size = this.outcome.length * 2;
    const intended = new Float64Array(size);
    intended.set(this.intendedMs);
    const latency = new Uint32Array(size);
    latency.set(this.latencyUs);
    const outcome = new Uint8Array(size);
    outcome.set(this.outcome);
    const failure = new Uint8Array(size);
    failure.set(this.failure);
    this.intendedMs = intended;
    this.latencyUs = latency;
    this.outcome = outcome;
    this.failure = failure;
  }
}
