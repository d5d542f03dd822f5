import { RequestNotSent, RequestTimeout, type Reply } from '../load/appClient.js';
import { Ledger, UserFlag } from '../load/ledger.js';
import { Outcome } from '../load/requestLog.js';
import type { Action } from '../load/workload.js';
import { emptyAuditCounts } from '../result/emptyResult.js';
import { Overlaps, type SentRequest } from './overlaps.js';

/** The counts at zero (their one spelling is in src/result/emptyResult.ts). */
export const emptyCounts = emptyAuditCounts;

/** A fault's time span, for telling which fault a lost session belongs to. */
interface FaultWindow {
  startMs: number;
  /** Unset while the fault is still going on. */
  endMs?: number;
  /** 1-based, so that 0 in the ledger means "no fault". */
  number: number;
  /** Lost by this fault alone, among the users counted at it (`population`). */
  loggedOutUsers: number;
  lostUpdates: number;
  /** Reads older than an acknowledged update, that only this fault could have caused. */
  staleReads: number;
  /** Lost by this fault alone, but not counted at it: they logged in after the count. */
  loggedOutOutsidePopulation: number;
  /** Losses this fault or another overlapping one could have caused; blamed on neither. */
  ambiguousLoggedOutUsers: number;
  ambiguousLostUpdates: number;
  /** Users counted as ambiguous here, each once. */
  ambiguousUsers: Set<number>;
  /** One bit per user: logged in for sure when the fault was counted. Unset until counted. */
  population?: Uint8Array;
  /** Users this fault logged out before it was counted: logged in at its start, so counted in. */
  lostBeforeCount: number[];
}

/** What one fault did to sessions, split by how sure the attribution is. */
export interface FaultLosses {
  loggedOutUsers: number;
  lostUpdates: number;
  staleReads: number;
  loggedOutOutsidePopulation?: number;
  ambiguousLoggedOutUsers: number;
  ambiguousLostUpdates: number;
}

/**
 * Checks each answer against the ledger and moves the ledger forward. Pure logic: it
 * sees replies, never sockets, so the unit tests drive it directly.
 */
export class Audit {
  /** indeterminate starts at 0 here, not in emptyCounts: a variant that never ran measured none. */
  readonly counts = {
    ...emptyCounts(),
    indeterminate: 0,
    staleReads: 0,
    acknowledgedUpdates: 0,
    acknowledgedLogouts: 0,
  };
  private readonly faults: FaultWindow[] = [];
  private readonly overlaps = new Overlaps();

  constructor(
    private readonly ledger: Ledger,
    /** ms since the load started (negative during warm-up). */
    private readonly now: () => number = () => 0,
  ) {}

  /** A fault began; returns its index for faultEnded and loggedOutByFault. */
  faultStarted(startMs: number): number {
    const number = this.faults.length + 1;
    const window: FaultWindow = {
      startMs,
      number,
      loggedOutUsers: 0,
      lostUpdates: 0,
      staleReads: 0,
      loggedOutOutsidePopulation: 0,
      ambiguousLoggedOutUsers: 0,
      ambiguousLostUpdates: 0,
      ambiguousUsers: new Set(),
      lostBeforeCount: [],
    };
    return this.faults.push(window) - 1;
  }

  /**
   * Counts the users at risk at fault `index` (the ledger is sure they are logged in
   * and they were seen alive since `sinceMs`, or the fault already logged them out)
   * and remembers who they were: the fault's loggedOutUsers then counts only among
   * them, so loggedOutUsers <= loggedInUsersAtFault always holds.
   */
  countPopulation(index: number, sinceMs: number): number {
    const ledger = this.ledger;
    const fault = this.faults[index]!;
    const population = new Uint8Array(Math.ceil(ledger.users / 8));
    const add = (u: number) => (population[u >> 3]! |= 1 << (u & 7));
    let count = 0;
    for (let u = 0; u < ledger.users; u++) {
      const flags = ledger.flags[u]! & (UserFlag.LoggedIn | UserFlag.LogoutUncertain);
      if (flags !== UserFlag.LoggedIn || ledger.lastGoodMs[u]! < sinceMs) continue;
      add(u);
      count++;
    }
    // Lost between the fault's start and this count (a store that answers "missing"
    // while it is down): they were logged in at the fault.
    for (const u of fault.lostBeforeCount) {
      if (ledger.has(u, UserFlag.LoggedIn) && (population[u >> 3]! & (1 << (u & 7))) !== 0)
        continue;
      add(u);
      count++;
    }
    fault.population = population;
    return count;
  }

