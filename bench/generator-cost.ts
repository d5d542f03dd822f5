/**
 * What the load generator costs, against ONE app process with the `memory` store:
 *   a. wrk (Debian's `wrk`, one thread) with bench/wrk-session-mix.lua: the default
 *      mix of reads, updates and logouts, one logged-in user per connection;
 *   b. session-bench's saturation mode with the same connections, and its ratio to wrk;
 *   c. the open-loop (fixed-rate) driver's ceiling with one generator process: the
 *      highest rate with at most 1% late requests, every request sent and answered
 *      (bisected in short steps);
 *   d. saturation with --workers 1 and --workers 2.
 * Every session-bench figure is audited against the ledger as in a real run. wrk and
 * saturation alternate for a few rounds and the medians are compared (a shared 2-core
 * machine drifts); each also says the CPU its generator spent per request, the cost
 * that a 2-core machine takes from the app (this process's for session-bench, the
 * warm-up's logins included; wrk's from the shell's `times`).
 * Run: node --import tsx bench/generator-cost.ts [seconds] [rounds]
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadPlan } from '../src/config/loadPlan.js';
import { runMemory, startMemoryApp } from './memoryRun.js';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const stepSeconds = Math.max(3, Math.round(seconds / 2));
/** The saturation driver's default connections, which wrk gets too. */
const { connections } = (await loadPlan({ scenario: 'smoke', mode: 'saturation' })).load;
const LUA = fileURLToPath(new URL('wrk-session-mix.lua', import.meta.url));

interface Figure {
  rps: number;
  /** CPU of the generator per request, µs. */
  cpuUsPerRequest: number;
}

/** wrk's req/s and, from the shell's `times` (its children's user and system CPU), its CPU. */
async function wrk(url: string): Promise<Figure> {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '-s',
    LUA,
    url,
    '--',
    String(connections),
  ];
  const script = `wrk ${args.map((a) => `'${a}'`).join(' ')}; times`;
  const { stdout } = await promisify(execFile)('bash', ['-c', script]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const times = [...stdout.matchAll(/(\d+)m([\d.]+)s/g)].slice(-2);
  if (!rps || !total || times.length < 2) throw new Error(`wrk printed no figures:\n${stdout}`);
  const cpuS = times.reduce((sum, t) => sum + Number(t[1]) * 60 + Number(t[2]), 0);
  return { rps: Number(rps[1]), cpuUsPerRequest: (cpuS * 1e6) / Number(total[1]) };
}

async function saturation(appUrl: string, workers = 1): Promise<Figure> {
  const before = process.cpuUsage();
  const r = await runMemory(
    { appUrl, mode: 'saturation', duration: `${seconds}s`, users: '10000' },
    { workers },
  );
  const cpu = process.cpuUsage(before);
  return { rps: r.throughputRps, cpuUsPerRequest: (cpu.user + cpu.system) / r.requests.total };
}

/** One fixed-rate step: kept means every request answered without error and <= 1% late. */
async function fixedStep(appUrl: string, rateRps: number): Promise<boolean> {
  const r = await runMemory({
    appUrl,
    rate: String(rateRps),
    duration: `${stepSeconds}s`,
    users: '20000',
  });
  const expected = rateRps * stepSeconds;
  const failed = r.requests.errors + r.requests.timeouts;
  const kept = r.requests.total === expected && failed === 0 && r.requests.late <= 0.01 * expected;
  console.log(
    `    ${String(rateRps).padStart(6)} req/s: ${r.requests.total}/${expected} answered, ` +
      `late ${((100 * r.requests.late) / expected).toFixed(2)}%, errors ${failed}, ` +
      `p99 ${(r.latencyUs.p99 / 1000).toFixed(1)} ms -> ${kept ? 'kept' : 'NOT kept'}`,
  );
  return kept;
}

const hundreds = (rps: number) => Math.round(rps / 100) * 100;

/**
 * The highest kept rate: up from 0.2x wrk by 25% a step until one is not kept (an
 * overloaded open loop queues without bound, so it does not start high), then two
 * bisections between the last kept rate and the first one missed.
 */
async function openLoopCeiling(appUrl: string, wrkRps: number): Promise<number> {
  let low = 0;
  let high = hundreds(0.2 * wrkRps);
  while (await fixedStep(appUrl, high)) [low, high] = [high, hundreds(high * 1.25)];
  for (let i = 0; i < 2 && high - low > 200; i++) {
    const rate = hundreds((low + high) / 2);
    if (await fixedStep(appUrl, rate)) low = rate;
    else high = rate;
  }
  return low;
}

const median = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const show = (f: Figure) =>
  `${f.rps.toFixed(0).padStart(6)} req/s, ${f.cpuUsPerRequest.toFixed(1)} µs CPU/request`;

const app = await startMemoryApp();
try {
  console.log(
    `generator cost against one app (${app.url}), memory, ${connections} connections, ${seconds}s runs, median of ${rounds}`,
  );
  const wrks: Figure[] = [];
  const sats: Figure[] = [];
  for (let round = 1; round <= rounds; round++) {
    wrks.push(await wrk(app.url));
    sats.push(await saturation(app.url));
    console.log(`  round ${round}: wrk ${show(wrks.at(-1)!)} | saturation ${show(sats.at(-1)!)}`);
  }
  const w = {
    rps: median(wrks.map((f) => f.rps)),
    cpuUsPerRequest: median(wrks.map((f) => f.cpuUsPerRequest)),
  };
  const sat = {
    rps: median(sats.map((f) => f.rps)),
    cpuUsPerRequest: median(sats.map((f) => f.cpuUsPerRequest)),
  };
  console.log(`  a. wrk (1 thread, session mix):   ${show(w)}`);
  console.log(
    `  b. session-bench saturation:      ${show(sat)} = ${(sat.rps / w.rps).toFixed(2)}x wrk (target >= 0.9x)`,
  );
  console.log(`  c. open-loop ceiling (${stepSeconds}s steps, <= 1% late):`);
  const ceiling = await openLoopCeiling(app.url, w.rps);
  console.log(
    `     highest kept: ${ceiling} req/s = ${(ceiling / w.rps).toFixed(2)}x wrk (target >= 0.5x)`,
  );
  const one = await saturation(app.url, 1);
  const two = await saturation(app.url, 2);
  console.log(`  d. saturation --workers 1:        ${one.rps.toFixed(0)} req/s`);
  console.log(
    `     saturation --workers 2:        ${two.rps.toFixed(0)} req/s (${(two.rps / one.rps).toFixed(2)}x of 1 worker)`,
  );
} finally {
  await app.stop();
}
