/**
 * The fault proxy's own cost and the network-fault table, on local processes.
 *
 * 1. For redis, memcached, mysql and postgres (default variants): p50/p99 at the default
 *    scenario's rate and saturation throughput, without the proxy, with its links in the
 *    app's process (the default for our apps) and with it in a process of its own
 *    (topology.proxy: true, no fault). Target: under 100 µs added to p50, under 10%
 *    throughput lost at saturation. The three take turns in rotating order and backends
 *    take turns, so load from other work on the machine hits every side; the table gives
 *    medians and the spread of the differences to direct in the same repetition.
 * 2. The same cost on the store path alone, where it is not buried in the noise of a
 *    shared machine: one server per backend, the app's store module connected to it
 *    directly, through a fault proxy, through socat (the floor of a hop in another
 *    process, where installed) and through the proxy's link code run in the store
 *    client's own process (no other process to wake), 1 s batches in rotating order
 *    ROUNDS times. Each operation is one update as the app does it (set, then get):
 *    sequential at the default rate (latency), and 64 concurrent (operations per second).
 * 3. backend × {latency 200 ms for 5 s, partition 5 s, reset, down 3 s}: errors in
 *    the fault's window, users logged out, unavailableMs, recoveryMs, and how the
 *    app answered during it (ok / 503 / 401); 15 s of load per run.
 * App, proxy, load generator and server share this machine's cores.
 *
 * Run: [REPEATS=3] [ROUNDS=10] node --import tsx bench/network-faults.ts [seconds per measurement] [overhead|store|faults]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { backendOf } from '../src/backends/registry.js';
import type { CreateStore, Session, SessionStore } from '../src/backends/sessionStore.js';
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
import type { ProxyProcess } from '../src/config/schema.js';
import { EventLog } from '../src/lifecycle/eventLog.js';
import { freePort } from '../src/lifecycle/freePort.js';
import { newRunId } from '../src/lifecycle/runNames.js';
import { percentileOf } from '../src/load/latency.js';
import { FaultProxy } from '../src/network/faultProxy.js';
import { ProxyLink } from '../src/network/proxyLink.js';
import { findBinary, processProvider } from '../src/providers/process.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

const seconds = Number(process.argv[2] ?? 8);
const VARIANTS = (process.env.VARIANTS ?? 'redis,memcached,mysql,postgres').split(',');
/** Fewer users than the default scenario's 10,000: the warm-up would dominate the bench. */
const USERS = '2000';
const REPEATS = Number(process.env.REPEATS ?? 3);
const signal = new AbortController().signal;

/** Without the proxy, or with its links in the app's process, or in a process of their own. */
type Placement = 'direct' | ProxyProcess;
const PLACEMENTS: Placement[] = ['direct', 'app', 'separate'];