  /** When the latest finished fault ended (-Infinity if none has). */
  lastFaultEndMs(): number {
    return Math.max(-Infinity, ...this.faults.map((f) => f.endMs ?? -Infinity));
  }

  faultEnded(index: number, endMs: number): void {
    this.faults[index]!.endMs = endMs;
  }

  /** Logged-out users and lost updates caused by fault `index` (not before or after it). */
  lossesAtFault(index: number): FaultLosses {
    const fault = this.faults[index];
    return {
      loggedOutUsers: fault?.loggedOutUsers ?? 0,
      lostUpdates: fault?.lostUpdates ?? 0,
      staleReads: fault?.staleReads ?? 0,
      ...(fault?.population
        ? { loggedOutOutsidePopulation: fault.loggedOutOutsidePopulation }
        : {}),
      ambiguousLoggedOutUsers: fault?.ambiguousLoggedOutUsers ?? 0,
      ambiguousLostUpdates: fault?.ambiguousLostUpdates ?? 0,
    };
  }

  /** A request of the load leaves now: its ticket lets `check` judge it by what it overlapped. */
  sent(user: number, action: Action): number {
    return this.overlaps.sent(user, action, this.ledger.counter[user]!);
  }

  /**
   * Records what a request did; returns its outcome for the request log. Without a
   * ticket the request counts as sent just before its answer, alone (warm-up, sweep).
   */
  check(
    user: number,
    action: Action,
    reply: Reply | Error,
    duringRun = true,
    ticket?: number,
  ): Outcome {
    const request = ticket === undefined ? undefined : this.overlaps.answered(ticket);
    const outcome = this.judge(user, action, reply, duringRun, request);
    if (request) this.overlaps.release(request);
    return outcome;
  }

  private judge(
    user: number,
    action: Action,
    reply: Reply | Error,
    duringRun: boolean,
    request: SentRequest | undefined,
  ): Outcome {
    const ledger = this.ledger;
    // No answer at all (during the load) is indeterminate; a 5xx is the app's answer.
    if (reply instanceof Error) return this.failed(user, action, reply, duringRun);
    if (reply.status >= 500) {
      return this.failed(user, action, new Error(`HTTP ${reply.status}`), false);
    }
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
    // "Not logged in" while a logout of this user raced it: the logout's doing, not a loss.
    if (reply.status === 401 && request?.overlapsLogout) return Outcome.Ok;
    if (reply.status === 401) return this.notLoggedIn(user, duringRun);
    if (reply.status !== 200 || reply.counter === undefined) return Outcome.Error;
    // Answered after the user's logout (or loss) was acknowledged: it raced it and says
    // nothing decidable now; a session it brought back shows at a replay or the sweep.
    if (request && !ledger.has(user, UserFlag.LoggedIn)) return Outcome.Ok;
    // A 200 does not settle a logout that got no answer: it may still apply later (a
    // Galera donor holds the DELETE under its state transfer's lock and commits it when
    // the transfer ends, after the front moved away and reads elsewhere showed the
    // session). Only a 401, a new login or an acknowledged logout settles it.
    this.checkCounter(user, action, reply.counter, duringRun, request);
    if (action === 'update') this.counts.acknowledgedUpdates++;
    ledger.lastGoodMs[user] = this.now();
    if (reply.token) ledger.token.set(user, reply.token);
    if (action === 'logout') {
      this.counts.acknowledgedLogouts++;
      ledger.revokedToken.set(user, ledger.token.get(user));
      ledger.clear(
        user,
        UserFlag.LoggedIn | UserFlag.CountedResurrected | UserFlag.LogoutUncertain,
      );
      ledger.set(user, UserFlag.HasRevoked);
    }
    return Outcome.Ok;
  }

