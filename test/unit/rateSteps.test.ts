import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { rateText } from '../../src/config/planSummary.js';
import { arrivalsFor, stepStartsMs } from '../../src/load/arrivals.js';

/** Every arrival time of a load, in order. */
function allArrivals(load: Parameters<typeof arrivalsFor>[0]): number[] {
  const arrivals = arrivalsFor(load);
  const out: number[] = [];
  for (let t = arrivals.next(); t !== undefined; t = arrivals.next()) out.push(t);
  return out;
}

describe('rate steps (--rate a,b,c)', () => {
  it('split the load evenly, each step at its own rate, in order', () => {
    const load = {
      curve: 'constant' as const,
      rateRps: 0,
      rateSteps: [100, 1000],
      durationMs: 4_000,
    };
    const times = allArrivals(load);
    expect(times).toHaveLength(200 + 2000);
    expect(arrivalsFor(load).total).toBe(2200);
    expect(times.filter((t) => t < 2_000)).toHaveLength(200);
    expect(times.filter((t) => t >= 2_000 && t < 4_000)).toHaveLength(2000);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(stepStartsMs(load)).toEqual([0, 2_000]);
  });

  it('come from --rate with commas; the plan keeps the mean as its rate', async () => {
    const plan = await loadPlan({ scenario: 'smoke', rate: '350,1050,3500', duration: '30s' });
    expect(plan.load.rateSteps).toEqual([350, 1050, 3500]);
    expect(plan.load.rateRps).toBeCloseTo(1633.33, 2);
    expect(rateText(plan.load)).toBe('350, 1050, 3500 req/s (10s each)');
  });

  it.each([
    ['350,,3500', /load\.rateSteps\.1 \(--rate\)/],
    ['350,x', /load\.rateSteps\.1 \(--rate\)/],
    ['350,-5', /load\.rateSteps\.1 \(--rate\): Too small/],
    [Array(9).fill('10').join(','), /load\.rateSteps \(--rate\): at most 8 steps/],
  ])('refuse --rate %s, naming the step', async (rate, message) => {
    await expect(loadPlan({ scenario: 'smoke', rate })).rejects.toThrow(message);
  });

  it('need the fixed mode with a constant curve', async () => {
    await expect(loadPlan({ scenario: 'day', rate: '100,200' })).rejects.toThrow(
      /rate steps \(--rate a,b,c\) need the fixed mode with a constant curve/,
    );
  });
});

describe('--neighbor', () => {
  it('is refused for an unknown workload, naming the flag and what is allowed', async () => {
    await expect(loadPlan({ scenario: 'smoke', neighbor: 'tpcc' })).rejects.toThrow(
      /neighbor\.workload \(--neighbor\): .*"oltp"/,
    );
  });

  it('fills its defaults into the plan', async () => {
    const plan = await loadPlan({ scenario: 'smoke', neighbor: 'oltp', neighborRate: '500' });
    expect(plan.neighbor).toEqual({
      workload: 'oltp',
      rateRps: 500,
      rows: 10_000,
      updateShare: 0.2,
      baselineMs: 5_000,
    });
  });
});
