import { describe, expect, it } from 'vitest';
import { Audit } from '../../../src/audit/audit.js';
import { RequestTimeout, type Reply } from '../../../src/load/appClient.js';
import { Ledger, UserFlag } from '../../../src/load/ledger.js';
import type { Action } from '../../../src/load/workload.js';

/**
 * Two (or more) requests of one user in flight at once (--parallel), scripted: each
 * `send` is a request leaving, each `answer` its reply arriving, in the order written.
 * User 0 starts logged in with counter 5 acknowledged.
 */
const TOKEN = 'a'.repeat(32);
const at = (counter: number): Reply => ({ status: 200, userId: 0, counter });
const MISSING: Reply = { status: 401 };
const timedOut = () => new RequestTimeout('no answer within 5000 ms');

function user() {
  const ledger = new Ledger(1);
  const audit = new Audit(ledger);
  audit.check(0, 'login', { status: 200, userId: 0, counter: 5, token: TOKEN }, false);
  const send = (action: Action) => ({ action, ticket: audit.sent(0, action) });
  const answer = (request: { action: Action; ticket: number }, reply: Reply | Error) =>
    audit.check(0, request.action, reply, true, request.ticket);
  /** The counts this interleaving is about, exactly. */
  const counts = () => {
    const { lostUpdates, resurrectedSessions, loggedOutUsers, loginWallHits, indeterminate } =
      audit.counts;
    return { lostUpdates, resurrectedSessions, loggedOutUsers, loginWallHits, indeterminate };
  };
  return { ledger, audit, send, answer, counts };
}

const NOTHING = {
  lostUpdates: 0,
  resurrectedSessions: 0,
  loggedOutUsers: 0,
  loginWallHits: 0,
  indeterminate: 0,
};

describe('audit under --parallel: update and read overlapping', () => {
  it('the read answers first, with the old counter: nothing lost', () => {
    const u = user();
    const update = u.send('update');
    const read = u.send('read');
    u.answer(read, at(5));
    u.answer(update, at(6));
    expect(u.counts()).toEqual(NOTHING);
    expect(u.ledger.counter[0]).toBe(6);
  });

  it('the update answers first and the read, sent before it, still shows the old counter: nothing lost', () => {
    const u = user();
    const update = u.send('update');
    const read = u.send('read');
    u.answer(update, at(6));
    u.answer(read, at(5));
    expect(u.counts()).toEqual(NOTHING);
    // The acknowledged 6 is what later requests are judged by.
    expect(u.ledger.counter[0]).toBe(6);
  });

  it('a read sent after the update was acknowledged that shows the old counter is a lost update', () => {
    const u = user();
    u.answer(u.send('update'), at(6));
    u.answer(u.send('read'), at(5));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
  });

  it('the old audit (answers only, no send order) counted the overlapping read as a lost update', () => {
    // What the audit saw before --parallel: answers in arrival order, each judged
    // against the latest acknowledged counter. The same interleaving as above.
    const ledger = new Ledger(1);
    const old = new Audit(ledger);
    old.check(0, 'login', { status: 200, userId: 0, counter: 5, token: TOKEN }, false);
    old.check(0, 'update', at(6));
    old.check(0, 'read', at(5));
    expect(old.counts.lostUpdates).toBe(1);
  });
});

describe('audit under --parallel: two updates overlapping', () => {
  it('two acknowledged updates answering the same counter lost one increment', () => {
    const u = user();
    const first = u.send('update');
    const second = u.send('update');
    u.answer(first, at(6));
    u.answer(second, at(6));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
  });

  it('answering 6 and 7, in either order, lost nothing', () => {
    for (const order of [
      [6, 7],
      [7, 6],
    ]) {
      const u = user();
      const first = u.send('update');
      const second = u.send('update');
      u.answer(first, at(order[0]!));
      u.answer(second, at(order[1]!));
      expect(u.counts()).toEqual(NOTHING);
      expect(u.ledger.counter[0]).toBe(7);
    }
  });

  it('three overlapping updates all answering 6 lost two increments', () => {
    const u = user();
    const sent = [u.send('update'), u.send('update'), u.send('update')];
    for (const request of sent) u.answer(request, at(6));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 2 });
  });

  it('a later update answering a counter it shares with an update acknowledged before it left is a stale read, counted once', () => {
    const u = user();
    u.answer(u.send('update'), at(6));
    u.answer(u.send('update'), at(6));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
  });
});

