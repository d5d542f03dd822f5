import { describe, expect, it } from 'vitest';
import { Audit } from '../../../src/audit/audit.js';
import { Ledger } from '../../../src/load/ledger.js';

/** An audit whose clock the test sets. */
function clocked(users: number) {
  const clock = { nowMs: 0 };
  const ledger = new Ledger(users);
  const audit = new Audit(ledger, () => clock.nowMs);
  const login = (user: number) =>
    audit.check(user, 'login', { status: 200, userId: user, counter: 0, token: 'a'.repeat(32) });
  return { clock, ledger, audit, login };
}

describe('losses per fault', () => {
  it('count among the users counted at the fault; later logins are outside that population', () => {
    const { clock, audit, login } = clocked(3);
    login(0);
    login(1);
    clock.nowMs = 10;
    const fault = audit.faultStarted(10);
    expect(audit.countPopulation(fault, -Infinity)).toBe(2);
    clock.nowMs = 20;
    login(2); // after the count, before the fault ended: not in its population
    audit.faultEnded(fault, 30);
    clock.nowMs = 40;
    for (const user of [0, 1, 2]) audit.check(user, 'read', { status: 401 });
    expect(audit.lossesAtFault(fault)).toMatchObject({
      loggedOutUsers: 2,
      loggedOutOutsidePopulation: 1,
    });
    expect(audit.counts.loggedOutUsers).toBe(3);
  });

  it('users lost after the fault began but before it was counted are in its population', () => {
    // memcached:warm kill: the store answers "missing" at once, before the count.
    const { clock, audit, login } = clocked(3);
    for (const user of [0, 1, 2]) login(user);
    const fault = audit.faultStarted(10);
    clock.nowMs = 20;
    audit.check(0, 'read', { status: 401 });
    audit.check(1, 'read', { status: 401 });
    expect(audit.countPopulation(fault, -Infinity)).toBe(3);
    audit.faultEnded(fault, 30);
    clock.nowMs = 40;
    audit.check(2, 'read', { status: 401 });
    expect(audit.lossesAtFault(fault)).toMatchObject({
      loggedOutUsers: 3,
      loggedOutOutsidePopulation: 0,
    });
  });

  it('a loss two faults could have caused is ambiguous for both, blamed on neither', () => {
    const { clock, audit, login } = clocked(2);
    login(0);
    const first = audit.faultStarted(10);
    audit.faultEnded(first, 20);
    clock.nowMs = 30;
    login(1); // seen after the first fault: only the second can have lost it
    const second = audit.faultStarted(50);
    audit.faultEnded(second, 60);
    clock.nowMs = 70;
    audit.check(0, 'read', { status: 401 });
    audit.check(1, 'read', { status: 401 });
    audit.check(0, 'read', { status: 401 }); // the same user again: counted once
    expect(audit.lossesAtFault(first)).toMatchObject({
      loggedOutUsers: 0,
      ambiguousLoggedOutUsers: 1,
    });
    expect(audit.lossesAtFault(second)).toMatchObject({
      loggedOutUsers: 1,
      ambiguousLoggedOutUsers: 1,
    });
  });

  it('lost updates two faults could have caused are ambiguous too', () => {
    const { clock, audit, login } = clocked(1);
    login(0);
    for (let c = 1; c <= 3; c++) audit.check(0, 'update', { status: 200, userId: 0, counter: c });
    const first = audit.faultStarted(10);
    audit.faultEnded(first, 20);
    const second = audit.faultStarted(30);
    audit.faultEnded(second, 40);
    clock.nowMs = 50;
    audit.check(0, 'read', { status: 200, userId: 0, counter: 1 });
    expect(audit.lossesAtFault(first)).toMatchObject({ lostUpdates: 0, ambiguousLostUpdates: 2 });
    expect(audit.lossesAtFault(second)).toMatchObject({ lostUpdates: 0, ambiguousLostUpdates: 2 });
    expect(audit.counts.lostUpdates).toBe(2);
  });
});
