import type { LoadPlan } from '../config/planSchema.js';
import { Ledger, UserFlag } from './ledger.js';
import { seededRandom } from '../random.js';

export type Action = 'login' | 'read' | 'update' | 'logout' | 'replay';

export interface Step {
  user: number;
  action: Action;
  /** The audit's handle on this request, from AnswerCheck.sent (set by the driver at send). */
  ticket?: number;
}

/** Steps that carry a session: a page view multiplies them; login and replay go alone. */
const inSession = (action: Action) =>
  action === 'read' || action === 'update' || action === 'logout';

/**
 * Chooses who acts next and what they do: logged-in users read, update or log out by
 * the mix; logged-out users log in again, or first replay the cookie they logged out
 * (which a revocable store must refuse). Only idle users are chosen.
 *
 * Under `parallel` N a step is a page view: the chosen request plus N-1 reads of the
 * same session, sent at once, as a browser loads a page and its XHRs. A user stays
 * busy until every request of its page view is answered, so one user never has two
 * updates (or two logouts) in flight. Login and replay have no session to share and
 * go alone.
 */
export class Workload {
  private readonly random: () => number;
  private readonly readBelow: number;
  private readonly updateBelow: number;
  /** Requests of each user's page view still unanswered. */
  private readonly pending: Uint8Array;

  constructor(
    private readonly ledger: Ledger,
    private readonly mix: LoadPlan['mix'],
    seed: number,
  ) {
    this.random = seededRandom(seed);
    const total = mix.read + mix.update + mix.logout;
    this.readBelow = mix.read / total;
    this.updateBelow = (mix.read + mix.update) / total;
    this.pending = new Uint8Array(ledger.users);
  }

  /** The next step, with its user marked busy; null when every user is busy. */
  next(): Step | null {
    return this.nextPageView(1)?.[0] ?? null;
  }

  /**
   * The next page view of at most `parallel` requests (the first is the mix's choice,
   * the rest reads), its user busy until each is `done`; null when every user is busy.
   */
  nextPageView(parallel: number): Step[] | null {
    const user = this.pickIdleUser();
    if (user < 0) return null;
    this.ledger.set(user, UserFlag.Busy);
    const action = this.actionFor(user);
    const size = inSession(action) ? Math.max(1, parallel) : 1;
    const steps: Step[] = [{ user, action }];
    for (let i = 1; i < size; i++) steps.push({ user, action: 'read' });
    this.pending[user] = size;
    return steps;
  }

  /** One request of the user's page view is over (answered, failed, or never sent). */
  done(user: number): void {
    const left = this.pending[user]!;
    this.pending[user] = left > 0 ? left - 1 : 0;
    if (left <= 1) this.ledger.clear(user, UserFlag.Busy);
  }

  private actionFor(user: number): Action {
    const ledger = this.ledger;
    if (!ledger.has(user, UserFlag.LoggedIn)) {
      const canReplay = ledger.has(user, UserFlag.HasRevoked);
      return canReplay && this.random() < this.mix.replay ? 'replay' : 'login';
    }
    const r = this.random();
    if (r < this.readBelow) return 'read';
    return r < this.updateBelow ? 'update' : 'logout';
  }

  /** A random user; if busy, the next idle one after it (so no user is starved). */
  private pickIdleUser(): number {
    const n = this.ledger.users;
    const start = Math.floor(this.random() * n);
    const flags = this.ledger.flags;
    for (let i = 0; i < n; i++) {
      const user = (start + i) % n;
      if ((flags[user]! & UserFlag.Busy) === 0) return user;
    }
    return -1;
  }
}
