import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isRunId,
  runIdInName,
  runKeyPrefix,
  runName,
  runTableName,
} from '../../src/lifecycle/runNames.js';
import { findLeftovers } from '../../src/providers/processLeftovers.js';
import { newRunId } from '../../src/lifecycle/runNames.js';

describe('run names', () => {
  it('every name made from a run id gives that run id back', () => {
    const runId = newRunId();
    expect(isRunId(runId)).toBe(true);
    expect(runIdInName(runName(runId, 'redis-aof', 'node0'))).toBe(runId);
    expect(runIdInName(`${runName(runId)}-Q6ltXk`)).toBe(runId);
    expect(runIdInName('session-bench-test-abc')).toBeUndefined();
    expect(runIdInName(`${runName(runId)}-x/../y`)).toBeUndefined();
  });

  it('a key prefix and a table name carry the run id in the characters their servers allow', () => {
    const runId = '20260101T000000-abcdef';
    // memcached keys: no spaces or control characters; Redis SCAN MATCH: no glob characters.
    expect(runKeyPrefix(runId)).toBe('session-bench:20260101T000000-abcdef:');
    expect(runKeyPrefix(runId)).not.toMatch(/[\s*?[\]\\]/);
    // An unquoted SQL name of at most 64 characters.
    expect(runTableName(runId)).toBe('session_bench_20260101T000000_abcdef');
    expect(runTableName(runId)).toMatch(/^[A-Za-z0-9_]{1,64}$/);
  });

  it('clean finds a run folder by the scheme, and reads its run id from the name', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'runnames-'));
    try {
      const runId = newRunId();
      const dir = await mkdtemp(path.join(root, `${runName(runId)}-`));
      await mkdtemp(path.join(root, 'session-bench-out-'));
      const found = await findLeftovers([root]);
      expect(found.map((f) => [f.dir, f.runId])).toEqual([[dir, runId]]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
