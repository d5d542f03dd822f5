import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import createStore, { redisBackend } from '../../src/backends/redis.js';
import { hostPort } from '../../src/backends/backend.js';
import { info, withRedis } from '../../src/backends/redisAdmin.js';
import type { Session } from '../../src/backends/sessionStore.js';
import type { VariantResult } from '../../src/result/result.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { processProvider } from '../../src/providers/process.js';
import { isGone, memberPids, missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';
import { listening } from '../helpers/ports.js';
import { proxiedPeerLinks } from '../helpers/peerLinks.js';

const missing = await missingServers([['redis-server']]);

/** Every member's process is gone, and nothing listens on a peer link any more. */
async function expectNothingLeft(result: VariantResult): Promise<void> {
  const pids = result.events
    .filter((e) => /^(node|sentinel)\d+$/.test(e.target) && e.event === 'start')
    .map((e) => Number(/pid (\d+)/.exec(e.detail ?? '')?.[1]));
  expect(pids.length, `${result.variant}: member starts`).toBe(6);
  for (const pid of pids) expect(isGone(pid), `${result.variant}: pid ${pid}`).toBe(true);
  const peers = result.events.find((e) => e.event === 'peer links' && /^node/.test(e.target));
  const ports = [...(peers?.detail ?? '').matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  expect(ports, `${result.variant}: peer link ports`).toHaveLength(3);
  for (const port of ports)
    expect(await listening(port), `peer link ${port} still open`).toBe(false);
}

const session = (i: number): Session => ({
  id: randomBytes(16).toString('hex'),
  userId: i,
  counter: 1,
  payload: 'x'.repeat(100),
});

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/**
 * The split brain itself, on real servers: the topology forms through peer links, the
 * old primary's link is cut (the store still reaches it directly, through natMap), the
 * sentinels promote another node, and the old primary keeps acknowledging writes until
 * the heal demotes it. Writes acknowledged on it are lost, counted two ways that must
 * agree: through the store (the audit's sweep path) and by GET on the new primary.
 */
describe.skipIf(skipServerTests(missing))('split brain on redis:sentinel (peer links)', () => {
  it('partition of the primary: another node promoted, old primary acks, its writes lost at the heal', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-split-'));
    const controller = new AbortController();
    const spec = redisBackend.serverSpec!('redis:sentinel', { nodes: 1 });
    const peer = proxiedPeerLinks();
    const started = await processProvider.start(spec, {
      runId: newRunId(),
      workDir,
      events: new EventLog(),
      signal: controller.signal,
      peerLinks: peer.hook,
    });
    const pids: number[] = [];
    try {
      expect(started.peers, 'formed through peer links').toHaveLength(3);
      const member = (n: { name: string; endpoint: string }) => ({
        name: n.name,
        endpoint: n.endpoint,
      });
      const topology = await spec.topology!.open(
        {
          nodes: started.nodes.map(member),
          companions: started.companions!.map(member),
          peers: started.peers!,
        },
        controller.signal,
      );
      expect(topology.storeSettings.natMap).toBeDefined();
      const nodeAt = (name: string | undefined) => started.nodes.find((n) => n.name === name)!;
      const before = await topology.resolveRole('primary');
      const oldPrimary = nodeAt(before);
      // The primary's INFO names its replicas by their peer links, not their own ports.
      const peerPorts = started.peers!.map((p) => p.endpoint.split(':')[1]);
      const replication = await withRedis(oldPrimary.endpoint, (c) => info(c, 'replication'));
      expect(replication.connected_slaves).toBe('2');
      expect(peerPorts).toContain(/port=(\d+)/.exec(replication.slave0 ?? '')?.[1]);

      const store = await createStore({
        variant: 'redis:sentinel',
        ttlMs: 600_000,
        secret: 's',
        endpoints: started.nodes.map((n) => n.endpoint),
        settings: topology.storeSettings,
      });
      const acknowledged: Session[] = [];
      let writing = true;
      let n = 0;
      const writer = (async () => {
        while (writing) {
          const s = session(n++);
          await store.set(s).then(
            () => acknowledged.push(s),
            () => undefined,
          );
          await sleep(5);
        }
      })();
      await sleep(500);
      const link = peer.proxy!.links.get(oldPrimary.name)!;
      const cutAt = acknowledged.length;
      await link.set({ kind: 'partition' });
      // During the split the old primary still acknowledges writes, and holds them.
      await sleep(1_000);
      const direct = await withRedis(oldPrimary.endpoint, async (c) => {
        const role = (await c.call('ROLE')) as unknown[];
        const s = session(-1);
        const ok = await c.set(`sess:${s.id}`, 'split');
        return { role: String(role[0]), ok, id: s.id };
      });
      expect(direct.role).toBe('master');
      expect(direct.ok).toBe('OK');
      expect(
        acknowledged.length - cutAt,
        'acknowledged by the old primary in the split',
      ).toBeGreaterThan(0);
      await until('another node promoted', 15_000, async () => {
        const now = await topology.resolveRole('primary');
        return now !== undefined && now !== before;
      });
      const after = await topology.resolveRole('primary');
      // A client still on the old primary at the heal (as one without ioredis's
      // failoverDetector stays): it writes on until the demotion.
      const stayer = new Redis({ ...hostPort(oldPrimary.endpoint), retryStrategy: () => null });
      stayer.on('error', () => undefined);
      let stayerClosed = false;
      stayer.on('close', () => (stayerClosed = true));
      const stayerErrors = new Set<string>();
      let stayerAcks = 0;
      const staying = (async () => {
        for (let i = 0; !stayerClosed; i++) {
          await stayer.set(`stayer:${i}`, 'x').then(
            () => stayerAcks++,
            (e: Error) => stayerErrors.add(e.message.split(' ')[0]!),
          );
          await sleep(20);
        }
      })();
      await sleep(500);
      await link.clear();
      // The heal: the sentinels turn the old primary into a replica of the new one.
      await until('old primary demoted and in sync', 20_000, async () => {
        const fields = await withRedis(oldPrimary.endpoint, (c) => info(c, 'replication'));
        return fields.role === 'slave' && fields.master_link_status === 'up';
      });
      await staying;
      // The sentinel's MULTI/REPLICAOF/CONFIG REWRITE/CLIENT KILL TYPE normal/EXEC:
      // the client is disconnected at the demotion and never sees READONLY.
      expect(stayerClosed).toBe(true);
      expect(stayerAcks).toBeGreaterThan(0);
      expect([...stayerErrors].filter((e) => /READONLY/.test(e))).toEqual([]);
      stayer.disconnect();
      writing = false;
      await writer;
      // After the failover the sentinels still know every node by its peer link only:
      // the REPLICAOF they sent at the failover and at the heal named links too.
      for (const sentinel of started.companions!) {
        await withRedis(sentinel.endpoint, async (c) => {
          const master = (await c.call(
            'SENTINEL',
            'get-master-addr-by-name',
            'sessions',
          )) as string[];
          expect(peerPorts).toContain(master[1]);
          const replicas = (await c.call('SENTINEL', 'replicas', 'sessions')) as string[][];
          for (const fields of replicas) {
            expect(peerPorts).toContain(fields[fields.indexOf('port') + 1]);
          }
        });
      }
      const demoted = await withRedis(oldPrimary.endpoint, (c) => info(c, 'replication'));
      expect(peerPorts).toContain(demoted.master_port);
      const newPrimary = nodeAt(after);
      let lostViaStore = 0;
      let lostDirect = 0;
      let lostBeforeCut = 0;
      await withRedis(newPrimary.endpoint, async (c) => {
        for (const [index, s] of acknowledged.entries()) {
          const viaStore = (await store.get(s.id)) === null;
          const gone = (await c.get(`sess:${s.id}`)) === null;
          if (viaStore) lostViaStore++;
          if (gone) lostDirect++;
          if (gone && index < cutAt) lostBeforeCut++;
        }
        // The write the test made on the old primary during the split is gone too.
        expect(await c.get(`sess:${direct.id}`)).toBeNull();
      });
      const onOld = await withRedis(oldPrimary.endpoint, (c) => c.get(`sess:${direct.id}`));
      expect(onOld, 'discarded on the old primary by its resync').toBeNull();
      process.stderr.write(
        `split brain: ${acknowledged.length} acknowledged, ${acknowledged.length - cutAt} from the cut on, ` +
          `${lostDirect} lost on ${after} (was ${before}); via store ${lostViaStore}\n`,
      );
      expect(lostDirect).toBeGreaterThan(0);
      // Only writes of the split are lost (one in flight at the cut may be: async replication).
      expect(lostBeforeCut).toBeLessThanOrEqual(1);
      expect(lostViaStore).toBe(lostDirect);
      await store.close();
      await topology.close();
    } finally {
      pids.push(...memberPids(started));
      if (peer.proxy?.pid) pids.push(peer.proxy.pid);
      await started.stop();
      await peer.proxy?.stop();
      await rm(workDir, { recursive: true, force: true });
    }
    expect(pids.length, 'nodes, sentinels, proxy').toBe(7);
    for (const pid of pids) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }, 90_000);

  it('run --fault partition:primary: redis:sentinel loses acknowledged writes, redis:sentinel-wait refuses them', async () => {
    const run = await runSmoke({
      users: '300',
      rate: '150',
      duration: '12s',
      provider: 'process',
      backends: 'redis:sentinel,redis:sentinel-wait',
      scenarioFaults: 'none',
      // Longer than down-after (2 s) + the election: the sentinels fail over in the split.
      faults: ['partition:primary@2s:7s'],
    });
    const figures: Record<string, unknown> = {};
    for (const variant of ['redis:sentinel', 'redis:sentinel-wait']) {
      const result = resultFor(run, variant);
      const fault = result.faults[0]!;
      expect(fault.status, `${variant}: ${fault.reason}`).toBe('done');
      expect(result.events.some((e) => e.event === 'peer links')).toBe(true);
      const failover = fault.failover!;
      expect(failover.promoted, `${variant}: ${JSON.stringify(failover)}`).toBe(true);
      expect(fault.targets).toEqual([failover.primaryBefore]);
      // The timeline shows the old primary still acting as one, then demoted.
      const roles = result.events.filter(
        (e) => e.target === failover.primaryBefore && e.event === 'role',
      );
      expect(roles.map((e) => e.detail).join('; '), variant).toMatch(/deposed primary/);
      expect(result.audit.wrongUserSessions).toBe(0);
      await expectNothingLeft(result);
      figures[variant] = {
        failoverMs: failover.failoverMs,
        lostUpdates: fault.lostUpdates,
        loggedOut: fault.loggedOutUsers,
        laterLoggedIn: fault.loggedOutOutsidePopulation,
        resurrected: result.audit.resurrectedSessions,
        answers: fault.answers,
      };
    }
    process.stderr.write(`partition:primary figures: ${JSON.stringify(figures)}\n`);
    const plain = resultFor(run, 'redis:sentinel').faults[0]!;
    const wait = resultFor(run, 'redis:sentinel-wait').faults[0]!;
    // The app went on through the old primary (natMap: not through the cut link): it
    // answered ok during the split, and those acknowledged writes were lost.
    expect(plain.answers!.ok).toBeGreaterThan(0);
    expect(
      plain.lostUpdates + plain.loggedOutUsers + (plain.loggedOutOutsidePopulation ?? 0),
    ).toBeGreaterThan(0);
    // WAIT 1 fails every write a replica does not confirm: 503s, nothing acknowledged lost.
    expect(wait.answers!.unavailable503).toBeGreaterThan(0);
    expect(wait.lostUpdates).toBeLessThan(plain.lostUpdates);
    expect(wait.loggedOutUsers).toBe(0);
    // The docs' expectation for a split brain, compared with what was seen.
    expect(plain.expectation).toMatchObject({ loss: 'recent', matches: true });
    // WAIT does not make Redis strongly consistent (its docs): a loss is possible, and a
    // run on the loaded development machine saw some (WAIT 1 confirms one replica of two;
    // the sentinels may promote the other). The verdict must then say so: "matches"
    // only when nothing was lost.
    const waitLost =
      wait.lostUpdates + wait.loggedOutUsers + (wait.loggedOutOutsidePopulation ?? 0);
    const shared = (wait.ambiguousLostUpdates ?? 0) + (wait.ambiguousLoggedOutUsers ?? 0);
    expect(wait.expectation?.loss).toBe('none');
    expect(wait.expectation?.matches, JSON.stringify(wait)).toBe(
      waitLost > 0 ? false : shared > 0 ? null : true,
    );
  }, 150_000);
});
