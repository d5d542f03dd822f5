/**
 * Server backends on local processes, each at its default variant (redis,
 * memcached, mysql): session-bench's saturation throughput and its fixed-rate
 * p50/p99 at the default scenario's rate (350 req/s, 10,000 users), next to what
 * the server itself serves to a plain client loop: redis-benchmark, and a memjs /
 * ioredis / mysql2 loop with the same value size and a 3:1 read:write mix. The
 * share says how much of the server's capacity the session path reaches; every
 * HTTP request costs the app about 1.3 store operations (reads 1, updates 2).
 * App, load generator and server share this machine's cores.
 *
 * Run: node --import tsx bench/backends.ts [seconds per measurement]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import mysql from 'mysql2/promise';
import { MEMJS_OPTIONS } from '../src/backends/memcached.js';
import { SESSIONS_TABLE } from '../src/backends/mysql.js';
import { backendOf } from '../src/backends/registry.js';
import { loadPlan } from '../src/config/loadPlan.js';
import { EventLog } from '../src/lifecycle/eventLog.js';
import { findBinary, processProvider, runCommand } from '../src/providers/process.js';
import type { Started } from '../src/providers/provider.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';
import { newRunId } from '../src/lifecycle/runNames.js';

const seconds = Number(process.argv[2] ?? 10);
const VARIANTS = ['redis', 'memcached', 'mysql'];
/** A session as the app stores it: ~1 KB payload plus its JSON envelope. */
const VALUE = JSON.stringify({
  id: randomBytes(16).toString('hex'),
  userId: 1,
  counter: 1,
  payload: randomBytes(768).toString('base64'),
});
const KEYS = 10_000;
const CONCURRENCY = 64;
const signal = new AbortController().signal;

async function sessionPath(
  variant: string,
  mode: 'fixed' | 'saturation',
): Promise<VariantResult & { rateRps: number }> {
  // The default scenario's load (rate, users), without its faults: a clean measurement.
  const defaults = (await loadPlan({ scenario: 'default' })).load;
  const plan = await loadPlan({
    scenario: 'smoke',
    backends: variant,
    provider: 'process',
    mode,
    duration: `${seconds}s`,
    // Saturation has no rate (closed loop): --rate is refused there.
    ...(mode === 'fixed' ? { rate: String(defaults.rateRps) } : {}),
    users: String(defaults.users),
  });
  plan.load.payloadBytes = defaults.payloadBytes;
  const run = await runPlan(plan, { signal });
  const result = run.results[0]!;
  if (result.status !== 'completed') throw new Error(`${variant} ${mode}: ${result.reason}`);
  return { ...result, rateRps: plan.load.rateRps };
}

/** Starts the variant's server alone, for the server-side measurement. */
async function withServer<T>(
  variant: string,
  use: (started: Started, settings: Record<string, string>) => Promise<T>,
): Promise<T> {
  const spec = backendOf(variant).serverSpec!(variant, { nodes: 1 });
  const workDir = await mkdtemp(path.join(os.tmpdir(), `session-bench-bench-`));
  const started = await processProvider.start(spec, {
    runId: newRunId(),
    workDir,
    events: new EventLog(),
    signal,
  });
  try {
    return await use(started, spec.settings);
  } finally {
    await started.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** CONCURRENCY workers run `op` for `seconds`; returns operations per second. */
async function loop(op: (key: string, write: boolean) => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const n = i++;
        await op(`k${n % KEYS}`, n % 4 === 3);
        ops++;
      }
    }),
  );
  return ops / seconds;
}

const hostPort = (endpoint: string) => ({
  host: endpoint.split(':')[0]!,
  port: Number(endpoint.split(':')[1]),
});

async function redisCapacity(started: Started): Promise<string[]> {
  const { port } = hostPort(started.nodes[0]!.endpoint);
  const lines: string[] = [];
  const tool = await findBinary(['redis-benchmark']);
  if (tool) {
    const out = await runCommand(tool, [
      ...['-h', '127.0.0.1', '-p', String(port), '-q', '-t', 'get,set'],
      ...['-n', String(Math.max(50_000, seconds * 20_000)), '-c', String(CONCURRENCY)],
      ...['-d', String(VALUE.length)],
    ]);
    for (const [, command, rps] of out.matchAll(/(SET|GET): ([\d.]+) requests per second/g)) {
      lines.push(`redis-benchmark ${command}: ${Number(rps).toFixed(0)} ops/s`);
    }
  } else {
    lines.push('redis-benchmark not found');
  }
  const client = new Redis({ port, host: '127.0.0.1' });
  try {
    const rps = await loop((key, write) =>
      write ? client.set(key, VALUE, 'PX', 3_600_000) : client.get(key),
    );
    lines.push(`ioredis loop (3 get : 1 set): ${rps.toFixed(0)} ops/s`);
    return lines;
  } finally {
    client.disconnect();
  }
}

