import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import createStore, { mysqlBackend } from '../../src/backends/mysql.js';
import { rows, withMysql } from '../../src/backends/mysqlAdmin.js';
import type { MysqlOrchestrator } from '../../src/backends/mysqlOrchestrator.js';
import type { ServerSpecOptions } from '../../src/backends/backend.js';
import type { FrontLink, Member } from '../../src/backends/serverSpec.js';
import { CleanupStack } from '../../src/lifecycle/cleanupStack.js';
import { placeFront } from '../../src/runner/placeProxy.js';
import type { Session } from '../../src/backends/sessionStore.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { processProvider } from '../../src/providers/process.js';
import type { Started } from '../../src/providers/provider.js';
import { isGone, memberPids, missingServers, skipServerTests } from '../helpers/processServers.js';
import { listening } from '../helpers/ports.js';
import { proxiedPeerLinks } from '../helpers/peerLinks.js';

const missing = await missingServers([['mariadbd', 'mysqld']]);

/** The orchestrator's default detection window; the margin: promotion, a loaded machine. */
const DETECTION_MS = 2_000;
const MARGIN_MS = 3_000;

interface Running {
  started: Started;
  topology: MysqlOrchestrator;
  front: FrontLink;
  events: EventLog;
  settings: Record<string, string>;
  node(name: string): Started['nodes'][number];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts the variant's two nodes through peer links (a fault proxy), forms and opens it. */
async function startTopology(variant: string, failover: ServerSpecOptions['failover'] = {}) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-mysqlrepl-'));
  const controller = new AbortController();
  const spec = mysqlBackend.serverSpec!(variant, { nodes: 1, failover });
  const peer = proxiedPeerLinks();
  const started = await processProvider.start(spec, {
    runId: newRunId(),
    workDir,
    events: new EventLog(),
    signal: controller.signal,
    peerLinks: peer.hook,
  });
  const pids = memberPids(started);
  const ports = started.nodes.map((n) => Number(n.endpoint.split(':')[1]));
  cleanups.push(async () => {
    await started.stop();
    await peer.proxy?.stop();
    await rm(workDir, { recursive: true, force: true });
    for (const pid of [...pids, ...memberPids(started)])
      expect(isGone(pid), `pid ${pid}`).toBe(true);
    for (const port of ports) expect(await listening(port), `port ${port}`).toBe(false);
  });
  const member = (n: Member) => ({ name: n.name, endpoint: n.endpoint });
  // The runner's own front link: the app's one address, moved by the orchestrator.
  const events = new EventLog();
  const frontCleanup = new CleanupStack();
  cleanups.push(async () => void (await frontCleanup.dispose()));
  const { front } = await placeFront(member(started.nodes[0]!), { cleanup: frontCleanup, events });
  const topology = (await spec.topology!.open(
    { nodes: started.nodes.map(member), companions: [], peers: started.peers!, front },
    controller.signal,
  )) as MysqlOrchestrator;
  cleanups.push(() => topology.close());
  const running: Running = {
    started,
    topology,
    front,
    events,
    settings: spec.settings,
    node: (name) => started.nodes.find((n) => n.name === name)!,
  };
  return running;
}

const session = (i: number): Session => ({
  id: randomBytes(16).toString('hex'),
  userId: i,
  counter: 1,
  payload: 'x'.repeat(200),
});

/** Kills the primary and keeps it down until the orchestrator promoted another node; ms to that. */
async function killPrimaryUntilPromoted(t: Running): Promise<number> {
  const before = (await t.topology.resolveRole('primary'))!;
  let promotedAfterMs = -1;
  await t.node(before).kill(async () => {
    const downAt = performance.now();
    for (let i = 0; i < 200; i++) {
      if ((await t.topology.resolveRole('primary')) !== before) break;
      await sleep(50);
    }
    promotedAfterMs = performance.now() - downAt;
  });
  return promotedAfterMs;
}

