import { describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';
import type { AppClient, Reply } from '../../src/load/appClient.js';
import { FixedRateDriver } from '../../src/load/fixedRateDriver.js';
import { Ledger, UserFlag } from '../../src/load/ledger.js';
import { Measurements } from '../../src/load/measurements.js';
import { Workload, type Action } from '../../src/load/workload.js';

const MIX = { read: 0.5, update: 0.4, logout: 0.1, replay: 0.3 };

/**
 * An app in memory with the builtin app's answers (reads never write), each answer
 * after a random delay, that records what every user had in flight when a request
 * arrived. The load driver is the real one.
 */
class RecordingApp {
  private readonly sessions = new Map<string, { user: number; counter: number }>();
  private readonly inFlight = new Map<number, Action[]>();
  private next = 1;
  maxPerUser = 0;
  maxUpdatesPerUser = 0;
  readonly intendedOfBatch: number[] = [];
  sent = 0;

  readonly client = {
    send: (action: Action, user: number, token: string | undefined, onSent?: () => void) => {
      onSent?.();
      this.sent++;
      const mine = [...(this.inFlight.get(user) ?? []), action];
      this.inFlight.set(user, mine);
      this.maxPerUser = Math.max(this.maxPerUser, mine.length);
      this.maxUpdatesPerUser = Math.max(
        this.maxUpdatesPerUser,
        mine.filter((a) => a === 'update').length,
      );
      return new Promise<Reply>((resolve) =>
        setTimeout(
          () => {
            const left = this.inFlight.get(user)!;
            left.splice(left.indexOf(action), 1);
            resolve(this.answer(action, user, token));
          },
          1 + Math.random() * 15,
        ),
      );
    },
  } as unknown as AppClient;

  answer(action: Action, user: number, token: string | undefined): Reply {
    if (action === 'login') {
      const id = (this.next++).toString(16).padStart(32, '0');
      this.sessions.set(id, { user, counter: 0 });
      return { status: 200, userId: user, counter: 0, token: id };
    }
    const session = token === undefined ? undefined : this.sessions.get(token);
    if (!session) return { status: 401 };
    if (action === 'update') session.counter++;
    if (action === 'logout') this.sessions.delete(token!);
    return { status: 200, userId: session.user, counter: session.counter };
  }
}

async function drive(parallel: number, rateRps: number, users: number) {
  const plan = await loadPlan({
    scenario: 'smoke',
    rate: String(rateRps),
    duration: '1s',
    users: String(users),
    parallel: String(parallel),
  });
  const load = { ...plan.load, mix: MIX };
  const ledger = new Ledger(users);
  const measurements = new Measurements();
  const audit = new Audit(ledger, () => measurements.now());
  const app = new RecordingApp();
  for (let u = 0; u < users; u++) {
    audit.check(u, 'login', app.answer('login', u, undefined), false);
  }
  measurements.startLoad();
  const driver = new FixedRateDriver({
    load,
    client: app.client,
    ledger,
    audit,
    measurements,
    signal: new AbortController().signal,
    workload: new Workload(ledger, load.mix, load.seed),
  });
  await driver.run();
  return { app, audit, ledger, measurements };
}

describe('--parallel: the fixed-rate driver sends page views', () => {
  it('sends up to N requests of a user at once, never two updates, and as many requests as the rate', async () => {
    const { app, audit, ledger, measurements } = await drive(4, 400, 20);
    expect(app.maxPerUser).toBe(4);
    expect(app.maxUpdatesPerUser).toBe(1);
    expect(measurements.requests.total).toBe(400);
    expect(app.sent).toBe(400);
    // A page view's requests share their intended time: at most ~400/4 distinct times
    // (plus single logins and replays).
    const times = new Set(Array.from(measurements.log.intendedMs.subarray(0, 400)));
    expect(times.size).toBeLessThan(200);
    expect(audit.counts).toMatchObject({
      lostUpdates: 0,
      resurrectedSessions: 0,
      loggedOutUsers: 0,
      loginWallHits: 0,
      indeterminate: 0,
    });
    // Every page view ended: nobody is left busy.
    for (let u = 0; u < 20; u++) expect(ledger.has(u, UserFlag.Busy)).toBe(false);
  });

  it('with --parallel 1 keeps one request per user in flight, as before', async () => {
    const { app, measurements } = await drive(1, 300, 20);
    expect(app.maxPerUser).toBe(1);
    expect(measurements.requests.total).toBe(300);
  });

  it('a page view is the chosen request plus reads; login and replay go alone', () => {
    const ledger = new Ledger(1);
    const workload = new Workload(ledger, { read: 0, update: 1, logout: 0, replay: 0 }, 1);
    expect(workload.nextPageView(3)!.map((s) => s.action)).toEqual(['login']);
    workload.done(0);
    ledger.set(0, UserFlag.LoggedIn);
    const view = workload.nextPageView(3)!;
    expect(view.map((s) => s.action)).toEqual(['update', 'read', 'read']);
    expect(workload.nextPageView(3)).toBeNull();
    workload.done(0);
    workload.done(0);
    expect(ledger.has(0, UserFlag.Busy)).toBe(true);
    workload.done(0);
    expect(ledger.has(0, UserFlag.Busy)).toBe(false);
    ledger.clear(0, UserFlag.LoggedIn);
    expect(workload.nextPageView(3)!.map((s) => s.action)).toEqual(['login']);
  });
});

describe('--parallel: the scenario field', () => {
  it('defaults to 1 and takes 1..16', async () => {
    expect((await loadPlan({ scenario: 'smoke' })).load.parallel).toBe(1);
    expect((await loadPlan({ scenario: 'smoke', parallel: '16' })).load.parallel).toBe(16);
  });

  it('a bad value is a usage error naming the field, the flag, the value and the range', async () => {
    for (const value of ['17', '0', 'x', '2.5']) {
      const error = await loadPlan({ scenario: 'smoke', parallel: value }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain('load.parallel (--parallel)');
      expect((error as Error).message).toContain('a whole number from 1 to 16');
      expect((error as Error).message).toContain(`got "${value}"`);
    }
  });
});