describe('audit under --parallel: logout and read overlapping', () => {
  it('the read answers before the logout: a logout, nothing lost', () => {
    const u = user();
    const logout = u.send('logout');
    const read = u.send('read');
    u.answer(read, at(5));
    u.answer(logout, at(5));
    expect(u.counts()).toEqual(NOTHING);
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
    expect(u.ledger.has(0, UserFlag.HasRevoked)).toBe(true);
  });

  it('the read answers "not logged in" after the acknowledged logout: not a logged-out user', () => {
    const u = user();
    const logout = u.send('logout');
    const read = u.send('read');
    u.answer(logout, at(5));
    u.answer(read, MISSING);
    expect(u.counts()).toEqual(NOTHING);
  });

  it('the read answers "not logged in" before the logout is acknowledged: not a logged-out user either', () => {
    const u = user();
    const read = u.send('read');
    const logout = u.send('logout');
    u.answer(read, MISSING);
    u.answer(logout, at(5));
    expect(u.counts()).toEqual(NOTHING);
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
  });

  it('the old audit counted that read as a logged-out user behind a login wall', () => {
    const ledger = new Ledger(1);
    const old = new Audit(ledger);
    old.check(0, 'login', { status: 200, userId: 0, counter: 5, token: TOKEN }, false);
    old.check(0, 'logout', at(5));
    old.check(0, 'read', MISSING);
    expect(old.counts).toMatchObject({ loggedOutUsers: 1, loginWallHits: 1 });
  });

  it('the read answers 200 after the acknowledged logout: still a logout, the user stays logged out', () => {
    const u = user();
    const logout = u.send('logout');
    const read = u.send('read');
    u.answer(logout, at(5));
    u.answer(read, at(5));
    expect(u.counts()).toEqual(NOTHING);
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
  });

  it('a session lost before the page view: a read finding it gone counts, its sibling does not count again', () => {
    const u = user();
    const first = u.send('read');
    const second = u.send('read');
    u.answer(first, MISSING);
    u.answer(second, MISSING);
    expect(u.counts()).toEqual({ ...NOTHING, loggedOutUsers: 1, loginWallHits: 2 });
  });
});

describe('audit under --parallel: logout and update overlapping', () => {
  it('update acknowledged, then the logout: nothing lost', () => {
    const u = user();
    const logout = u.send('logout');
    const update = u.send('update');
    u.answer(update, at(6));
    u.answer(logout, at(6));
    expect(u.counts()).toEqual(NOTHING);
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
  });

  it('logout acknowledged, then the update answers "not logged in" or 200: nothing lost, still logged out', () => {
    for (const late of [MISSING, at(6)]) {
      const u = user();
      const logout = u.send('logout');
      const update = u.send('update');
      u.answer(logout, at(5));
      u.answer(update, late);
      expect(u.counts()).toEqual(NOTHING);
      expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
    }
  });
});

