/**
 * The fault proxy's own cost and the network-fault table, on local processes.
 *
 * 1. For redis, memcached, mysql and postgres (default variants): p50/p99 at the default
 *    scenario's rate and saturation throughput, without and with the proxy
 *    (topology.proxy: true, no fault). Target: under 100 µs added to p50, under 10%
 *    throughput lost at saturation. Direct and proxied runs alternate (ABAB, then BABA)
 *    and backends take turns, so load from other work on the machine hits both sides;
 *    the table gives medians and the spread of the paired differences.
 * 2. The same cost on the store path alone, where it is not buried in the noise of a
 *    shared machine: one server per backend, the app's store module connected to it
 *    directly and through a fault proxy, 1 s batches alternating ROUNDS times. Each
 *    operation is one update as the app does it (set, then get): sequential at the
 *    default rate (latency), and 64 concurrent (operations per second).
 * 3. backend × {latency 200 ms for 5 s, partition 5 s, reset, down 3 s}: errors in
 *    the fault's window, users logged out, unavailableMs, recoveryMs, and how the
 *    app answered during it (ok / 503 / 401); 15 s of load per run.
 * App, proxy, load generator and server share this machine's cores.
 *
 * Run: [REPEATS=3] [ROUNDS=10] node --import tsx bench/network-faults.ts [seconds per measurement] [overhead|store|faults]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendOf } from '../src/backends/registry.js';
import type { CreateStore, Session, SessionStore } from '../src/backends/sessionStore.js';
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
import { EventLog } from '../src/lifecycle/eventLog.js';
import { newRunId } from '../src/lifecycle/runNames.js';
import { percentileOf } from '../src/load/latency.js';
import { FaultProxy } from '../src/network/faultProxy.js';
import { processProvider } from '../src/providers/process.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

const seconds = Number(process.argv[2] ?? 8);
const VARIANTS = (process.env.VARIANTS ?? 'redis,memcached,mysql,postgres').split(',');
/** Fewer users than the default scenario's 10,000: the warm-up would dominate the bench. */
const USERS = '2000';
const REPEATS = Number(process.env.REPEATS ?? 3);
const signal = new AbortController().signal;

