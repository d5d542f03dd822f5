import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/result/latencyHistogram.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { runCli } from '../helpers/cliProcess.js';

const USERS = 40;
const RATE_RPS = 100;

/**
 * `--workers 2` against `--workers 1` on the same plan: memory sessions, the app
 * killed once at 1.5 s (which forgets every session). Every arrival is counted once,
 * the fault fires once, and the audit tells the same story.
 */
describe('run --workers', () => {
  let dir: string;
  const results = new Map<number, VariantResult>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'workers-'));
    for (const workers of [1, 2]) {
      const exit = await runCli([
        'run',
        '--scenario',
        'smoke',
        '--backends',
        'memory',
        '--users',
        String(USERS),
        '--rate',
        String(RATE_RPS),
        '--duration',
        '3s',
        '--faults',
        'none',
        '--fault',
        'kill:app@1500ms',
        '--workers',
        String(workers),
        '--out',
        dir,
        '--json',
        '--quiet',
      ]);
      expect(exit.code, exit.stderr).toBe(0);
      const result = JSON.parse(exit.stdout) as RunResult;
      expect(result.workers).toBe(workers === 1 ? undefined : workers);
      results.set(workers, result.results[0]!);
    }
  }, 120_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('counts every request once, over all users', () => {
    const two = results.get(2)!;
    expect(two.status, two.reason).toBe('completed');
    expect(two.requests.total).toBe(RATE_RPS * 3);
    expect(two.users.total).toBe(USERS);
    expect(two.timeline.reduce((a, p) => a + p.rps, 0)).toBe(two.requests.ok);
    expect(decodeHistogram(two.latencyHistogram!).totalCount).toBe(RATE_RPS * 3);
  });

  it('fires the fault once, from the runner', () => {
    const two = results.get(2)!;
    expect(two.faults).toHaveLength(1);
    expect(two.faults[0]!.status).toBe('done');
    expect(two.events.filter((e) => e.event.startsWith('fault'))).toHaveLength(1);
    expect(two.stalled).toBeUndefined();
    expect(two.unexpectedExits).toBeUndefined();
  });

  it('audits like one generator: the kill logs out (nearly) everyone either way', () => {
    const [one, two] = [results.get(1)!, results.get(2)!];
    // Users the workload itself logged out just before the kill are not lost: a few.
    for (const r of [one, two]) expect(r.audit.loggedOutUsers).toBeGreaterThanOrEqual(USERS - 6);
    expect(Math.abs(one.audit.loggedOutUsers - two.audit.loggedOutUsers)).toBeLessThanOrEqual(6);
    expect(two.audit.wrongUserSessions).toBe(0);
    expect(two.audit.unverifiedUsers).toBe(0);
  });

  it('drives saturation mode too (a closed loop in each worker)', async () => {
    const exit = await runCli([
      'run',
      '--scenario',
      'smoke',
      '--backends',
      'memory',
      '--mode',
      'saturation',
      '--users',
      String(USERS),
      '--duration',
      '2s',
      '--faults',
      'none',
      '--workers',
      '2',
      '--out',
      dir,
      '--json',
      '--quiet',
    ]);
    expect(exit.code, exit.stderr).toBe(0);
    const variant = (JSON.parse(exit.stdout) as { results: VariantResult[] }).results[0]!;
    expect(variant.status, variant.reason).toBe('completed');
    // The runner's own events keep their names (app0 started, stopped).
    expect(variant.events.some((e) => e.target === 'app0')).toBe(true);
    // Every request of both generators is in the merged histogram, once.
    expect(decodeHistogram(variant.latencyHistogram!).totalCount).toBe(variant.requests.total);
    expect(variant.requests.total).toBeGreaterThan(0);
    expect(variant.audit.wrongUserSessions).toBe(0);
  }, 60_000);
});
