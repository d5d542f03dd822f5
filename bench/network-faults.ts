/**
 * The fault proxy's own cost and the network-fault table, on local processes.
 *
 * 1. For redis, memcached and mysql (default variants): p50/p99 at the default
 *    scenario's rate and saturation throughput, without and with the proxy
 *    (topology.proxy: true, no fault). Target: under 100 µs added to p50, under
 *    10% throughput lost at saturation.
 * 2. backend × {latency 200 ms for 5 s, partition 5 s, reset, down 3 s}: errors in
 *    the fault's window, users logged out, unavailableMs, recoveryMs, and how the
 *    app answered during it (ok / 503 / 401).
 * App, proxy, load generator and server share this machine's cores.
 *
 * Run: [REPEATS=3] node --import tsx bench/network-faults.ts [seconds per measurement] [overhead|faults]
 */
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

const seconds = Number(process.argv[2] ?? 8);
const VARIANTS = ['redis', 'memcached', 'mysql'];
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

const ms = (us: number) => (us / 1000).toFixed(2);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/**
 * Direct and proxied runs alternate REPEATS times and the medians are compared: on a
 * shared machine one pair of runs swings by more than the proxy costs.
 */
async function overhead(): Promise<void> {
  const rate = String((await loadPlan({ scenario: 'default' })).load.rateRps);
  console.log(
    `proxy cost: fixed ${rate} req/s and saturation, ${seconds}s each, ${USERS} users, median of ${REPEATS} alternating pairs`,
  );
  console.log(
    'variant    | p50 ms direct → proxy (Δ µs) | p99 ms direct → proxy | saturation req/s direct → proxy (Δ %)',
  );
  for (const variant of VARIANTS) {
    const fixed = { mode: 'fixed', rate, duration: `${seconds}s` };
    const sat = { mode: 'saturation', duration: `${seconds}s` };
    const figures = { p50: [[], []], p99: [[], []], rps: [[], []] } as Record<string, number[][]>;
    for (let k = 0; k < REPEATS; k++) {
      for (const proxied of [0, 1]) {
        const f = await run(variant, fixed, proxied === 1);
        const s = await run(variant, sat, proxied === 1);
        figures.p50![proxied]!.push(f.latencyUs.p50);
        figures.p99![proxied]!.push(f.latencyUs.p99);
        figures.rps![proxied]!.push(s.throughputRps);
      }
    }
    const [p50d, p50p] = figures.p50!.map(median) as [number, number];
    const [p99d, p99p] = figures.p99!.map(median) as [number, number];
    const [rpsd, rpsp] = figures.rps!.map(median) as [number, number];
    const loss = (1 - rpsp / rpsd) * 100;
    console.log(
      `${variant.padEnd(10)} | ${ms(p50d)} → ${ms(p50p)} (${p50p - p50d >= 0 ? '+' : ''}${p50p - p50d}) ` +
        `| ${ms(p99d)} → ${ms(p99p)} | ${rpsd} → ${rpsp} (${loss >= 0 ? '-' : '+'}${Math.abs(loss).toFixed(1)}%)`,
    );
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
    'variant    | fault              | errors | logged out | unavailable | recovery | during: ok / 503 / 401',
  );
  for (const variant of VARIANTS) {
    for (const fault of FAULTS) {
      const result = await run(variant, { rate: '100', duration: '15s', faults: [fault] });
      const f = result.faults[0]!;
      const a = f.answers;
      console.log(
        `${variant.padEnd(10)} | ${fault.split('@')[0]!.padEnd(18)} | ${String(f.errorsDuringFault).padStart(6)} ` +
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