describe('audit under --parallel: indeterminate requests', () => {
  it('an update that timed out and then shows up applied is no loss, and it is counted as indeterminate', () => {
    const u = user();
    u.answer(u.send('update'), timedOut());
    u.answer(u.send('read'), at(6));
    u.answer(u.send('update'), at(7));
    expect(u.counts()).toEqual({ ...NOTHING, indeterminate: 1 });
  });

  it('an update that timed out, showed up, then vanished again lost nothing acknowledged', () => {
    const u = user();
    u.answer(u.send('update'), timedOut());
    u.answer(u.send('read'), at(6));
    u.answer(u.send('read'), at(5));
    expect(u.counts()).toEqual({ ...NOTHING, indeterminate: 1 });
  });

  it('a logout that timed out while a read raced it: neither the read nor the next one is a loss', () => {
    const u = user();
    const logout = u.send('logout');
    const read = u.send('read');
    u.answer(logout, timedOut());
    u.answer(read, MISSING);
    u.answer(u.send('read'), MISSING);
    expect(u.counts()).toEqual({ ...NOTHING, indeterminate: 1 });
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
  });

  it('a logout that timed out, then reads that got 200: still undecided, so a later 401 is its doing, not a loss', () => {
    const u = user();
    const logout = u.send('logout');
    const read = u.send('read');
    u.answer(logout, timedOut());
    u.answer(read, at(5));
    u.answer(u.send('read'), at(5));
    // The DELETE may still be pending in a server (a Galera donor commits it late).
    expect(u.ledger.has(0, UserFlag.LogoutUncertain)).toBe(true);
    u.answer(u.send('read'), MISSING);
    expect(u.counts()).toEqual({ ...NOTHING, indeterminate: 1 });
    expect(u.ledger.has(0, UserFlag.LoggedIn)).toBe(false);
  });

  it('a logout answered 503 is settled by a later acknowledged logout or login, not by a 200', () => {
    const u = user();
    u.answer(u.send('logout'), { status: 503 });
    u.answer(u.send('update'), at(6));
    expect(u.ledger.has(0, UserFlag.LogoutUncertain)).toBe(true);
    u.answer(u.send('logout'), at(6));
    expect(u.ledger.has(0, UserFlag.LogoutUncertain)).toBe(false);
    expect(u.counts()).toEqual(NOTHING);
    expect(u.audit.counts).toMatchObject({ acknowledgedUpdates: 1, acknowledgedLogouts: 1 });
  });

  it('a refused connection never reached the app and a 503 is an answer: neither is indeterminate', () => {
    const u = user();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    u.answer(u.send('update'), refused);
    u.answer(u.send('update'), { status: 503 });
    expect(u.counts()).toEqual(NOTHING);
  });
});

describe('audit under --parallel: a read that re-saves the session (express-session, resave: true)', () => {
  it('a read that started before an update and re-saved the old session after it: the loss shows at the next update', () => {
    const u = user();
    const update = u.send('update');
    const read = u.send('read');
    u.answer(update, at(6)); // the store holds 6, acknowledged
    u.answer(read, at(5)); // the read loaded 5 before, and wrote 5 back after: undecidable here
    expect(u.counts().lostUpdates).toBe(0);
    u.answer(u.send('update'), at(6)); // next page view: it read 5
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
  });

  it('the same, found by the next read or by the final sweep', () => {
    for (const sweep of [false, true]) {
      const u = user();
      const update = u.send('update');
      const read = u.send('read');
      u.answer(update, at(6));
      u.answer(read, at(5));
      if (sweep) u.audit.check(0, 'read', at(5), false);
      else u.answer(u.send('read'), at(5));
      expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
    }
  });

  it('a read racing a logout re-saved the destroyed session: resurrected, at a replay or at the sweep', () => {
    for (const sweep of [false, true]) {
      const u = user();
      const logout = u.send('logout');
      const read = u.send('read');
      u.answer(logout, at(5));
      u.answer(read, at(5)); // loaded before the destroy, saved after it
      expect(u.counts()).toEqual(NOTHING);
      const replay: Reply = { status: 200, userId: 0, counter: 5 };
      if (sweep) u.audit.check(0, 'replay', replay, false);
      else u.answer(u.send('replay'), replay);
      expect(u.counts()).toEqual({ ...NOTHING, resurrectedSessions: 1 });
    }
  });

  it('an update racing a logout saved the destroyed session again: resurrected, counted once', () => {
    const u = user();
    const logout = u.send('logout');
    const update = u.send('update');
    u.answer(logout, at(5));
    u.answer(update, at(6)); // loaded before the destroy, saved after it
    const alive: Reply = { status: 200, userId: 0, counter: 6 };
    u.answer(u.send('replay'), alive);
    u.audit.check(0, 'replay', alive, false); // the sweep does not count it again
    expect(u.counts()).toEqual({ ...NOTHING, resurrectedSessions: 1 });
  });

  it('a re-saved stale read found by the logout that follows it', () => {
    const u = user();
    const update = u.send('update');
    const read = u.send('read');
    u.answer(update, at(6));
    u.answer(read, at(5));
    u.answer(u.send('logout'), at(5));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 1 });
  });

  it('a store reverted under a page view of three reads: the loss is counted once, not by each read', () => {
    const u = user();
    u.answer(u.send('update'), at(6));
    const reads = [u.send('read'), u.send('read'), u.send('read')];
    for (const read of reads) u.answer(read, at(3));
    expect(u.counts()).toEqual({ ...NOTHING, lostUpdates: 3 });
  });
});
