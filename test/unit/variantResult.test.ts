import { describe, expect, it } from 'vitest';
import { backendOf } from '../../src/backends/registry.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { InterruptedError, RuntimeError } from '../../src/errors.js';
import { recordFailure } from '../../src/runner/variantResult.js';
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