async function run(variant: string, flags: RunOverrides, proxy = false): Promise<VariantResult> {
  const plan = await loadPlan({
    scenario: 'smoke',
    backends: variant,
    provider: 'process',
    users: USERS,
    ...flags,
  });
  plan.topology.proxy = proxy;
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

/** One direct and one proxied figure per repetition. */
interface Pairs {
  p50Us: [number, number][];
  p99Us: [number, number][];
  rps: [number, number][];
}

async function measurePairs(variant: string, k: number, rate: string, pairs: Pairs): Promise<void> {
  const fixed = { mode: 'fixed', rate, duration: `${seconds}s` };
  const sat = { mode: 'saturation', duration: `${seconds}s` };
  // ABAB on even repetitions, BABA on odd ones: a drift in the machine's load favours neither.
  const order = k % 2 ? [true, false] : [false, true];
  const f: Record<string, VariantResult> = {};
  const s: Record<string, VariantResult> = {};
  for (const proxied of order) f[String(proxied)] = await run(variant, fixed, proxied);
  for (const proxied of order) s[String(proxied)] = await run(variant, sat, proxied);
  pairs.p50Us.push([f.false!.latencyUs.p50, f.true!.latencyUs.p50]);
  pairs.p99Us.push([f.false!.latencyUs.p99, f.true!.latencyUs.p99]);
  pairs.rps.push([s.false!.throughputRps, s.true!.throughputRps]);
}

function overheadRow(variant: string, pairs: Pairs): string {
  const med = (p: [number, number][], i: 0 | 1) => median(p.map((x) => x[i]));
  const dUs = (p: [number, number][]) => p.map(([d, x]) => x - d);
  const dRps = pairs.rps.map(([d, x]) => (x / d - 1) * 100);
  return (
    `${variant.padEnd(9)} | ${med(pairs.p50Us, 0)} → ${med(pairs.p50Us, 1)} | ${spread(dUs(pairs.p50Us))} ` +
    `| ${med(pairs.p99Us, 0)} → ${med(pairs.p99Us, 1)} | ${spread(dUs(pairs.p99Us))} ` +
    `| ${Math.round(med(pairs.rps, 0))} → ${Math.round(med(pairs.rps, 1))} | ${spread(dRps, 1, '%')}`
  );
}

async function overhead(): Promise<void> {
  const rate = String((await loadPlan({ scenario: 'default' })).load.rateRps);
  console.log(
    `proxy cost: fixed ${rate} req/s and saturation (64 connections), ${seconds}s each, ${USERS} users, ` +
      `${REPEATS} alternating pairs per backend; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const all = new Map<string, Pairs>(VARIANTS.map((v) => [v, { p50Us: [], p99Us: [], rps: [] }]));
  // Backends take turns within each repetition, so a busy minute spreads over all of them.
  for (let k = 0; k < REPEATS; k++) {
    for (const variant of VARIANTS) await measurePairs(variant, k, rate, all.get(variant)!);
  }
  console.log(
    'variant   | p50 µs direct → proxy | Δp50 µs median [min..max] | p99 µs direct → proxy | Δp99 µs ' +
      '| saturation req/s direct → proxy | Δ throughput median [min..max]',
  );
  for (const variant of VARIANTS) console.log(overheadRow(variant, all.get(variant)!));
  console.log(`load average at the end ${os.loadavg()[0]!.toFixed(2)}`);
}

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CONCURRENCY = 64;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The variant's server alone, with its store module connected directly and through a proxy. */
async function withStores(
  variant: string,
  use: (direct: SessionStore, proxied: SessionStore) => Promise<void>,
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
  const { default: createStore } = (await import(backend.storeModule.href)) as {
    default: CreateStore;
  };
  const options = { variant, ttlMs: 3_600_000, secret: 'bench', settings: spec.settings };
  const direct = await createStore({ ...options, endpoints: [endpoint] });
  const proxied = await createStore({
    ...options,
    endpoints: [proxy.links.get('node0')!.endpoint],
  });
  try {
    await use(direct, proxied);
  } finally {
    await Promise.all([direct.close(), proxied.close()]);
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

async function storePathRow(variant: string, rateRps: number): Promise<string> {
  const latencies: [number[], number[]] = [[], []];
  const p50Deltas: number[] = [];
  const rpsDeltas: number[] = [];
  const rps: [number[], number[]] = [[], []];
  await withStores(variant, async (direct, proxied) => {
    const stores = [direct, proxied] as const;
    await saturatedBatch(direct); // warm both pools
    await saturatedBatch(proxied);
    for (let k = 0; k < ROUNDS; k++) {
      const order = k % 2 ? [1, 0] : [0, 1];
      const round: number[][] = [[], []];
      const ops = [0, 0];
      for (const i of order) round[i] = await pacedBatch(stores[i]!, rateRps);
      for (const i of order) ops[i] = await saturatedBatch(stores[i]!);
      for (const i of [0, 1]) {
        latencies[i]!.push(...round[i]!);
        rps[i]!.push(ops[i]!);
      }
      p50Deltas.push(percentileOf(round[1]!, 50) - percentileOf(round[0]!, 50));
      rpsDeltas.push((ops[1]! / ops[0]! - 1) * 100);
    }
  });
  const [p50d, p50p] = latencies.map((l) => percentileOf(l, 50)) as [number, number];
  const [p99d, p99p] = latencies.map((l) => percentileOf(l, 99)) as [number, number];
  const [rpsd, rpsp] = rps.map(median) as [number, number];
  return (
    `${variant.padEnd(9)} | ${p50d} → ${p50p} | ${spread(p50Deltas)} | ${p99d} → ${p99p} ` +
    `| ${Math.round(rpsd)} → ${Math.round(rpsp)} | ${spread(rpsDeltas, 1, '%')}`
  );
}

async function storePath(): Promise<void> {
  const rate = (await loadPlan({ scenario: 'default' })).load.rateRps;
  console.log(
    `\nproxy cost on the store path (server alone, update = set + get): ${ROUNDS} alternating rounds ` +
      `of 1 s at ${rate} updates/s and 1 s at ${CONCURRENCY} concurrent; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    'variant   | p50 µs direct → proxy | Δp50 µs per round median [min..max] | p99 µs direct → proxy ' +
      '| updates/s direct → proxy | Δ per round median [min..max]',
  );
  for (const variant of VARIANTS) console.log(await storePathRow(variant, rate));
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