  /**
   * Lost updates, exact under overlap: an answer older than the counter acknowledged
   * *before its request left* lost that many increments (what was acknowledged while it
   * was in flight it need not show); two overlapping updates acknowledged with the same
   * counter lost one increment. A read of the load never raises the counter: a value it
   * shows may come from an update that timed out, and losing that is no acknowledged loss.
   */
  private checkCounter(
    user: number,
    action: Action,
    counter: number,
    duringRun: boolean,
    request: SentRequest | undefined,
  ): void {
    const ledger = this.ledger;
    // An update answers with the incremented value: what it read was one less.
    const read = action === 'update' ? counter - 1 : counter;
    // A loss found since this left reset the counter: judging it again would count twice.
    const acknowledged = !request
      ? ledger.counter[user]!
      : this.overlaps.lossSince(request)
        ? -Infinity
        : request.ackedAtSend;
    let lost = read < acknowledged ? acknowledged - read : 0;
    if (action === 'update' && request && this.overlaps.updateAcked(request, counter)) lost++;
    if (lost > 0) {
      this.counts.lostUpdates += lost;
      const suspects = this.faultsBehind(user, duringRun ? this.now() : Infinity);
      // A read of the load that showed less than was acknowledged before it left (DESIGN.md:
      // the first sight of a loss, or an old copy); the sweep's reads are not the load's.
      if (action === 'read' && request && read < acknowledged) {
        this.counts.staleReads++;
        if (suspects.length === 1) suspects[0]!.staleReads++;
      }
      if (suspects.length === 1) suspects[0]!.lostUpdates += lost;
      else for (const fault of suspects) fault.ambiguousLostUpdates += lost;
      // What the store holds now is what later answers are judged against.
      ledger.counter[user] = counter;
      this.overlaps.lossFound(user);
    } else if (action === 'update' || !request) {
      ledger.counter[user] = Math.max(ledger.counter[user]!, counter);
    }
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
    this.blameLogout(user, this.faultsBehind(user, duringRun ? this.now() : Infinity));
    return Outcome.LoginWall;
  }

  /** Per fault, a user counts once for each fault that logged them out. */
  private blameLogout(user: number, suspects: FaultWindow[]): void {
    const ledger = this.ledger;
    if (suspects.length > 1) {
      for (const fault of suspects) {
        if (fault.ambiguousUsers.has(user)) continue;
        fault.ambiguousUsers.add(user);
        fault.ambiguousLoggedOutUsers++;
      }
      return;
    }
    const fault = suspects[0];
    if (!fault || ledger.blamedFault[user] === fault.number) return;
    ledger.blamedFault[user] = fault.number;
    if (!fault.population) fault.lostBeforeCount.push(user);
    const counted = !fault.population || (fault.population[user >> 3]! & (1 << (user & 7))) !== 0;
    if (counted) fault.loggedOutUsers++;
    else fault.loggedOutOutsidePopulation++;
  }

  /**
   * A loss happened between the user's last good answer and its detection: the
   * fault in that span caused it. With no fault in the span it is nobody's; with
   * two or more it could be either's: it is ambiguous, never guessed.
   */
  private faultsBehind(user: number, detectedMs: number): FaultWindow[] {
    const lastGood = this.ledger.lastGoodMs[user]!;
    return this.faults.filter(
      (f) => f.startMs <= detectedMs && (f.endMs === undefined || f.endMs >= lastGood),
    );
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

  private failed(user: number, action: Action, error: Error, indeterminate: boolean): Outcome {
    // A logout that got no answer may have happened: do not count its 401 later as a loss.
    // A refused connection or a request never sent did not reach the app: that logout
    // certainly did not happen.
    const notSent = error instanceof RequestNotSent;
    const neverArrived = notSent || (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
    if (action === 'logout' && !neverArrived) this.ledger.set(user, UserFlag.LogoutUncertain);
    // Sent, never answered: it may or may not have applied (Jepsen's :info). Counted, not guessed.
    if (indeterminate && !neverArrived) this.counts.indeterminate++;
    if (notSent) return Outcome.NotSent;
    return error instanceof RequestTimeout ? Outcome.Timeout : Outcome.Error;
  }
}
