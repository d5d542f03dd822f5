import { describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { RequestNotSent, RequestTimeout } from '../../src/load/appClient.js';
import { Ledger, UserFlag } from '../../src/load/ledger.js';
import { Outcome } from '../../src/load/requestLog.js';

const ID_A = 'a'.repeat(32);
const ID_B = 'b'.repeat(32);

function loggedIn(ledger: Ledger, audit: Audit, user: number, token = ID_A) {
  expect(audit.check(user, 'login', { status: 200, userId: user, counter: 0, token })).toBe(
    Outcome.Ok,
  );
}

describe('Audit', () => {
  it('counts a vanished session once per user, and each login wall', () => {
    const ledger = new Ledger(2);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    expect(audit.check(0, 'read', { status: 401 })).toBe(Outcome.LoginWall);
    loggedIn(ledger, audit, 0, ID_B);
    expect(audit.check(0, 'update', { status: 401 })).toBe(Outcome.LoginWall);
    expect(audit.counts.loginWallHits).toBe(2);
    expect(audit.counts.loggedOutUsers).toBe(1);
  });

  it('a sweep read of a vanished session logs the user out without a login wall', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    audit.check(0, 'read', { status: 401 }, false);
    expect(audit.counts).toMatchObject({ loggedOutUsers: 1, loginWallHits: 0 });
  });

  it('counts lost acknowledged increments when a counter goes back', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    for (let c = 1; c <= 5; c++) audit.check(0, 'update', { status: 200, userId: 0, counter: c });
    audit.check(0, 'read', { status: 200, userId: 0, counter: 2 });
    expect(audit.counts.lostUpdates).toBe(3);
    // An update that read 2 and wrote 3 loses nothing more: the ledger moved to what the store has.
    audit.check(0, 'update', { status: 200, userId: 0, counter: 3 });
    expect(audit.counts.lostUpdates).toBe(3);
  });

  it('counts each read of the load older than acknowledged as a stale read, and at its fault', () => {
    const ledger = new Ledger(2);
    let nowMs = 0;
    const audit = new Audit(ledger, () => nowMs);
    loggedIn(ledger, audit, 0);
    loggedIn(ledger, audit, 1);
    const send = (user: number, action: 'read' | 'update', counter: number) =>
      audit.check(
        user,
        action,
        { status: 200, userId: user, counter },
        true,
        audit.sent(user, action),
      );
    for (let c = 1; c <= 4; c++) send(0, 'update', c);
    const fault = audit.faultStarted(10);
    nowMs = 20;
    // A read older than the 4 acknowledged before it left: stale, and 2 increments lost.
    send(0, 'read', 2);
    // Reads that show what is acknowledged are not stale; nor is an update.
    send(0, 'read', 2);
    send(0, 'update', 3);
    send(1, 'read', 0);
    expect(audit.counts).toMatchObject({ staleReads: 1, lostUpdates: 2 });
    expect(audit.lossesAtFault(fault)).toMatchObject({ staleReads: 1, lostUpdates: 2 });
    // The final sweep's reads are the store's last state, not reads of the load: lost, not stale.
    send(1, 'update', 1);
    audit.check(1, 'read', { status: 200, userId: 1, counter: 0 }, false);
    expect(audit.counts).toMatchObject({ staleReads: 1, lostUpdates: 3 });
  });

  it('counts the acknowledged updates and logouts: the populations of lost updates and resurrections', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    for (let c = 1; c <= 3; c++) audit.check(0, 'update', { status: 200, userId: 0, counter: c });
    audit.check(0, 'update', { status: 503 }); // not acknowledged
    audit.check(0, 'read', { status: 200, userId: 0, counter: 3 });
    audit.check(0, 'logout', { status: 200, userId: 0, counter: 3 });
    expect(audit.counts).toMatchObject({ acknowledgedUpdates: 3, acknowledgedLogouts: 1 });
  });

  it('an update answered from an older value counts what it read', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    for (let c = 1; c <= 4; c++) audit.check(0, 'update', { status: 200, userId: 0, counter: c });
    audit.check(0, 'update', { status: 200, userId: 0, counter: 2 }); // read 1, acknowledged was 4
    expect(audit.counts.lostUpdates).toBe(3);
  });

  it('a replayed logged-out session that is accepted counts as resurrected, once per session', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    audit.check(0, 'logout', { status: 200, userId: 0, counter: 0, token: '' });
    expect(ledger.revokedToken.get(0)).toBe(ID_A);
    expect(audit.check(0, 'replay', { status: 200, userId: 0, counter: 0 })).toBe(Outcome.Ok);
    audit.check(0, 'replay', { status: 200, userId: 0, counter: 0 });
    expect(audit.counts.resurrectedSessions).toBe(1);
    expect(audit.counts.loggedOutUsers).toBe(0);
  });

  it('a refused replay is the right answer', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    audit.check(0, 'logout', { status: 200, userId: 0, counter: 0, token: '' });
    expect(audit.check(0, 'replay', { status: 401 })).toBe(Outcome.Ok);
    expect(audit.counts.resurrectedSessions).toBe(0);
  });

  it('another user in the answer counts as a wrong-user session and changes nothing', () => {
    const ledger = new Ledger(2);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    audit.check(0, 'read', { status: 200, userId: 1, counter: 7 });
    expect(audit.counts.wrongUserSessions).toBe(1);
    expect(ledger.counter[0]).toBe(0);
  });

  it('store failures are errors, never login walls', () => {
    const ledger = new Ledger(1);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    expect(audit.check(0, 'read', { status: 503 })).toBe(Outcome.Error);
    expect(audit.check(0, 'read', new RequestTimeout('slow'))).toBe(Outcome.Timeout);
    expect(audit.check(0, 'read', new RequestNotSent('queued'))).toBe(Outcome.NotSent);
    expect(audit.counts.loginWallHits).toBe(0);
    expect(ledger.has(0, UserFlag.LoggedIn)).toBe(true);
  });

  it('a logout that got no answer makes a later 401 no loss; a refused connection does not', () => {
    const ledger = new Ledger(2);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    loggedIn(ledger, audit, 1, ID_B);
    audit.check(0, 'logout', Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    audit.check(1, 'logout', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect(ledger.loggedInCount()).toBe(1);
    audit.check(0, 'read', { status: 401 });
    audit.check(1, 'read', { status: 401 });
    expect(audit.counts.loggedOutUsers).toBe(1);
  });

  it('a request never sent cannot have taken effect: not indeterminate, its logout not pending', () => {
    const ledger = new Ledger(2);
    const audit = new Audit(ledger);
    loggedIn(ledger, audit, 0);
    loggedIn(ledger, audit, 1, ID_B);
    expect(audit.check(0, 'logout', new RequestNotSent('queued'))).toBe(Outcome.NotSent);
    expect(audit.check(1, 'logout', new RequestTimeout('slow'))).toBe(Outcome.Timeout);
    expect(audit.counts.indeterminate).toBe(1);
    expect(ledger.has(0, UserFlag.LogoutUncertain)).toBe(false);
    expect(ledger.has(1, UserFlag.LogoutUncertain)).toBe(true);
    // User 0 never logged out, so its 401 is a loss; user 1's logout may have applied.
    audit.check(0, 'read', { status: 401 });
    audit.check(1, 'read', { status: 401 });
    expect(audit.counts.loggedOutUsers).toBe(1);
  });
});
