import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/config/planSchema.js';
import type { FaultResult, VariantResult } from '../../src/result/result.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';
import { listening } from '../helpers/ports.js';

const missing = await missingServers([
  ['redis-server'],
  ['memcached'],
  ['mariadbd', 'mysqld'],
  ['mariadb-install-db', 'mysqld'],
  ['postgres'],
  ['initdb'],
]);

/** A short fixed-rate load with network faults, on local servers. */
async function runWith(
  backend: string,
  faults: string[],
  extra: Record<string, string> = {},
  adjust?: (plan: Plan) => void,
) {
  const flags = { backends: backend, provider: 'process', users: '200', rate: '100' };
  const run = await runSmoke({ ...flags, duration: '10s', faults, ...extra }, adjust);
  return resultFor(run, backend);
}

/** One line per fault, the figures the README table quotes. */
function show(result: VariantResult): void {
  for (const f of result.faults) {
    console.log(
      `${result.variant} ${f.action}:${f.target} errors=${f.errorsDuringFault} loggedOut=${f.loggedOutUsers}/${f.loggedInUsersAtFault} ` +
        `unavailable=${f.unavailableMs}ms recovery=${f.recoveryMs}ms answers=${JSON.stringify(f.answers)} ` +
        `(whole run: loggedOut=${result.audit.loggedOutUsers} wrongUser=${result.audit.wrongUserSessions})`,
    );
  }
}

/**
 * The store serves again after the fault: in every second of the timeline from `fromMs`
 * to the load's end (the last one left out), no request ended in an error (a 503
 * included) and more than half the offered 100 req/s were served. Unlike recoveryMs (a
 * 1 s window whose p99 is back within 2x the pre-fault p99), this does not hinge on one
 * slow fsync on a busy machine.
 */
function expectServedAgain(result: VariantResult, fromMs: number): void {
  const seconds = result.timeline.filter((s) => s.tMs >= fromMs).slice(0, -1);
  expect(seconds.length, 'seconds after the fault').toBeGreaterThanOrEqual(3);
  for (const s of seconds) {
    expect(s.errors, `errors in the second at ${s.tMs} ms`).toBe(0);
    expect(s.rps - s.loginWallHits, `served in the second at ${s.tMs} ms`).toBeGreaterThan(50);
  }
}

const done = (f: FaultResult | undefined) => {
  expect(f?.status, f?.reason).toBe('done');
  return f!;
};

/** Proxy endpoints of a run, from its `proxy ready` event. */
const proxyPorts = (result: VariantResult) =>
  result.events
    .filter((e) => e.target === 'proxy' && e.event === 'ready')
    .flatMap((e) => (e.detail ?? '').split(','))
    .map((endpoint) => Number(endpoint.split(':')[1]));

