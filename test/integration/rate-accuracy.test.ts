import { describe, expect, it } from 'vitest';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('fixed mode sustains the asked rate', () => {
  it('1,000 req/s for 10 s lands within 2%', async () => {
    const run = await runSmoke({
      backends: 'memory',
      rate: '1000',
      duration: '10s',
      users: '2000',
    });
    const memory = resultFor(run, 'memory');
    expect(memory.requests.total).toBe(10_000);
    expect(memory.requests.errors + memory.requests.timeouts).toBe(0);
    expect(memory.throughputRps).toBeGreaterThanOrEqual(980);
    expect(memory.throughputRps).toBeLessThanOrEqual(1020);
    // Each full second of the timeline carries the rate too, not just the average (10%:
    // answers are counted in the second they complete, and a 50 ms hiccup of a busy
    // machine moves 50 of them over a second's edge; bursts or gaps move hundreds).
    const fullSeconds = memory.timeline.slice(1, -1);
    for (const second of fullSeconds)
      expect(Math.abs(second.rps - 1000), `t=${second.tMs}`).toBeLessThan(100);
  });
});
