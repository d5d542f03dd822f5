import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/lifecycle/sleep.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('sleep', () => {
  it('lasts at least what was asked on performance.now(), the clock of the figures', async () => {
    // A bare setTimeout fires up to 1 ms early on this clock in a few % of these
    // waits (libuv counts whole ms); 300 waits make a miss near certain without the fix.
    const short: number[] = [];
    for (let i = 0; i < 300; i++) {
      const askedMs = 1 + (i % 3);
      await new Promise((resolve) => setImmediate(resolve));
      busy(0.5);
      const startMs = performance.now();
      await sleep(askedMs);
      const tookMs = performance.now() - startMs;
      if (tookMs < askedMs) short.push(tookMs);
    }
    expect(short).toEqual([]);
  });

  it('ends at once when its signal aborts, and at once when it already has', async () => {
    const controller = new AbortController();
    const startMs = performance.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    await sleep(10_000, controller.signal);
    // Far below the 10 s it would sleep without the signal.
    expect(performance.now() - startMs).toBeLessThan(2_500);
  });
});
