import { describe, expect, it } from 'vitest';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('fixed mode measures latency from the intended send time', () => {
  it('a 1 s stall at 200 req/s shows in p99 (700-1300 ms) but not in p50, with every request counted', async () => {
    const run = await runSmoke({
      backends: 'memory',
      rate: '200',
      duration: '10s',
      users: '1000',
      faults: ['pause:app@4s:1s'],
    });
    const memory = resultFor(run, 'memory');
    const p99Ms = memory.latencyUs.p99 / 1000;
    const p50Ms = memory.latencyUs.p50 / 1000;
    expect(p99Ms).toBeGreaterThanOrEqual(700);
    expect(p99Ms).toBeLessThanOrEqual(1300);
    expect(p50Ms).toBeLessThan(50);
    // 200 req/s for 10 s: every arrival is sent and counted, none silently dropped.
    expect(memory.requests.total).toBe(2000);
    expect(memory.requests.ok).toBe(2000);
    const pause = memory.faults[0]!;
    expect(pause.unavailableMs).toBeGreaterThan(500);
    expect(pause.unavailableMs).toBeLessThan(1500);
    expect(pause.recoveryMs).not.toBeNull();
    expect(memory.audit.loggedOutUsers).toBe(0);
    // The generator's own loop is timed too (whether it, not the app, made requests late).
    expect(memory.generator?.lagMaxUs).toBeGreaterThan(0);
    expect(memory.generator?.behind).toBeTypeOf('boolean');
  });
});
