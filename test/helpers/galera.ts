import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import createStore, { mysqlBackend } from '../../src/backends/mysql.js';
import { galeraStatus, type NodeStatus } from '../../src/backends/galeraAdmin.js';
import { rows, withMysql, type MysqlLogin } from '../../src/backends/mysqlAdmin.js';
import { GALERA_DEFAULTS } from '../../src/backends/mysqlGalera.js';
import type { FrontLink, Member, RunningTopology } from '../../src/backends/serverSpec.js';
import type { Session } from '../../src/backends/sessionStore.js';
import { CleanupStack } from '../../src/lifecycle/cleanupStack.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import type { Provider, ProviderOptions, Started } from '../../src/providers/provider.js';
import { placeFront } from '../../src/runner/placeProxy.js';
import type { VariantResult } from '../../src/result/result.js';
import { listening } from './ports.js';
import { resultFor, runSmoke } from './runScenario.js';

/**
 * Fault to the first write acknowledged elsewhere: the survivors evict the dead node
 * (evs.suspect_timeout) and install their view, then the front's detection moves it.
 */
export const GALERA_DETECTION_MS =
  GALERA_DEFAULTS.evs.suspectTimeoutMs + GALERA_DEFAULTS.monitor.detectionMs;
/** A busy 2-core machine: the view's installation, a check interval, slow connects. */
export const GALERA_MARGIN_MS = 4_000;

const SESSIONS = 600;

export interface GaleraCheck {
  /** kill:primary: fault to the first probe write acknowledged on another node. */
  failoverMs: number;
  primaryAfter: string;
  acknowledged: number;
  lostViaStore: number;
  /** Acknowledged sessions missing on each survivor, read there directly. */
  lostOn: Record<string, number>;
  /** Every node's status once the killed node rejoined. */
  rejoined: NodeStatus[];
  /** 127.0.0.1 ports the topology listened on (SQL and gcomm). */
  ports: number[];
}

const session = (i: number): Session => ({
  id: randomBytes(16).toString('hex'),
  userId: i,
  counter: 1,
  payload: 'x'.repeat(200),
});

/**
 * Starts mysql:galera on `provider` behind a front link (as the runner places it) and
 * kills the primary in the middle of a write burst through the front: the health check
 * moves the front to a survivor, every acknowledged session is looked up through the
 * store and directly on each survivor, the killed node rejoins. Stops it all.
 */
export async function exerciseGalera(
  provider: Provider,
  options?: ProviderOptions,
  runId = newRunId(),
): Promise<GaleraCheck> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-galera-'));
  const spec = mysqlBackend.serverSpec!('mysql:galera', { nodes: 1 });
  const login: MysqlLogin = {
    user: 'root',
    password: spec.settings.password!,
    database: spec.settings.database!,
  };
  const cleanup = new CleanupStack();
  const started = await provider.start(spec, {
    runId,
    workDir,
    events: new EventLog(),
    signal: new AbortController().signal,
    ...(options ? { options } : {}),
  });
  try {
    const nodes: Member[] = started.nodes.map((n) => ({ name: n.name, endpoint: n.endpoint }));
    const { front } = await placeFront(nodes[0]!, { cleanup, events: new EventLog() });
    const topology = await spec.topology!.open(
      { nodes, companions: [], front },
      new AbortController().signal,
    );
    cleanup.push('topology', () => topology.close());
    const first = await statuses(nodes, login);
    const ports = [...nodes, ...first.map((s) => ({ endpoint: s.address }))].map((m) =>
      Number(m.endpoint.split(':')[1]),
    );
    expect(await topology.roleMap()).toEqual({
      node0: 'primary',
      node1: 'synced',
      node2: 'synced',
    });
    const burst = await killPrimaryInBurst(started, front, topology, spec.settings);
    const lostOn: Record<string, number> = {};
    for (const n of nodes.filter((m) => m.name !== 'node0')) {
      lostOn[n.name] = await missingOn(n.endpoint, login, burst.acknowledged);
    }
    const rejoined = await waitAllSynced(nodes, login);
    return {
      ...burst,
      acknowledged: burst.acknowledged.length,
      lostOn,
      rejoined,
      ports,
    };
  } finally {
    await cleanup.dispose();
    await started.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function killPrimaryInBurst(
  started: Started,
  front: FrontLink,
  topology: RunningTopology,
  settings: Record<string, string>,
): Promise<{
  failoverMs: number;
  primaryAfter: string;
  acknowledged: Session[];
  lostViaStore: number;
}> {
  const before = (await topology.resolveRole('primary'))!;
  const frontStore = () =>
    createStore({
      variant: 'mysql:galera',
      ttlMs: 600_000,
      secret: 's',
      endpoints: [front.endpoint],
      settings,
    });
  const store = await frontStore();
  const acknowledged: Session[] = [];
  let killing: Promise<{ failoverMs: number; primaryAfter: string }> | undefined;
  await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) => session(i)).map(async (s) => {
      await store
        .set(s)
        .then(() => acknowledged.push(s))
        .catch(() => undefined);
      if (acknowledged.length >= SESSIONS / 3) killing ??= killAndTime(started, before, topology);
    }),
  );
  const figures = await killing!;
  await store.close();
  const again = await frontStore();
  let lostViaStore = 0;
  for (const s of acknowledged) if ((await again.get(s.id)) === null) lostViaStore++;
  await again.close();
  return { ...figures, acknowledged, lostViaStore };
}