async function run(
  variant: string,
  flags: RunOverrides,
  placement: Placement = 'direct',
): Promise<VariantResult> {
  const plan = await loadPlan({
    scenario: 'smoke',
    backends: variant,
    provider: 'process',
    users: USERS,
    ...flags,
  });
  plan.topology.proxy = placement !== 'direct';
  if (placement !== 'direct') plan.topology.proxyProcess = placement;
  const result = (await runPlan(plan, { signal })).results[0]!;
  if (result.status !== 'completed') throw new Error(`${variant}: ${result.reason}`);
  return result;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const signed = (n: number, digits = 0) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
/** "median [min..max]" of paired differences. */
const spread = (values: number[], digits = 0, unit = '') =>
  `${signed(median(values), digits)}${unit} [${signed(Math.min(...values), digits)}..${signed(Math.max(...values), digits)}]`;

/** Each placement's figures, one per repetition (index k of each is one repetition). */
type Figures = Record<Placement, { p50Us: number[]; p99Us: number[]; rps: number[] }>;

async function measureRepetition(
  variant: string,
  k: number,
  rate: string,
  figures: Figures,
): Promise<void> {
  const fixed = { mode: 'fixed', rate, duration: `${seconds}s` };
  const sat = { mode: 'saturation', duration: `${seconds}s` };
  // The order rotates with the repetition: a drift in the machine's load favours none.
  const order = rotated(PLACEMENTS, k);
  for (const placement of order) {
    const result = await run(variant, fixed, placement);
    figures[placement].p50Us.push(result.latencyUs.p50);
    figures[placement].p99Us.push(result.latencyUs.p99);
  }
  for (const placement of order) {
    figures[placement].rps.push((await run(variant, sat, placement)).throughputRps);
  }
}

/** One row per proxy placement: its medians beside direct's, and the paired differences. */
function overheadRows(variant: string, figures: Figures): string[] {
  const direct = figures.direct;
  return (['app', 'separate'] as const).map((placement) => {
    const with_ = figures[placement];
    const dUs = (d: number[], x: number[]) => x.map((v, k) => v - d[k]!);
    const dRps = with_.rps.map((v, k) => (v / direct.rps[k]! - 1) * 100);
    return (
      `${`${variant}, in ${placement}`.padEnd(22)} | ${median(direct.p50Us)} → ${median(with_.p50Us)} ` +
      `| ${spread(dUs(direct.p50Us, with_.p50Us))} ` +
      `| ${median(direct.p99Us)} → ${median(with_.p99Us)} | ${spread(dUs(direct.p99Us, with_.p99Us))} ` +
      `| ${Math.round(median(direct.rps))} → ${Math.round(median(with_.rps))} | ${spread(dRps, 1, '%')}`
    );
  });
}

async function overhead(): Promise<void> {
  const rate = String((await loadPlan({ scenario: 'default' })).load.rateRps);
  console.log(
    `proxy cost: fixed ${rate} req/s and saturation (64 connections), ${seconds}s each, ${USERS} users, ` +
      `${REPEATS} repetitions per backend of direct, links in the app, proxy in its own process ` +
      `(rotating order); load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const empty = () => ({ p50Us: [], p99Us: [], rps: [] });
  const all = new Map<string, Figures>(
    VARIANTS.map((v) => [v, { direct: empty(), app: empty(), separate: empty() }]),
  );
  // Backends take turns within each repetition, so a busy minute spreads over all of them.
  for (let k = 0; k < REPEATS; k++) {
    for (const variant of VARIANTS) await measureRepetition(variant, k, rate, all.get(variant)!);
  }
  console.log(
    'variant, proxy          | p50 µs direct → proxy | Δp50 µs median [min..max] | p99 µs direct → proxy | Δp99 µs ' +
      '| saturation req/s direct → proxy | Δ throughput median [min..max]',
  );
  for (const variant of VARIANTS)
    for (const row of overheadRows(variant, all.get(variant)!)) console.log(row);
  console.log(`load average at the end ${os.loadavg()[0]!.toFixed(2)}`);
}

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CONCURRENCY = 64;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A way from the store module to its server: straight, or through one hop. */
interface StorePath {
  name: 'direct' | 'proxy' | 'socat' | 'in-process';
  store: SessionStore;
}

/**
 * socat forwarding to `endpoint` (a process per connection, C, no event loop): the
 * floor of any userspace hop on this machine, to compare the fault proxy with.
 * Undefined when socat is not installed.
 */
async function startSocat(
  endpoint: string,
): Promise<{ endpoint: string; stop(): Promise<void> } | undefined> {
  const socat = await findBinary(['socat']);
  if (!socat) return undefined;
  const port = await freePort();
  const child = spawn(
    socat,
    [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr,backlog=1024`, `TCP:${endpoint},nodelay`],
    { stdio: 'ignore', detached: true },
  );
  // Its group (the children forked per connection too), even when the bench dies.
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  process.once('exit', killGroup);
  await waitForPort(port);
  return {
    endpoint: `127.0.0.1:${port}`,
    stop: async () => {
      process.off('exit', killGroup);
      const exited = once(child, 'exit');
      killGroup();
      await exited;
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const socket = net.connect(port, '127.0.0.1');
    const open = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    }).finally(() => socket.destroy());
    if (open) return;
    await sleep(20);
  }
  throw new Error(`socat did not listen on ${port}`);
}