describe.skipIf(skipServerTests(missing))(
  'network faults through the proxy (process provider)',
  () => {
    it.each(['redis', 'postgres'])(
      'latency:store 200 ms for 5 s on %s: window p50 >= 200 ms, normal after, nobody logged out',
      async (variant) => {
        // 6 s after the fault ends: recovery (p99 back within 2x) came 0.2-0.5 s after it,
        // and a 10 s run left only 2 s for it on a busy machine.
        const result = await runWith(variant, ['latency:store@2s:5s:200ms'], { duration: '13s' });
        show(result);
        const f = done(result.faults[0]);
        expect(f.recoveryMs).not.toBeNull();
        expect(f.phases!.during!.p50Us).toBeGreaterThanOrEqual(200_000);
        expect(f.phases!.after!.p50Us).toBeLessThan(50_000);
        expect(f.answers!.unavailable503).toBe(0);
        expect(result.audit.loggedOutUsers).toBe(0);
        expect(result.audit.loginWallHits).toBe(0);
        // Nothing of the run's proxy is left listening.
        const ports = proxyPorts(result);
        expect(ports.length).toBe(1);
        for (const port of ports) expect(await listening(port)).toBe(false);
      },
      60_000,
    );

    it.each(['redis:aof-always', 'mysql', 'postgres'])(
      'partition:store longer than the store timeout on %s: 503s, 0 logged out, recovery',
      async (variant) => {
        // The app's store timeout is 2 s: a 4 s partition (2-6 s) outlasts it, and a
        // request sent in its last 2 s waits for the heal. Recovery in the p99 sense (a
        // 1 s window within 2x the baseline) is usually found 0.3 s after the heal, but
        // on a busy machine redis:aof-always's fsyncs kept p99 up for the whole 6 s tail
        // in two CI runs ("none in run", the true figure there): the test asserts that
        // the store serves again from 1 s after the heal, and prints recoveryMs.
        const result = await runWith(variant, ['partition:store@2s:4s'], { duration: '12s' });
        show(result);
        const f = done(result.faults[0]);
        expect(f.answers!.unavailable503).toBeGreaterThan(0);
        expect(f.answers!.loginWall401).toBe(0);
        expect(f.loggedOutUsers).toBe(0);
        expect(result.audit.loggedOutUsers).toBe(0);
        expect(result.audit.wrongUserSessions).toBe(0);
        expectServedAgain(result, 7_000);
      },
      90_000,
    );

    // memjs (failover: false here) keeps sending to node1; its 0.5 s response timeout is a
    // socket *idle* timeout, which never fires while requests keep arriving on the held
    // connection. So node1's requests wait for the app's 2 s store timeout (503), the ones
    // sent in the partition's last 2 s are answered once it heals; other nodes' users are
    // served throughout, and nobody is logged out.
    it('partition:node1 of a 3-node memcached pool: 503 for node1 users only, nobody logged out', async () => {
      const result = await runWith('memcached', ['partition:node1@3s:4s'], { nodes: '3' });
      show(result);
      const f = done(result.faults[0]);
      expect(f.targets).toEqual(['node1']);
      // About a third of the requests go to node1: they fail, the others are served.
      expect(f.answers!.unavailable503).toBeGreaterThan(0);
      expect(f.answers!.ok).toBeGreaterThan(f.answers!.unavailable503);
      expect(f.loggedOutUsers).toBe(0);
      expect(result.audit.wrongUserSessions).toBe(0);
      expect(f.phases!.after!.errors).toBe(0);
    }, 60_000);

    // Each app instance runs its own link to the node (topology.proxyProcess app, the
    // default for our apps): a fault on the store acts on both apps' links at once. With
    // only one app's link down, half the requests would be served.
    it('down:store with two app instances: both apps refused, links in the apps', async () => {
      const result = await runWith(
        'postgres',
        ['down:store@3s:3s'],
        {},
        (plan) => (plan.topology.appInstances = 2),
      );
      show(result);
      const f = done(result.faults[0]);
      const answered = f.answers!.ok + f.answers!.unavailable503;
      expect(f.answers!.unavailable503).toBeGreaterThan(0.9 * answered);
      const placed = result.events.filter((e) => e.target === 'proxy' && e.event === 'placed');
      expect(placed.map((e) => e.detail)).toEqual(["in each app's process"]);
      // Two apps, a link each, on ports of their own; none left listening.
      const ports = proxyPorts(result);
      expect(new Set(ports).size).toBe(2);
      for (const port of ports) expect(await listening(port)).toBe(false);
    }, 60_000);

    // The links live in the app: a restarted app starts them again, with the toxic in
    // force (or is sent it once ready when it changed while the app started).
    it('latency:store across a restart of the app: the new app process is slowed too', async () => {
      const result = await runWith('redis', ['restart:app@3s', 'latency:store@3100ms:4s:200ms'], {
        duration: '11s',
      });
      show(result);
      expect(result.faults.map((f) => f.status)).toEqual(['done', 'done']);
      const latency = result.faults.find((f) => f.action === 'latency')!;
      expect(latency.phases!.during!.p50Us).toBeGreaterThanOrEqual(200_000);
      // Every second between the app's return and the fault's end was slow.
      const slow = result.timeline.filter((s) => s.tMs >= 4_000 && s.tMs < 7_000);
      for (const s of slow) expect(s.p99Us, `p99 at ${s.tMs} ms`).toBeGreaterThanOrEqual(200_000);
      expect(latency.phases!.after!.p50Us).toBeLessThan(50_000);
    }, 60_000);

    // A paused app cannot answer its links' commands: the latency that starts during a
    // 6 s pause is kept and sent on SIGCONT (a command waiting for a stopped process
    // would time out after 5 s and fail the fault).
    it('latency:store starting while the app is paused: applied when it resumes', async () => {
      const result = await runWith('redis', ['pause:app@2s:6s', 'latency:store@3s:7s:200ms'], {
        duration: '14s',
      });
      show(result);
      expect(result.faults.map((f) => [f.action, f.status])).toEqual([
        ['pause', 'done'],
        ['latency', 'done'],
      ]);
      const latency = result.faults.find((f) => f.action === 'latency')!;
      expect(latency.phases!.during!.p50Us).toBeGreaterThanOrEqual(200_000);
      expect(latency.phases!.after!.p50Us).toBeLessThan(50_000);
    }, 60_000);

    // The proxy in a process of its own (what the user's app gets) works the same way.
    it('latency:store with proxyProcess separate: slowed, the proxy process gone after', async () => {
      const result = await runWith(
        'redis',
        ['latency:store@2s:4s:200ms'],
        { duration: '9s' },
        (plan) => (plan.topology.proxyProcess = 'separate'),
      );
      show(result);
      const f = done(result.faults[0]);
      expect(f.phases!.during!.p50Us).toBeGreaterThanOrEqual(200_000);
      const placed = result.events.filter((e) => e.target === 'proxy' && e.event === 'placed');
      expect(placed.map((e) => e.detail)).toEqual(['in a process of its own']);
      for (const port of proxyPorts(result)) expect(await listening(port)).toBe(false);
    }, 60_000);

    it.each(['redis', 'memcached', 'mysql', 'postgres'])(
      'reset and down on %s: the client reconnects, figures as measured',
      async (variant) => {
        // 5 s after the down: room for the seconds it must serve again in.
        const result = await runWith(variant, ['reset:store@2s', 'down:store@5s:2s'], {
          duration: '12s',
        });
        show(result);
        const [reset, down] = [done(result.faults[0]), done(result.faults[1])];
        // Served in the second after the reset: the client reconnected at once. (Its
        // recoveryMs, p99 back within 2x of a 2 s baseline, is load-sensitive: not pinned.)
        expect(reset.answers!.ok).toBeGreaterThan(50);
        // Down refuses: the app answers 503 (not 401) during it, and serves again after.
        expect(down.answers!.unavailable503).toBeGreaterThan(0);
        expect(down.answers!.loginWall401).toBe(0);
        // Served again from 1 s after the down (5-7 s) ends; its recoveryMs is printed.
        expectServedAgain(result, 8_000);
        expect(result.audit.loggedOutUsers).toBe(0);
        expect(result.audit.wrongUserSessions).toBe(0);
      },
      90_000,
    );
  },
);