/** SIGKILL of the primary, kept down until a write is acknowledged elsewhere; how long that took. */
async function killAndTime(
  started: Started,
  primary: string,
  topology: RunningTopology,
): Promise<{ failoverMs: number; primaryAfter: string }> {
  let figures = { failoverMs: -1, primaryAfter: primary };
  await started.nodes
    .find((n) => n.name === primary)!
    .kill(async () => {
      const t0 = performance.now();
      const by = await topology
        .firstAcknowledgedWrite(primary, AbortSignal.timeout(30_000))
        .catch(async (error: unknown) => {
          // What the survivors said, so that a failure can be explained.
          const roles = await topology.roleMap().catch((e: unknown) => String(e));
          const logs = started.nodes.map((n) => `${n.name}: ${n.logs().slice(-8).join(' | ')}`);
          throw new Error(
            `no write acknowledged within 30 s of killing ${primary} (${String(error)}); ` +
              `roles ${JSON.stringify(roles)}; logs ${logs.join(' || ')}`,
          );
        });
      figures = { failoverMs: performance.now() - t0, primaryAfter: by };
    });
  return figures;
}

/** Acknowledged sessions the node does not hold, read on it directly. */
async function missingOn(endpoint: string, login: MysqlLogin, sessions: Session[]) {
  const held = await withMysql(endpoint, login, (c) => rows(c, 'SELECT id FROM sessions'));
  const ids = new Set(held.map((r) => String(r.id)));
  return sessions.filter((s) => !ids.has(s.id)).length;
}

function statuses(nodes: Member[], login: MysqlLogin): Promise<NodeStatus[]> {
  return Promise.all(nodes.map((n) => galeraStatus(n.endpoint, login)));
}

/** Every node Synced in one component of three (the killed node rejoined); their statuses. */
async function waitAllSynced(nodes: Member[], login: MysqlLogin): Promise<NodeStatus[]> {
  for (let t = 0; t < 300; t++) {
    const all = await statuses(nodes, login).catch(() => undefined);
    if (all?.every((s) => s.state === 'Synced' && s.clusterSize === 3)) return all;
    await sleep(100);
  }
  throw new Error('the cluster is not whole again after 30 s');
}

/** The primary moved off node0 in time and nothing acknowledged was lost, by every reading. */
export async function expectGaleraFailover(check: GaleraCheck): Promise<void> {
  expect(check.primaryAfter).not.toBe('node0');
  expect(check.failoverMs).toBeGreaterThan(0);
  expect(check.failoverMs).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
  expect(check.acknowledged).toBeGreaterThan(0);
  // The store and direct reads on both survivors agree: certified before acknowledged.
  expect(check.lostOn).toEqual({ node1: check.lostViaStore, node2: check.lostViaStore });
  expect(new Set(check.rejoined.map((s) => s.clusterUuid)).size).toBe(1);
  expect(check.ports.length).toBe(6);
  for (const port of check.ports) expect(await listening(port), `port ${port}`).toBe(false);
}

/**
 * A full run of mysql:galera with the app behind the front link and one fault on the
 * node the front points at: `kill` keeps it down 10 s (longer than the eviction,
 * evs.suspect_timeout, and the front's detection); `partition` cuts it from its peers
 * for 6 s by Galera's own isolation (the cut node loses quorum). Either way the health
 * check moves the front to a survivor. Returns the variant's result.
 *
 * One fault a run: a node killed and started again rejoins by a full state transfer
 * (its position is unknown after a SIGKILL), its donor leaves the front too, and a
 * second fault in the same run would measure that move as well. The kill's node comes
 * back at 13 s, so that move (~2 s later) falls after the 14 s of load: with rsync the
 * donor blocks writes under a global read lock, the move abandons them (503), and one
 * that commits when the lock is released can overwrite a newer acknowledged update or
 * bring back a logged-out session (README, MariaDB Galera). This test is about the kill.
 *
 * On docker the joiners get their state by mariabackup (the official image's only
 * tool), on local processes by rsync (auto, with rsync installed): both methods run.
 */
export async function runGaleraFault(
  provider: 'process' | 'docker',
  action: 'kill' | 'partition',
): Promise<{ result: VariantResult; runId: string }> {
  const run = await runSmoke({
    users: '200',
    rate: '100',
    // The kill's node comes back at 13 s: its state transfer, and the donor's move off
    // the front, come after the load (see above).
    duration: '14s',
    provider,
    ...(provider === 'docker'
      ? { dockerNetwork: 'host', imageSet: 'offline', galeraSst: 'mariabackup' }
      : {}),
    backends: 'mysql:galera',
    scenarioFaults: 'none',
    faults: [action === 'kill' ? 'kill:primary@3s:10s' : 'partition:primary@3s:6s'],
  });
  return { result: resultFor(run, 'mysql:galera'), runId: run.runId };
}