/**
 * The variant's server alone, with its store module connected directly, through a
 * fault proxy, (where installed) through socat, and through a ProxyLink on this
 * process's own event loop: what the proxy would cost placed inside the app.
 */
async function withStores(
  variant: string,
  use: (paths: StorePath[]) => Promise<void>,
): Promise<void> {
  const backend = backendOf(variant);
  const spec = backend.serverSpec!(variant, { nodes: 1 });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-bench-'));
  const started = await processProvider.start(spec, {
    runId: newRunId(),
    workDir,
    events: new EventLog(),
    signal,
  });
  const endpoint = started.nodes[0]!.endpoint;
  const proxy = await FaultProxy.start([{ name: 'node0', upstream: endpoint }]);
  const socat = await startSocat(endpoint);
  const inProcess = new ProxyLink({ name: 'node0', upstream: endpoint });
  const inProcessPort = await inProcess.listen();
  const { default: createStore } = (await import(backend.storeModule.href)) as {
    default: CreateStore;
  };
  const options = { variant, ttlMs: 3_600_000, secret: 'bench', settings: spec.settings };
  const storeAt = (at: string) => createStore({ ...options, endpoints: [at] });
  const paths: StorePath[] = [
    { name: 'direct', store: await storeAt(endpoint) },
    { name: 'proxy', store: await storeAt(proxy.links.get('node0')!.endpoint) },
    ...(socat ? [{ name: 'socat' as const, store: await storeAt(socat.endpoint) }] : []),
    { name: 'in-process', store: await storeAt(`127.0.0.1:${inProcessPort}`) },
  ];
  try {
    await use(paths);
  } finally {
    await Promise.all(paths.map((p) => p.store.close()));
    await socat?.stop();
    await inProcess.close();
    await proxy.stop();
    await started.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

const SESSIONS: Session[] = Array.from({ length: 1_000 }, (_, userId) => ({
  id: randomBytes(16).toString('hex'),
  userId,
  counter: 0,
  payload: randomBytes(768).toString('base64'),
}));

/** One update as the app does it: the session written, then read back. */
async function update(store: SessionStore, n: number): Promise<void> {
  const session = SESSIONS[n % SESSIONS.length]!;
  session.counter++;
  await store.set(session);
  await store.get(session.id);
}

/** Sequential updates paced at `rateRps` for 1 s: each one's latency in µs. */
async function pacedBatch(store: SessionStore, rateRps: number): Promise<number[]> {
  const latencies: number[] = [];
  const startMs = performance.now();
  for (let n = 0; n < rateRps; n++) {
    const waitMs = startMs + (n * 1000) / rateRps - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    const t = performance.now();
    await update(store, n);
    latencies.push(Math.round((performance.now() - t) * 1000));
  }
  return latencies;
}

/** CONCURRENCY workers updating for 1 s: updates per second. */
async function saturatedBatch(store: SessionStore): Promise<number> {
  const endMs = performance.now() + 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < endMs) await update(store, done++);
    }),
  );
  return done;
}

