import type { LoadPlan } from '../config/planSchema.js';
import { Ledger, UserFlag } from './ledger.js';
import { seededRandom } from '../random.js';

export type Action = 'login' | 'read' | 'update' | 'logout' | 'replay';

export interface Step {
  user: number;
  action: Action;
}

/**
 * Chooses who acts next and what they do: logged-in users read, update or log out by
 * the mix; logged-out users log in again, or first replay the cookie they logged out
 * (which a revocable store must refuse). Only idle users are chosen.
 */
export class Workload {
  private readonly random: () => number;
  private readonly readBelow: number;
  private readonly updateBelow: number;

  constructor(
    private readonly ledger: Ledger,
    private readonly mix: LoadPlan['mix'],
    seed: number,
  ) {
    this.random = seededRandom(seed);
    const total = mix.read + mix.update + mix.logout;
    this.readBelow = mix.read / total;
    this.updateBelow = (mix.read + mix.update) / total;
  }

  /** The next step, with its user marked busy; null when every user is busy. */
  next(): Step | null {
    const user = this.pickIdleUser();
    if (user < 0) return null;
    this.ledger.set(user, UserFlag.Busy);
    return { user, action: this.actionFor(user) };
  }

  done(user: number): void {
    this.ledger.clear(user, UserFlag.Busy);
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
