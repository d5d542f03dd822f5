/**
 * Harness overhead: session-bench's saturation throughput with the `memory` backend,
 * as a ratio to plain autocannon against a bare node:http server answering "ok".
 * Both servers are child processes and both loads use the same connections and time.
 * The two alternate for a few rounds and the medians are compared, since a shared
 * 2-core machine drifts between runs.
 * Run: node --import tsx bench/harness-overhead.ts [seconds] [rounds]
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { freePort } from '../src/lifecycle/freePort.js';
import { runMemory } from './memoryRun.js';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const connections = 64;

async function bareServerThroughput(): Promise<number> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('up'))`;
  const server = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.once('data', resolve));
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
    });
    return result.requests.total / result.duration;
  } finally {
    server.kill('SIGTERM');
  }
}

async function sessionBenchThroughput(): Promise<number> {
  const memory = await runMemory(
    { mode: 'saturation', duration: `${seconds}s`, users: '10000' },
    { adjust: (plan) => (plan.load.connections = connections) },
  );
  return memory.throughputRps;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const bare: number[] = [];
const ours: number[] = [];
for (let round = 1; round <= rounds; round++) {
  bare.push(await bareServerThroughput());
  ours.push(await sessionBenchThroughput());
  console.log(
    `round ${round}: bare ${bare.at(-1)!.toFixed(0)} req/s, session-bench ${ours.at(-1)!.toFixed(0)} req/s`,
  );
}
console.log(
  `harness overhead (${connections} connections, ${seconds}s per run, median of ${rounds}):`,
);
console.log(`  autocannon -> bare node:http "ok":         ${median(bare).toFixed(0)} req/s`);
console.log(`  session-bench saturation -> app + memory:  ${median(ours).toFixed(0)} req/s`);
console.log(`  ratio: ${(median(ours) / median(bare)).toFixed(2)} (target >= 0.6)`);
