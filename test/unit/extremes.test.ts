import { afterEach, describe, expect, it, vi } from 'vitest';
import { maxOf, minOf } from '../../src/extremes.js';
import { watchGeneratorLag } from '../../src/runner/generatorLag.js';

describe('maxOf / minOf', () => {
  it('take a million values, where Math.max(...values) overflows the call stack', () => {
    const values = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_003);
    expect(() => Math.max(...values)).toThrow(RangeError);
    expect(maxOf(values)).toBe(values.reduce((a, b) => (b > a ? b : a)));
    expect(minOf(values)).toBe(0);
    expect(maxOf([], 0)).toBe(0);
    expect(minOf([])).toBe(Infinity);
  });
});

describe('watchGeneratorLag', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("summarizes a 15-minute load's 180,000 ticks (a real 10M-request run threw here)", () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const lag = watchGeneratorLag();
    vi.advanceTimersByTime(15 * 60_000);
    const figures = lag.stop();
    // Fake time runs every tick on schedule: no lag, no stall.
    expect(figures).toEqual({ lagP99Us: 0, lagMaxUs: 0, stalledMs: 0 });
  });
});
