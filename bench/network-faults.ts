/**
 * The fault proxy's own cost and the network-fault table, on local processes.
 *
 * 1. For redis, memcached, mysql and postgres (default variants): p50/p99 at the default
 *    scenario's rate and saturation throughput, without and with the proxy
 *    (topology.proxy: true, no fault). Target: under 100 µs added to p50, under 10%
 *    throughput lost at saturation. Direct and proxied runs alternate (ABAB, then BABA)
 *    and backends take turns, so load from other work on the machine hits both sides;
 *    the table gives medians and the spread of the paired differences.
 * 2. backend × {latency 200 ms for 5 s, partition 5 s, reset, down 3 s}: errors in
 *    the fault's window, users logged out, unavailableMs, recoveryMs, and how the
 *    app answered during it (ok / 503 / 401); 15 s of load per run.
 * App, proxy, load generator and server share this machine's cores.
 *
 * Run: [REPEATS=3] node --import tsx bench/network-faults.ts [seconds per measurement] [overhead|faults]
 */
import os from 'node:os';
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
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
if (only !== 'faults') await overhead();
if (only !== 'overhead') await faultTable();