/** Writes `count` sessions at once through the app's store (front link); those it acknowledged. */
async function burst(
  t: Running,
  count: number,
  during?: (acked: number) => void,
): Promise<Session[]> {
  const store = await frontStore(t);
  const acknowledged: Session[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) => session(i)).map(async (s) => {
      try {
        await store.set(s);
        acknowledged.push(s);
        during?.(acknowledged.length);
      } catch {
        // Not acknowledged: not counted.
      }
    }),
  );
  await store.close().catch(() => undefined);
  return acknowledged;
}

/** Acknowledged sessions the node does not hold, read on it directly. */
async function missingOn(t: Running, name: string, sessions: Session[]): Promise<number> {
  const held = await withMysql(
    t.node(name).endpoint,
    { user: 'root', password: t.settings.password!, database: 'session_bench' },
    (c) => rows(c, 'SELECT id FROM sessions'),
  );
  const ids = new Set(held.map((r) => String(r.id)));
  return sessions.filter((s) => !ids.has(s.id)).length;
}

/** Waits up to 5 s for the roles (the orchestrator rejoins in the background). */
async function waitForRoles(t: Running, roles: Record<string, string>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const now = await t.topology.roleMap();
    if (JSON.stringify(Object.entries(now).sort()) === JSON.stringify(Object.entries(roles).sort()))
      return;
    await sleep(100);
  }
  expect(await t.topology.roleMap()).toEqual(roles);
}

/** The app's store, through the front link. */
function frontStore(t: Running) {
  return createStore({
    variant: 'mysql',
    ttlMs: 600_000,
    secret: 's',
    endpoints: [t.front.endpoint],
    settings: t.settings,
  });
}

/** Acknowledged sessions the app's store (through the front link) no longer finds. */
async function missingViaStore(t: Running, sessions: Session[]): Promise<number> {
  const store = await frontStore(t);
  let missing = 0;
  for (const s of sessions) if ((await store.get(s.id)) === null) missing++;
  await store.close();
  return missing;
}

