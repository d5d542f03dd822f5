import { describe, expect, it } from 'vitest';
import { runFaults, type FaultRunnerContext } from '../../src/faults/faultRunner.js';
import { Measurements } from '../../src/load/measurements.js';

describe('runFaults', () => {
  it('an interrupt skips a fault still waiting for its time, without waiting for that time', async () => {
    const controller = new AbortController();
    // Only the clock and the signal are read before a fault's time comes.
    const ctx = {
      measurements: new Measurements(),
      signal: controller.signal,
      seed: 1,
      targets: new Map(),
    } as unknown as FaultRunnerContext;
    const started = performance.now();
    const runs = runFaults([{ atMs: 60_000, action: 'kill', target: 'app' }], ctx);
    setTimeout(() => controller.abort(), 50);
    const executions = await runs;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(executions).toEqual([
      {
        plan: { atMs: 60_000, action: 'kill', target: 'app' },
        status: 'skipped',
        reason: 'run aborted',
        targets: [],
      },
    ]);
  });
});