/** Round k's order of the paths: rotated, so none is always first or last. */
function rotated<T>(items: T[], k: number): T[] {
  const shift = k % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** One row per hop (proxy, socat): its figures beside the direct path's, and the paired differences. */
async function storePathRows(variant: string, rateRps: number): Promise<string[]> {
  const rows: string[] = [];
  await withStores(variant, async (paths) => {
    const latencies = new Map(paths.map((p) => [p.name, [] as number[]]));
    const ops = new Map(paths.map((p) => [p.name, [] as number[]]));
    const p50Deltas = new Map(paths.map((p) => [p.name, [] as number[]]));
    const rpsDeltas = new Map(paths.map((p) => [p.name, [] as number[]]));
    for (const p of paths) await saturatedBatch(p.store); // warm every pool
    for (let k = 0; k < ROUNDS; k++) {
      const round = new Map<string, number[]>();
      const done = new Map<string, number>();
      for (const p of rotated(paths, k)) round.set(p.name, await pacedBatch(p.store, rateRps));
      for (const p of rotated(paths, k)) done.set(p.name, await saturatedBatch(p.store));
      for (const p of paths) {
        latencies.get(p.name)!.push(...round.get(p.name)!);
        ops.get(p.name)!.push(done.get(p.name)!);
        p50Deltas
          .get(p.name)!
          .push(percentileOf(round.get(p.name)!, 50) - percentileOf(round.get('direct')!, 50));
        rpsDeltas.get(p.name)!.push((done.get(p.name)! / done.get('direct')! - 1) * 100);
      }
    }
    const direct = latencies.get('direct')!;
    for (const p of paths.filter((p) => p.name !== 'direct')) {
      const hop = latencies.get(p.name)!;
      rows.push(
        `${variant.padEnd(9)} | ${p.name.padEnd(10)} | ${percentileOf(direct, 50)} → ${percentileOf(hop, 50)} ` +
          `| ${spread(p50Deltas.get(p.name)!)} | ${percentileOf(direct, 99)} → ${percentileOf(hop, 99)} ` +
          `| ${Math.round(median(ops.get('direct')!))} → ${Math.round(median(ops.get(p.name)!))} ` +
          `| ${spread(rpsDeltas.get(p.name)!, 1, '%')}`,
      );
    }
  });
  return rows;
}

async function storePath(): Promise<void> {
  const rate = (await loadPlan({ scenario: 'default' })).load.rateRps;
  const socat = (await findBinary(['socat'])) ? '' : ' (socat not installed: no socat rows)';
  console.log(
    `\nproxy cost on the store path (server alone, update = set + get): ${ROUNDS} rotating rounds ` +
      `of 1 s at ${rate} updates/s and 1 s at ${CONCURRENCY} concurrent, per path; ` +
      `socat is the floor of a hop in another process${socat}, in-process a proxy link on the store client's event loop; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    'variant   | hop        | p50 µs direct → hop | Δp50 µs per round median [min..max] | p99 µs direct → hop ' +
      '| updates/s direct → hop | Δ per round median [min..max]',
  );
  for (const variant of VARIANTS) {
    for (const row of await storePathRows(variant, rate)) console.log(row);
  }
}

const FAULTS = [
  'latency:store@4s:5s:200ms',
  'partition:store@4s:5s',
  'reset:store@4s',
  'down:store@4s:3s',
];

async function faultTable(): Promise<void> {
  console.log('\nnetwork faults: 100 req/s for 15s, fault at 4s (app store timeout 2 s)');
  console.log(
    'variant   | fault              | errors | logged out | unavailable | recovery | during: ok / 503 / 401',
  );
  for (const variant of VARIANTS) {
    for (const fault of FAULTS) {
      const result = await run(variant, { rate: '100', duration: '15s', faults: [fault] });
      const f = result.faults[0]!;
      const a = f.answers;
      console.log(
        `${variant.padEnd(9)} | ${fault.split('@')[0]!.padEnd(18)} | ${String(f.errorsDuringFault).padStart(6)} ` +
          `| ${`${f.loggedOutUsers}/${f.loggedInUsersAtFault ?? '?'}`.padStart(10)} | ${`${f.unavailableMs} ms`.padStart(11)} ` +
          `| ${(f.recoveryMs === null ? 'none' : `${f.recoveryMs} ms`).padStart(8)} ` +
          `| ${a ? `${a.ok} / ${a.unavailable503} / ${a.loginWall401}` : 'not measured'}`,
      );
    }
  }
}

const only = process.argv[3];
if (!only || only === 'overhead') await overhead();
if (!only || only === 'store') await storePath();
if (!only || only === 'faults') await faultTable();
