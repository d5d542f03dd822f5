import { describe, expect, it } from 'vitest';
import { backendOf } from '../../src/backends/registry.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { InterruptedError, RuntimeError } from '../../src/errors.js';
import { assembleResult, recordFailure } from '../../src/runner/variantResult.js';
import type { VariantRun } from '../../src/runner/variantRun.js';
import { newVariantState } from '../../src/runner/variantState.js';

async function variantRun(): Promise<VariantRun> {
  return {
    runId: 'test',
    variant: 'memory',
    backend: backendOf('memory'),
    plan: await loadPlan({ scenario: 'smoke' }),
    secret: 'test-secret',
    workDir: '/nonexistent',
    signal: new AbortController().signal,
  };
}

describe('recordFailure', () => {
  it('maps InterruptedError to aborted, whoever threw it (a server start, warm-up, sweep)', async () => {
    const run = await variantRun();
    const state = newVariantState(run);
    recordFailure(run, state, new InterruptedError('interrupted while starting redis'));
    expect(state.result).toMatchObject({ status: 'aborted', reason: 'interrupted' });
  });

  it('anything else is failed, with the reason and the log tail', async () => {
    const run = await variantRun();
    const state = newVariantState(run);
    recordFailure(run, state, new RuntimeError('redis would not start', ['port in use']));
    expect(state.result).toMatchObject({
      status: 'failed',
      reason: 'redis would not start',
      logTail: ['port in use'],
    });
  });
});

describe('assembleResult', () => {
  it('a variant that failed before its load has no stall, no timeline, its faults skipped', async () => {
    const run = await variantRun();
    run.plan.faults = [{ atMs: 1_000, action: 'kill', target: 'app' }];
    const state = newVariantState(run);
    recordFailure(run, state, new RuntimeError('redis did not answer within 30000 ms'));
    // The start hung well past the load's timeout before it failed.
    state.measurements.originMs = performance.now() - 30_000;
    assembleResult(run, state);
    expect(state.result.status).toBe('failed');
    expect(state.result.stalled).toBeUndefined();
    expect(state.result.timeline).toEqual([]);
    expect(state.result.throughputRps).toBe(0);
    expect(state.result.faults).toMatchObject([
      {
        action: 'kill',
        status: 'skipped',
        reason: expect.stringMatching(/failed before its load/),
      },
    ]);
  });
});
