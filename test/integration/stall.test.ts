import { describe, expect, it } from 'vitest';
import { stallingBackend } from '../fixtures/stallingStore.js';
import { runBackend, smokePlan } from '../helpers/runScenario.js';

describe('a variant whose answers stop', () => {
  it('is reported stalled, with when and for how long, not as a clean completion', async () => {
    const plan = await smokePlan({ duration: '6s', users: '50' });
    // Requests give up after 500 ms, long before the 3 s the store hangs.
    plan.load.timeoutMs = 500;
    const result = await runBackend(stallingBackend, 'stalling', plan);
    expect(result.stalled, JSON.stringify(result.timeline)).toBeDefined();
    expect(result.stalled!.atMs).toBeGreaterThan(500);
    expect(result.stalled!.atMs).toBeLessThan(4_000);
    expect(result.stalled!.forMs).toBeGreaterThan(2_000);
    expect(result.stalled!.forMs).toBeLessThan(4_000);
    expect(result.requests.timeouts).toBeGreaterThan(0);
  });
});