describe.skipIf(skipServerTests(missing))('MariaDB replication on local processes', () => {
  it('mysql:replica: replicates, the replica refuses the app, kill:primary promotes it within the window', async () => {
    const t = await startTopology('mysql:replica');
    expect(await t.topology.roleMap()).toEqual({ node0: 'primary', node1: 'replica' });
    const written = await burst(t, 50);
    expect(written).toHaveLength(50);
    await sleep(300);
    expect(await missingOn(t, 'node1', written)).toBe(0);
    // read_only holds for the app's user on the replica.
    await expect(
      withMysql(
        t.node('node1').endpoint,
        { user: 'app', password: t.settings.password!, database: 'session_bench' },
        (c) => rows(c, "INSERT INTO sessions VALUES ('x', '{}', 0)"),
      ),
    ).rejects.toThrow(/read-only|read_only/);
    const promotedMs = await killPrimaryUntilPromoted(t);
    process.stderr.write(`mysql:replica: promoted ${Math.round(promotedMs)} ms after the kill\n`);
    expect(promotedMs).toBeGreaterThanOrEqual(DETECTION_MS - 600);
    expect(promotedMs).toBeLessThan(DETECTION_MS + MARGIN_MS);
    expect(t.front.target).toBe('node1');
    expect(t.events.events.filter((e) => e.event === 'pointed at').map((e) => e.detail)).toEqual([
      expect.stringMatching(/^node0 /),
      expect.stringMatching(/^node1 \(\d+ connections reset\)/),
    ]);
    expect(await t.topology.resolveRole('primary')).toBe('node1');
    const probe = new AbortController();
    expect(await t.topology.firstAcknowledgedWrite('node0', probe.signal)).toBe('node1');
    expect(await missingOn(t, 'node1', written)).toBe(0);
    // node0 started again with nothing node1 lacked (no write since the burst): it
    // rejoins as node1's replica and gets what the app writes there.
    expect(t.topology.errant.get('node0')).toBeUndefined();
    await waitForRoles(t, { node0: 'replica', node1: 'primary' });
    const later = await burst(t, 10);
    await sleep(300);
    expect(await missingOn(t, 'node0', later)).toBe(0);
  }, 90_000);

  it('mysql:semisync: a primary killed in a write burst loses no acknowledged commit while the replica acknowledges', async () => {
    const t = await startTopology('mysql:semisync');
    expect(await t.topology.semiSyncStatus('node0')).toBe('ON');
    let killed: Promise<number> | undefined;
    const acknowledged = await burst(t, 1_500, (acked) => {
      killed ??= acked >= 300 ? killPrimaryUntilPromoted(t) : undefined;
    });
    await killed;
    const lost = await missingOn(t, 'node1', acknowledged);
    process.stderr.write(
      `mysql:semisync burst: ${acknowledged.length} acknowledged, ${lost} lost on node1\n`,
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    expect(await t.topology.resolveRole('primary')).toBe('node1');
    expect(lost).toBe(0);
    // node0 rejoins unless its binlog kept a commit node1 never had (not acknowledged:
    // killed while waiting for the replica); then it stays out.
    let role = '';
    for (let i = 0; i < 50 && role !== 'replica' && !t.topology.errant.has('node0'); i++) {
      await sleep(100);
      role = (await t.topology.roleMap()).node0!;
    }
    const errant = t.topology.errant.get('node0');
    process.stderr.write(
      `mysql:semisync: node0 ${role}, errant GTIDs: ${errant?.join(',') ?? 'none'}\n`,
    );
    if (errant) expect(role).toBe('deposed primary');
    else {
      expect(role).toBe('replica');
      expect(await t.topology.semiSyncStatus('node1')).toBe('ON');
    }
  }, 90_000);

  it('mysql:semisync: with the replica cut for longer than the timeout, commits fall back to async and a kill loses them', async () => {
    const t = await startTopology('mysql:semisync', { semiSyncTimeoutMs: 500 });
    // The sessions table, and 20 sessions, reach the replica before the cut.
    const before = await burst(t, 20);
    await sleep(300);
    expect(await missingOn(t, 'node1', before)).toBe(0);
    await withMysql(
      t.node('node1').endpoint,
      { user: 'root', password: t.settings.password! },
      (c) => rows(c, 'STOP SLAVE'),
    );
    const startedMs = performance.now();
    const acknowledged = await burst(t, 200);
    // The first commit waited the timeout, then the primary stopped waiting.
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(450);
    expect(await t.topology.semiSyncStatus('node0')).toBe('OFF');
    await killPrimaryUntilPromoted(t);
    expect(await t.topology.resolveRole('primary')).toBe('node1');
    const lost = await missingOn(t, 'node1', acknowledged);
    process.stderr.write(
      `mysql:semisync cut: ${acknowledged.length} acknowledged after the timeout, ${lost} lost on node1\n`,
    );
    expect(acknowledged.length).toBe(200);
    expect(lost).toBe(200);
    // node0's binlog holds the 200 lost commits: errant, so it is not rejoined.
    await sleep(1_000);
    expect(t.topology.errant.get('node0')?.[0]).toMatch(/^0-1-\d+$/);
    expect(await t.topology.roleMap()).toEqual({ node0: 'deposed primary', node1: 'primary' });
  }, 90_000);

  it('mysql:replica: a primary killed in a write burst; the store and the new primary agree on what was lost', async () => {
    const t = await startTopology('mysql:replica');
    let killed: Promise<number> | undefined;
    const acknowledged = await burst(t, 1_500, (acked) => {
      killed ??= acked >= 300 ? killPrimaryUntilPromoted(t) : undefined;
    });
    await killed;
    expect(t.front.target).toBe('node1');
    const direct = await missingOn(t, 'node1', acknowledged);
    const viaStore = await missingViaStore(t, acknowledged);
    process.stderr.write(
      `mysql:replica burst: ${acknowledged.length} acknowledged, ${direct} lost on node1\n`,
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    expect(viaStore).toBe(direct);
  }, 90_000);
});
