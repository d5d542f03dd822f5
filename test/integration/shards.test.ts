import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisBackend } from '../../src/backends/redis.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { processProvider } from '../../src/providers/process.js';
import type { Started } from '../../src/providers/provider.js';
import type { RunResult } from '../../src/result/result.js';
import { resultsIn, runCli } from '../helpers/cliProcess.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';

const missing = await missingServers([['redis-server']]);

const USERS = 60;
const RATE_RPS = 90;

/**
 * One run on three generators against one store: three `run --shard i/3` processes
 * (each with its own app) on one redis the test starts, their load aligned by
 * --start-at, then `merge`. The merged figures are the shards' sums.
 */
describe.skipIf(skipServerTests(missing))('a 3-shard run merged', () => {
  let workDir: string;
  let redis: Started;
  let shards: { file: string; result: RunResult }[];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'shards-'));
    const spec = redisBackend.serverSpec!('redis:none', { nodes: 1 });
    const ctx = {
      runId: newRunId(),
      workDir,
      events: new EventLog(),
      signal: new AbortController().signal,
    };
    redis = await processProvider.start(spec, ctx);
    // Room for three CLIs to start on a shared machine (tsx, app, warm-up) before the load.
    const startAt = new Date(Date.now() + 25_000).toISOString();
    const shardRun = (i: number) =>
      runCli(
        [
          'run',
          '--scenario',
          'smoke',
          '--backends',
          'redis',
          '--provider',
          'external',
          '--target',
          `redis=redis://${redis.nodes[0]!.endpoint}`,
          '--users',
          String(USERS),
          '--rate',
          String(RATE_RPS),
          '--duration',
          '3s',
          '--faults',
          'none',
          '--shard',
          `${i}/3`,
          '--start-at',
          startAt,
          '--out',
          path.join(workDir, 'shards'),
          '--quiet',
        ],
        { timeoutMs: 90_000 },
      );
    const exits = await Promise.all([1, 2, 3].map(shardRun));
    for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
    shards = await resultsIn(path.join(workDir, 'shards'));
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('has the servers installed', () => {
    expect(missing, 'install them with .ci/setup-servers.sh').toEqual([]);
  });

  it('drove disjoint slices at a third of the rate each, loads aligned', () => {
    expect(shards.map((s) => s.result.shard!.users).sort((a, b) => a.from - b.from)).toEqual([
      { from: 0, to: 20 },
      { from: 20, to: 40 },
      { from: 40, to: 60 },
    ]);
    expect(new Set(shards.map((s) => s.result.shard!.runId)).size).toBe(1);
    const starts = shards.map((s) => Date.parse(s.result.results[0]!.loadStartedAt!));
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(1_000);
    for (const s of shards) {
      const v = s.result.results[0]!;
      expect(v.status, v.reason).toBe('completed');
      expect(v.users.total).toBe(20);
      // 3 s at 30 req/s.
      expect(v.requests.total).toBe(90);
      // The shards shared the store and none removed another's sessions.
      expect(v.audit.loggedOutUsers).toBe(0);
      expect(v.audit.wrongUserSessions).toBe(0);
    }
  });

  it('merges into totals equal to the sums, and the merged result renders', async () => {
    const out = path.join(workDir, 'merged.json');
    const merge = await runCli(['merge', ...shards.map((s) => s.file), '--out', out]);
    expect(merge.code, merge.stderr).toBe(0);
    const [merged] = (await resultsIn(workDir)).filter((r) => r.file === out);
    const variant = merged!.result.results[0]!;
    const sum = (pick: (r: RunResult) => number) => shards.reduce((a, s) => a + pick(s.result), 0);
    expect(variant.requests.total).toBe(sum((r) => r.results[0]!.requests.total));
    expect(variant.requests.ok).toBe(sum((r) => r.results[0]!.requests.ok));
    expect(variant.audit.loginWallHits).toBe(sum((r) => r.results[0]!.audit.loginWallHits));
    expect(variant.users.total).toBe(USERS);
    expect(variant.latencyUs.max).toBe(
      Math.max(...shards.map((s) => s.result.results[0]!.latencyUs.max)),
    );
    const report = await runCli(['report', out, '--format', 'md']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('redis');
  });

  it('refuses a set with a shard missing, naming it (exit 2)', async () => {
    const two = shards.filter((s) => s.result.shard!.index !== 2).map((s) => s.file);
    const merge = await runCli(['merge', ...two, '--out', path.join(workDir, 'no.json')]);
    expect(merge.code).toBe(2);
    expect(merge.stderr).toContain('shard 2/3 is missing');
  });
});
