import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOfRun } from '../../src/cli/exitCodes.js';
import type { RunResult, ThresholdVerdict } from '../../src/result/result.js';
import { FIXTURE } from '../helpers/reportFixture.js';

function run(change: (r: RunResult) => void): RunResult {
  const result = structuredClone(FIXTURE);
  result.thresholds = [];
  change(result);
  return result;
}

const failedVerdict: ThresholdVerdict = {
  expression: 'p99<1ms',
  variant: 'memory',
  metric: 'p99',
  status: 'failed',
  value: 2000,
  limit: 1000,
  message: 'memory: p99 = 2 ms, limit < 1 ms: failed',
};

describe('exit code of a finished run', () => {
  it('is 0 for a clean run', () => {
    expect(exitCodeOfRun(run(() => {}))).toBe(EXIT.ok);
  });

  it('is 1 when a variant stalled, though its status says completed', () => {
    const stalled = run((r) => (r.results[0]!.stalled = { atMs: 2_000, forMs: 5_000 }));
    expect(stalled.results[0]!.status).toBe('completed');
    expect(exitCodeOfRun(stalled)).toBe(EXIT.runtime);
  });

  it('is 1 when a variant failed, before any threshold verdict', () => {
    const failed = run((r) => {
      r.results[0]!.status = 'failed';
      r.thresholds = [failedVerdict];
    });
    expect(exitCodeOfRun(failed)).toBe(EXIT.runtime);
  });

  it('is 99 when only a threshold failed', () => {
    expect(exitCodeOfRun(run((r) => (r.thresholds = [failedVerdict])))).toBe(EXIT.thresholds);
  });
});
