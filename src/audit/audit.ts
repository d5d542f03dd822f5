import { RequestTimeout, type Reply } from '../load/appClient.js';
import { Ledger, UserFlag } from '../load/ledger.js';
import { Outcome } from '../load/requestLog.js';
import type { Action } from '../load/workload.js';
import { emptyAuditCounts } from '../result/emptyResult.js';

/** The counts at zero (their one spelling is in src/result/emptyResult.ts). */
export const emptyCounts = emptyAuditCounts;

/** A fault's time span, for telling which fault a lost session belongs to. */
interface FaultWindow {
  startMs: number;
  /** Unset while the fault is still going on. */
  endMs?: number;
  /** 1-based, so that 0 in the ledger means "no fault". */
  number: number;
  loggedOutUsers: number;
  lostUpdates: number;
}

/**
 * Checks each answer against the ledger and moves the ledger forward. Pure logic: it
 * sees replies, never sockets, so the unit tests drive it directly.
 */
export class Audit {
  readonly counts = emptyCounts();
  private readonly faults: FaultWindow[] = [];

  constructor(
    private readonly ledger: Ledger,
    /** ms since the load started (negative during warm-up). */
    private readonly now: () => number = () => 0,
  ) {}

  /** A fault began; returns its index for faultEnded and loggedOutByFault. */
  faultStarted(startMs: number): number {
    const number = this.faults.length + 1;
    return this.faults.push({ startMs, number, loggedOutUsers: 0, lostUpdates: 0 }) - 1;
  }

  /** When the latest finished fault ended (-Infinity if none has). */
  lastFaultEndMs(): number {
    return Math.max(-Infinity, ...this.faults.map((f) => f.endMs ?? -Infinity));
  }

  faultEnded(index: number, endMs: number): void {
    this.faults[index]!.endMs = endMs;
  }

  /** Logged-out users and lost updates caused by fault `index` (not before or after it). */
  lossesAtFault(index: number): { loggedOutUsers: number; lostUpdates: number } {
    const fault = this.faults[index];
    return { loggedOutUsers: fault?.loggedOutUsers ?? 0, lostUpdates: fault?.lostUpdates ?? 0 };
  }

  /** Records what a request did; returns its outcome for the request log. */
  check(user: number, action: Action, reply: Reply | Error, duringRun = true): Outcome {
    const ledger = this.ledger;
    if (reply instanceof Error) return this.failed(user, action, reply);
    if (reply.status >= 500) return this.failed(user, action, new Error(`HTTP ${reply.status}`));
    if (reply.status === 200 && reply.userId !== undefined && reply.userId !== user) {
      this.counts.wrongUserSessions++;
      return Outcome.Ok;
    }
    if (action === 'replay') return this.checkReplay(user, reply);
    if (action === 'login') {
      if (reply.status !== 200 || !reply.token) return Outcome.Error;
      ledger.token.set(user, reply.token);
      ledger.counter[user] = reply.counter ?? 0;
      ledger.set(user, UserFlag.LoggedIn | UserFlag.EverLoggedIn);
      ledger.clear(user, UserFlag.LogoutUncertain);
      ledger.lastGoodMs[user] = this.now();
      return Outcome.Ok;
    }
    if (reply.status === 401) return this.notLoggedIn(user, duringRun);
    if (reply.status !== 200 || reply.counter === undefined) return Outcome.Error;
    ledger.clear(user, UserFlag.LogoutUncertain);
    // An update answers with the incremented value: what it read was one less.
    const read = action === 'update' ? reply.counter - 1 : reply.counter;
    const acknowledged = ledger.counter[user]!;
    if (read < acknowledged) {
      this.counts.lostUpdates += acknowledged - read;
      const fault = this.faultBehind(user, duringRun ? this.now() : Infinity);
      if (fault) fault.lostUpdates += acknowledged - read;
    }
    ledger.counter[user] = reply.counter;
    ledger.lastGoodMs[user] = this.now();
    if (reply.token) ledger.token.set(user, reply.token);
    if (action === 'logout') {
      ledger.revokedToken.set(user, ledger.token.get(user));
      ledger.clear(user, UserFlag.LoggedIn | UserFlag.CountedResurrected);
      ledger.set(user, UserFlag.HasRevoked);
    }
    return Outcome.Ok;
  }

  private notLoggedIn(user: number, duringRun: boolean): Outcome {
    const ledger = this.ledger;
    ledger.clear(user, UserFlag.LoggedIn);
    if (ledger.has(user, UserFlag.LogoutUncertain)) {
      // The logout we never heard back from did happen: not a loss.
      ledger.clear(user, UserFlag.LogoutUncertain);
      return Outcome.Ok;
    }
    if (duringRun) this.counts.loginWallHits++;
    if (!ledger.has(user, UserFlag.CountedLoggedOut)) {
      ledger.set(user, UserFlag.CountedLoggedOut);
      this.counts.loggedOutUsers++;
    }
    // Per fault, a user counts once for each fault that logged them out.
    const fault = this.faultBehind(user, duringRun ? this.now() : Infinity);
    if (fault && ledger.blamedFault[user] !== fault.number) {
      ledger.blamedFault[user] = fault.number;
      fault.loggedOutUsers++;
    }
    return Outcome.LoginWall;
  }

  /**
   * A loss happened between the user's last good answer and its detection: the
   * fault in that span caused it. With no fault in the span it is nobody's; with
   * two or more it could be either's, and it is left unattributed rather than guessed.
   */
  private faultBehind(user: number, detectedMs: number): FaultWindow | undefined {
    const lastGood = this.ledger.lastGoodMs[user]!;
    const suspects = this.faults.filter(
      (f) => f.startMs <= detectedMs && (f.endMs === undefined || f.endMs >= lastGood),
    );
    return suspects.length === 1 ? suspects[0] : undefined;
  }

  private checkReplay(user: number, reply: Reply): Outcome {
    if (reply.status === 401) return Outcome.Ok;
    if (reply.status !== 200) return Outcome.Error;
    if (!this.ledger.has(user, UserFlag.CountedResurrected)) {
      this.ledger.set(user, UserFlag.CountedResurrected);
      this.counts.resurrectedSessions++;
    }
    return Outcome.Ok;
  }

  private failed(user: number, action: Action, error: Error): Outcome {
    // A logout that got no answer may have happened: do not count its 401 later as a loss.
    // A refused connection never reached the app, so that logout certainly did not happen.
    const neverArrived = (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
    if (action === 'logout' && !neverArrived) this.ledger.set(user, UserFlag.LogoutUncertain);
    return error instanceof RequestTimeout ? Outcome.Timeout : Outcome.Error;
  }
}
