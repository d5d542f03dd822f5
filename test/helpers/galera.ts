import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import createStore, { mysqlBackend } from '../../src/backends/mysql.js';
import { nodeStatus, withNode, type NodeStatus } from '../../src/backends/galeraAdmin.js';
import type { Member, RunningTopology, ServerSpec } from '../../src/backends/serverSpec.js';
import type { Session } from '../../src/backends/sessionStore.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import type { Provider, ProviderOptions } from '../../src/providers/provider.js';
import { maxNodesOf } from '../../src/backends/registry.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import type { VariantResult } from '../../src/result/result.js';
import { runPlan } from '../../src/runner/runPlan.js';
import { listening } from './ports.js';
import { isGone } from './processServers.js';
import { resultFor } from './runScenario.js';

/** The front's health check (2 x 500 ms) plus Galera evicting the dead node (evs.inactive_timeout 4 s). */
export const GALERA_DETECTION_MS = 1_000 + 4_000;
/** A shared, loaded machine: the view change, the probe's retry (100 ms), a slow connect. */
export const GALERA_MARGIN_MS = 3_000;

const SESSIONS = 600;

export interface GaleraCheck {
  /** Every node's status, after each step. */
  statuses: NodeStatus[][];
  /** kill:primary: fault to the first probe write acknowledged on another node. */
  failoverMs: number;
  acknowledged: number;
  lostViaStore: number;
  lostDirect: number;
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
 * Starts mysql:galera on `provider`, kills a non-primary node (the cluster keeps
 * serving, the node rejoins), then kills the primary in the middle of a write burst
 * (another Synced node takes the front; every acknowledged session is looked up
 * through the store and directly on a survivor), then restarts node0 gracefully.
 * Stops it all and returns what it saw.
 */
export async function exerciseGalera(
  provider: Provider,
  options?: ProviderOptions,
  runId = newRunId(),
): Promise<GaleraCheck> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-galera-'));
  const controller = new AbortController();
  const spec = mysqlBackend.serverSpec!('mysql:galera', { nodes: 1 });
  const started = await provider.start(spec, {
    runId,
    workDir,
    events: new EventLog(),
    signal: controller.signal,
    ...(options ? { options } : {}),
  });
  const nodes: Member[] = started.nodes.map((n) => ({ name: n.name, endpoint: n.endpoint }));
  const check: Partial<GaleraCheck> & { statuses: NodeStatus[][]; ports: number[] } = {
    statuses: [],
    ports: nodes.map((n) => Number(n.endpoint.split(':')[1])),
  };
  try {
    const topology = await spec.topology!.open({ nodes, companions: [] }, controller.signal);
    try {
      check.statuses.push(await statuses(spec, nodes));
      for (const s of check.statuses[0]!) check.ports.push(Number(s.address.split(':')[1]));
      expect(await topology.roleMap()).toEqual({
        node0: 'primary',
        node1: 'synced',
        node2: 'synced',
      });
      // A replica (node1) dies: the primary keeps committing while it is down.
      await started.nodes[1]!.kill(async () => {
        await withNode(nodes[0]!.endpoint, spec.settings, (c) =>
          c.query('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)'),
        );
        await withNode(nodes[0]!.endpoint, spec.settings, (c) =>
          c.query('INSERT INTO t VALUES (1)'),
        );
      });
      await waitAllSynced(spec, nodes);
      check.statuses.push(await statuses(spec, nodes));
      Object.assign(check, await killPrimaryInBurst(spec, started.nodes, nodes, topology));
      await waitAllSynced(spec, nodes);
      check.statuses.push(await statuses(spec, nodes));
      // A graceful stop removes gvwstate.dat (the view a killed node recovers from):
      // only the address written at formation brings node0 back into the cluster.
      await started.nodes[0]!.restart();
      await waitAllSynced(spec, nodes);
      check.statuses.push(await statuses(spec, nodes));
    } finally {
      await topology.close();
    }
  } finally {
    await started.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  return check as GaleraCheck;
}

async function killPrimaryInBurst(
  spec: ServerSpec,
  handles: GaleraHandle[],
  nodes: Member[],
  topology: RunningTopology,
): Promise<Pick<GaleraCheck, 'failoverMs' | 'acknowledged' | 'lostViaStore' | 'lostDirect'>> {
  const before = (await topology.resolveRole('primary'))!;
  const store = await createStore({
    variant: 'mysql:galera',
    ttlMs: 600_000,
    secret: 's',
    endpoints: [nodes.find((n) => n.name === before)!.endpoint],
    settings: spec.settings,
  });
  const acknowledged: Session[] = [];
  let killing: Promise<number> | undefined;
  const writes = Array.from({ length: SESSIONS }, (_, i) => session(i)).map(async (s) => {
    await store
      .set(s)
      .then(() => acknowledged.push(s))
      .catch(() => undefined);
    if (acknowledged.length >= SESSIONS / 3) killing ??= killAndTime(handles, before, topology);
  });
  await Promise.all(writes);
  const failoverMs = await killing!;
  await store.close();
  const after = (await topology.resolveRole('primary'))!;
  expect(after).not.toBe(before);
  const survivor = nodes.find((n) => n.name === after)!;
  const direct = await createStore({
    variant: 'mysql:galera',
    ttlMs: 600_000,
    secret: 's',
    endpoints: [survivor.endpoint],
    settings: spec.settings,
  });
  let lostViaStore = 0;
  let lostDirect = 0;
  await withNode(survivor.endpoint, spec.settings, async (c) => {
    for (const s of acknowledged) {
      if ((await direct.get(s.id)) === null) lostViaStore++;
      const [rows] = await c.query('SELECT id FROM sessions WHERE id = ?', [s.id]);
      if ((rows as unknown[]).length === 0) lostDirect++;
    }
  });
  await direct.close();
  return { failoverMs, acknowledged: acknowledged.length, lostViaStore, lostDirect };
}

/** SIGKILL of the primary; resolves with the ms from the kill to the first acknowledged probe write elsewhere. */
async function killAndTime(
  handles: GaleraHandle[],
  primary: string,
  topology: RunningTopology,
): Promise<number> {
  let failoverMs = -1;
  await handles
    .find((h) => h.name === primary)!
    .kill(async () => {
      const t0 = performance.now();
      const signal = AbortSignal.timeout(30_000);
      const by = await topology
        .firstAcknowledgedWrite(primary, signal)
        .catch(async (error: unknown) => {
          // What the survivors said, so that a failure can be explained (one full run saw one).
          const roles = await topology.roleMap().catch((e: unknown) => String(e));
          const logs = handles.map((h) => `${h.name}: ${h.logs().slice(-8).join(' | ')}`);
          throw new Error(
            `no write acknowledged within 30 s of killing ${primary} (${String(error)}); ` +
              `roles ${JSON.stringify(roles)}; logs ${logs.join(' || ')}`,
          );
        });
      expect(by).not.toBe(primary);
      failoverMs = performance.now() - t0;
    });
  return failoverMs;
}

/** A started node as the Galera checks use it. */
type GaleraHandle = {
  name: string;
  kill(onDown?: () => Promise<void>): Promise<void>;
  logs(): string[];
};

async function statuses(spec: ServerSpec, nodes: Member[]): Promise<NodeStatus[]> {
  return Promise.all(nodes.map((n) => withNode(n.endpoint, spec.settings, (c) => nodeStatus(c))));
}

async function waitAllSynced(spec: ServerSpec, nodes: Member[]): Promise<void> {
  for (let t = 0; t < 300; t++) {
    const all = await statuses(spec, nodes).catch(() => undefined);
    if (all?.every((s) => s.state === 'Synced' && s.clusterSize === 3)) return;
    await sleep(100);
  }
  throw new Error('the cluster is not whole again after 30 s');
}

/** One cluster throughout: the same state uuid everywhere, three members, each step. */
export function expectOneCluster(check: GaleraCheck): void {
  const uuid = check.statuses[0]![0]!.clusterUuid;
  expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  for (const step of check.statuses) {
    for (const s of step) {
      expect(s.clusterUuid).toBe(uuid);
      expect(s.clusterSize).toBe(3);
      expect(s.state).toBe('Synced');
    }
  }
}

export async function expectNothingListening(check: GaleraCheck): Promise<void> {
  expect(check.ports.length).toBe(6);
  for (const port of check.ports) expect(await listening(port), `port ${port}`).toBe(false);
}

/**
 * A full run of mysql:galera with kill:primary: the app behind the front link, which
 * the health check moves to a Synced node; returns the variant's result.
 */
export async function runGaleraKillPrimary(
  provider: 'process' | 'docker',
): Promise<{ result: VariantResult; runId: string }> {
  const plan = await loadPlan(
    {
      scenario: 'smoke',
      users: '200',
      rate: '100',
      duration: '10s',
      provider,
      ...(provider === 'docker' ? { dockerNetwork: 'host', imageSet: 'offline' } : {}),
      backends: 'mysql:galera',
      scenarioFaults: 'none',
      // Kept down 4 s: longer than the front's detection (1 s) and Galera's eviction.
      faults: ['kill:primary@3s:4s'],
    },
    { nodesOf: maxNodesOf },
  );
  const run = await runPlan(plan, { signal: new AbortController().signal });
  return { result: resultFor(run, 'mysql:galera'), runId: run.runId };
}

/** Every node start in the events (pid on the process provider), and every node port: all gone. */
export async function expectRunLeftNothing(result: VariantResult, starts: number): Promise<void> {
  const nodeEvents = result.events.filter((e) => /^node\d+$/.test(e.target));
  expect(nodeEvents.filter((e) => e.event === 'start').length).toBe(starts);
  for (const e of nodeEvents) {
    const pid = Number(/pid (\d+)/.exec(e.detail ?? '')?.[1]);
    if (pid) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }
  const ports = new Set(
    nodeEvents.flatMap((e) =>
      [...(e.detail ?? '').matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])),
    ),
  );
  expect(ports.size).toBeGreaterThanOrEqual(3);
  for (const port of ports) expect(await listening(port), `port ${port}`).toBe(false);
}

/** The fault moved the front off the killed primary, and the first write there came in time. */
export function expectFrontFailover(result: VariantResult): void {
  expect(result.topology?.kind).toBe('galera');
  const fault = result.faults[0]!;
  expect(fault.status, fault.reason).toBe('done');
  const failover = fault.failover!;
  expect(failover.primaryBefore).toBe('node0');
  expect(failover.promoted, JSON.stringify(failover)).toBe(true);
  expect(failover.primaryAfter).not.toBe('node0');
  expect(failover.failoverMs!).toBeGreaterThan(0);
  expect(failover.failoverMs!).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
  // The first move after the kill: off node0, to the node that acknowledged the probe.
  const pointed = result.events.find(
    (e) => e.target === 'front' && e.event === 'pointed at' && e.tMs >= fault.startedMs!,
  );
  expect(pointed?.detail).toContain(failover.primaryAfter!);
  expect(fault.expectation?.source).toContain('jepsen.io');
  expect(typeof fault.expectation?.matches).toBe('boolean');
  // The app wrote through the front again after the failover.
  expect(fault.phases?.after?.requests ?? 0).toBeGreaterThan(0);
  expect(result.audit.wrongUserSessions).toBe(0);
}