async function memcachedCapacity(started: Started): Promise<string[]> {
  const client = memjs.Client.create(started.nodes[0]!.endpoint, MEMJS_OPTIONS);
  try {
    for (let k = 0; k < KEYS; k += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => client.set(`k${k + j}`, VALUE, { expires: 3600 })),
      );
    }
    const rps = await loop((key, write) =>
      write ? client.set(key, VALUE, { expires: 3600 }) : client.get(key),
    );
    return [`memjs loop (3 get : 1 set): ${rps.toFixed(0)} ops/s`];
  } finally {
    client.close();
  }
}

async function mysqlCapacity(
  started: Started,
  settings: Record<string, string>,
): Promise<string[]> {
  const pool = mysql.createPool({
    ...hostPort(started.nodes[0]!.endpoint),
    user: settings.user,
    password: settings.password,
    database: settings.database,
    connectionLimit: 32,
  });
  const upsert =
    'INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?) ' +
    'ON DUPLICATE KEY UPDATE data = VALUES(data), expires_at = VALUES(expires_at)';
  try {
    await pool.query(SESSIONS_TABLE);
    for (let k = 0; k < KEYS; k += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          pool.query(upsert, [`k${k + j}`, VALUE, Date.now() + 3_600_000]),
        ),
      );
    }
    const rps = await loop((key, write) =>
      write
        ? pool.query(upsert, [key, VALUE, Date.now() + 3_600_000])
        : pool.query('SELECT data FROM sessions WHERE id = ? AND expires_at > ?', [
            key,
            Date.now(),
          ]),
    );
    const reads = await loop((key) =>
      pool.query('SELECT data FROM sessions WHERE id = ? AND expires_at > ?', [key, Date.now()]),
    );
    return [
      `mysql2 loop (3 select : 1 upsert, autocommit): ${rps.toFixed(0)} ops/s`,
      `mysql2 loop (select only): ${reads.toFixed(0)} ops/s`,
    ];
  } finally {
    await pool.end();
  }
}

const CAPACITY: Record<
  string,
  (started: Started, settings: Record<string, string>) => Promise<string[]>
> = { redis: redisCapacity, memcached: memcachedCapacity, mysql: mysqlCapacity };

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
console.log(
  `server backends, process provider, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${seconds} s per measurement`,
);
for (const variant of VARIANTS) {
  const saturation = await sessionPath(variant, 'saturation');
  const fixed = await sessionPath(variant, 'fixed');
  const capacity = await withServer(variant, CAPACITY[variant]!);
  const best = Math.max(...capacity.map((line) => Number(/([\d.]+) ops\/s/.exec(line)?.[1] ?? 0)));
  console.log(`\n${variant}: ${saturation.server?.name} ${saturation.server?.version}`);
  console.log(
    `  session path, saturation (64 connections): ${saturation.throughputRps.toFixed(0)} req/s, ` +
      `p50 ${ms(saturation.latencyUs.p50)}, p99 ${ms(saturation.latencyUs.p99)}, errors ${saturation.requests.errors}`,
  );
  console.log(
    `  session path, fixed ${fixed.rateRps} req/s: achieved ${fixed.throughputRps.toFixed(0)} req/s, ` +
      `p50 ${ms(fixed.latencyUs.p50)}, p99 ${ms(fixed.latencyUs.p99)}, p99.9 ${ms(fixed.latencyUs.p999)}, ` +
      `errors ${fixed.requests.errors}, late ${fixed.requests.late}`,
  );
  for (const line of capacity) console.log(`  server alone: ${line}`);
  const storeOps = saturation.throughputRps * 1.3;
  console.log(
    `  share: the saturated session path drives ~${storeOps.toFixed(0)} store ops/s ` +
      `(${saturation.throughputRps.toFixed(0)} req/s x ~1.3), ${((storeOps / best) * 100).toFixed(0)}% of the best server-alone figure`,
  );
}
