import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { parseSlo } from '../../src/config/slo.js';
import { UsageError } from '../../src/errors.js';
import {
  CapacitySearch,
  judgeStep,
  kneePerDay,
  type StepFigures,
  type Verdict,
} from '../../src/load/capacitySearch.js';

const ok = (overrides: Partial<StepFigures> = {}): StepFigures => ({
  requests: 1000,
  errors: 0,
  late: 0,
  latencyUs: { p50: 1_000, p90: 2_000, p99: 5_000, p999: 8_000, max: 9_000 },
  durationMs: 5_000,
  generatorLagP99Us: 1_000,
  generatorLagMaxUs: 2_000,
  generatorStalledMs: 0,
  ...overrides,
});

describe('the SLO grammar', () => {
  it('reads several bounds in ms or s', () => {
    expect(parseSlo('p99<50ms, p50 < 0.5s')).toEqual([
      { percentile: 'p99', limitUs: 50_000, text: 'p99<50ms' },
      { percentile: 'p50', limitUs: 500_000, text: 'p50<0.5s' },
    ]);
  });

  it('refuses a bad bound naming the value and the grammar', () => {
    for (const bad of ['p98<50ms', 'p99>50ms', 'p99<50', 'p99<0ms', 'p99<50ms,', 'errors<1%']) {
      const error = (() => {
        try {
          parseSlo(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(JSON.stringify(bad));
      expect((error as Error).message).toContain('p50|p90|p99|p999 < N ms|s');
    }
  });

  it('is checked before the run, as --slo, and only in capacity mode', async () => {
    await expect(loadPlan({ mode: 'capacity', slo: 'p99<fast' })).rejects.toThrow(/--slo/);
    await expect(loadPlan({ slo: 'p99<50ms' })).rejects.toThrow(/--mode capacity only/);
    const plan = await loadPlan({ mode: 'capacity', slo: 'p99 < 20ms', stepFactor: '1.5' });
    expect(plan.load.capacity).toEqual({
      slo: 'p99<20ms',
      stepFactor: 1.5,
      stepMs: 5_000,
      bisections: 3,
    });
    // The default scenario's kill is dropped, with a warning: a step lost to a fault says nothing.
    expect(plan.faults).toEqual([]);
    expect(plan.warnings?.join()).toContain('capacity mode runs no faults');
    await expect(loadPlan({ mode: 'capacity', faults: ['kill:app@1s'] })).rejects.toThrow(
      /runs no faults/,
    );
  });
});

describe('a capacity step is judged', () => {
  const slo = parseSlo('p99<50ms');

  it('passes within the SLO and fails on p99, errors over 0.1% or more than 1% late', () => {
    expect(judgeStep(ok(), slo).verdict).toBe('pass');
    expect(judgeStep(ok({ errors: 1 }), slo).verdict).toBe('pass');
    expect(judgeStep(ok({ late: 10 }), slo).verdict).toBe('pass');
    const slow = ok({ latencyUs: { ...ok().latencyUs, p99: 50_000 } });
    expect(judgeStep(slow, slo)).toEqual({ verdict: 'fail', reasons: ['p99 50ms ≥ 50ms'] });
    expect(judgeStep(ok({ errors: 2 }), slo).reasons).toEqual(['errors 0.20% > 0.1%']);
    expect(judgeStep(ok({ late: 11 }), slo).reasons).toEqual(['late 1.1% > 1%']);
  });

  it("is the generator's limit when the generator's own lag explains the failure", () => {
    const p99 = (us: number) => ({ ...ok().latencyUs, p99: us });
    // The loop ran > 10 ms behind at p99: the lateness and the latency it adds are the tool's.
    const lagging = ok({
      late: 200,
      latencyUs: p99(60_000),
      generatorLagP99Us: 15_000,
      generatorLagMaxUs: 30_000,
    });
    expect(judgeStep(lagging, slo).verdict).toBe('generator');
    // Late only, and stalls cover 2% of the step for 3% late: the generator's.
    expect(judgeStep(ok({ late: 30, generatorStalledMs: 100 }), slo).verdict).toBe('generator');
    // Just over the bound, nothing late, a stall or two: the store's, not the tool's.
    const justOver = ok({
      latencyUs: p99(52_000),
      generatorLagMaxUs: 12_000,
      generatorStalledMs: 5,
    });
    expect(judgeStep(justOver, slo).verdict).toBe('fail');
    // Late with an idle generator: the app or store held the requests (sockets, users).
    expect(judgeStep(ok({ late: 30, generatorStalledMs: 10 }), slo).verdict).toBe('fail');
  });

  it("is the store's limit when the failure outlasts the generator's lag", () => {
    const p99 = (us: number) => ({ ...ok().latencyUs, p99: us });
    // 400 ms at p99 with stalls of at most 40 ms: the store was slow, whatever the lag.
    const slowStore = ok({
      latencyUs: p99(400_000),
      late: 50,
      generatorLagP99Us: 18_000,
      generatorLagMaxUs: 40_000,
    });
    expect(judgeStep(slowStore, slo).verdict).toBe('fail');
    // A late send does not make the app answer 503: errors are never the generator's.
    const failing = ok({ errors: 50, late: 50, generatorLagP99Us: 40_000 });
    expect(judgeStep(failing, slo).verdict).toBe('fail');
  });
});

/** Runs the search against a store whose limit is `kneeRps`. */
function search(kneeRps: number, start: number, verdictAbove: Verdict = 'fail') {
  const s = new CapacitySearch(start, 2, 3);
  const tried: string[] = [];
  for (let next = s.next(); next; next = s.next()) {
    tried.push(`${next.kind[0]}${next.rateRps}`);
    s.record(next, next.rateRps <= kneeRps ? 'pass' : verdictAbove);
  }
  return { s, tried };
}

describe('the capacity search', () => {
  it('steps up geometrically, then bisects between the last pass and the first fail', () => {
    const { s, tried } = search(130, 50);
    expect(tried).toEqual(['g50', 'g100', 'g200', 'b150', 'b125', 'b138']);
    expect(s.kneeRps).toBe(125);
    expect(s.limitedBy).toBe('store');
  });

  it('bisects down from 0 when the first step fails: no knee when nothing passes', () => {
    const { s, tried } = search(0, 100);
    expect(tried).toEqual(['g100', 'b50', 'b25', 'b13']);
    expect(s.kneeRps).toBeUndefined();
  });

  it('retries a step lost to the generator once, then stops there', () => {
    const { s, tried } = search(100, 50, 'generator');
    expect(tried).toEqual(['g50', 'g100', 'g200', 'r200']);
    expect(s.kneeRps).toBe(100);
    expect(s.limitedBy).toBe('generator');
    // A retry that passes goes on as if the step had passed.
    const flaky = new CapacitySearch(50, 2, 0);
    flaky.record(flaky.next()!, 'generator');
    expect(flaky.next()).toEqual({ rateRps: 50, kind: 'retry' });
    flaky.record(flaky.next()!, 'pass');
    expect(flaky.next()).toEqual({ rateRps: 100, kind: 'geometric' });
  });

  it('states the requests/day arithmetic at the peak factor of 3', () => {
    expect(kneePerDay(350)).toEqual({
      requestsPerDay: 10_080_000,
      arithmetic:
        '350 req/s x 86,400 s / 3 (peak hour = 3x the daily mean) = 10,080,000 requests/day',
    });
    expect(kneePerDay(undefined).requestsPerDay).toBeNull();
  });
});
