import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { RunResult } from '../../src/result/result.js';
import {
  checkThresholdVariants,
  evaluateThresholds,
  parseThreshold,
  parseThresholds,
} from '../../src/report/thresholds.js';
import { fixture } from '../helpers/reportFixture.js';

const parse = (text: string) => {
  const t = parseThreshold(text);
  return {
    metric: t.metric.name,
    op: t.op,
    kind: t.kind,
    value: t.value,
    ...(t.variants ? { variants: t.variants } : {}),
  };
};

/** The reason a malformed expression is refused. */
const refusal = (text: string) => {
  try {
    parseThreshold(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${text} was accepted`);
};

describe('parseThreshold', () => {
  it('reads durations into the metric unit (µs for latency, ms for fault figures)', () => {
    expect(parse('p99<50ms')).toEqual({ metric: 'p99', op: '<', kind: 'absolute', value: 50_000 });
    expect(parse('p99 <= 1.5s')).toMatchObject({ op: '<=', value: 1_500_000 });
    expect(parse('p50<800us')).toMatchObject({ value: 800 });
    expect(parse('max<800µs')).toMatchObject({ metric: 'max', value: 800 });
    // k6: a plain number on a duration is milliseconds.
    expect(parse('p(99)<20')).toMatchObject({ metric: 'p99', value: 20_000 });
    expect(parse('p99.9<2s')).toMatchObject({ metric: 'p999', value: 2_000_000 });
    expect(parse('recoveryMs<2s')).toMatchObject({ metric: 'recoveryMs', value: 2000 });
    expect(parse('unavailableMs<=500')).toMatchObject({ metric: 'unavailableMs', value: 500 });
  });

  it('reads counts, shares and changes against a base', () => {
    expect(parse('loggedOutUsers==0')).toEqual({
      metric: 'loggedOutUsers',
      op: '==',
      kind: 'absolute',
      value: 0,
    });
    expect(parse('errors<1%')).toMatchObject({ metric: 'errors', kind: 'share', value: 1 });
    expect(parse('p99<+10%')).toMatchObject({ kind: 'relative', value: 10 });
    expect(parse('throughputRps>-5%')).toMatchObject({ kind: 'relative', value: -5, op: '>' });
    expect(parse('wrongUserSessions != 1')).toMatchObject({ op: '!=', value: 1 });
    expect(parse('throughputRps>=300')).toMatchObject({ value: 300 });
  });

  it('reaches any number of a variant by its path, and limits to variants', () => {
    expect(parse('requests.late<1%')).toMatchObject({ metric: 'requests.late', kind: 'share' });
    expect(parse('phasesMs.start<10s')).toMatchObject({ metric: 'phasesMs.start', value: 10_000 });
    expect(parse('latencyUs.p90<5ms')).toMatchObject({ value: 5000 });
    expect(parse('p99{disk, redis:aof-always}<20ms')).toMatchObject({
      variants: ['disk', 'redis:aof-always'],
    });
  });

  it('refuses malformed expressions with the reason', () => {
    expect(refusal('p99')).toMatch(/expected <metric><op><value>/);
    expect(refusal('p99<<50ms')).toMatch(/cannot read the value "<50ms"/);
    expect(refusal('p98<50ms')).toMatch(/unknown metric "p98"; metrics: p50, p90, p99/);
    expect(refusal('p99<fast')).toMatch(/cannot read the value "fast"/);
    expect(refusal('p99<1%')).toMatch(/p99 has no whole to take a share of.*p99<\+1%/);
    expect(refusal('loggedOutUsers<5ms')).toMatch(/not a duration/);
    expect(refusal('p99<+10ms')).toMatch(/a signed value is a change against the base and needs %/);
    expect(refusal('p99{}<1s')).toMatch(/empty variant list/);
    expect(refusal('requests.nothing<1')).toMatch(/unknown metric/);
    expect(refusal('p99=50ms')).toMatch(/expected/);
  });

  it('reports every malformed expression at once', () => {
    expect(() => parseThresholds(['p99<50ms', 'nope<1', 'p99<x'])).toThrow(
      /threshold "nope<1".*\n.*threshold "p99<x"/,
    );
  });
});

describe('evaluateThresholds', () => {
  // The fixture: memory lost 75 of 80 users to the kill; disk and cookie none.
  const run = fixture();
  const judge = (texts: string[], head: RunResult = run, base?: RunResult) =>
    evaluateThresholds(parseThresholds(texts), head, base);

  it('judges each variant and says which, the value and the limit', () => {
    const verdicts = judge(['loggedOutUsers==0']);
    expect(verdicts.map((v) => [v.variant, v.status, v.value, v.limit])).toEqual([
      ['memory', 'failed', 75, 0],
      ['disk', 'passed', 0, 0],
      ['cookie', 'passed', 0, 0],
    ]);
    expect(verdicts[0]!.message).toBe('memory: loggedOutUsers = 75, limit == 0: FAILED');
  });

  it('compares latency in µs and prints it in ms', () => {
    const [memory] = judge(['p99{memory}<500ms']);
    expect(memory).toMatchObject({ status: 'failed', value: 560_127, limit: 500_000 });
    expect(memory!.message).toBe('memory: p99 = 560 ms, limit < 500 ms: FAILED');
    expect(judge(['p99{memory}<600ms'])[0]!.status).toBe('passed');
  });

  it('takes a share of all requests (errors) or all users (loggedOutUsers)', () => {
    const [memory, , cookie] = judge(['errors<25%']);
    // memory: 131 of 480 requests failed (27.3%); cookie: 48 (10%).
    expect(memory).toMatchObject({ status: 'failed', value: 131, limit: 120 });
    expect(memory!.message).toContain('131 of 480 requests (27.29%), limit < 25% = 120');
    expect(cookie!.status).toBe('passed');
    expect(judge(['loggedOutUsers<=95%'])[0]!.status).toBe('passed');
    expect(judge(['loggedOutUsers<90%'])[0]!.status).toBe('failed');
  });

  it('treats a recovery that never came as failing any upper limit', () => {
    const [memory, , cookie] = judge(['recoveryMs<1h']);
    expect(memory).toMatchObject({ status: 'failed', value: null });
    expect(memory!.message).toContain('recoveryMs = never');
    expect(cookie!.status).toBe('passed');
  });

  it('skips what it cannot judge instead of passing it silently', () => {
    const noFaults = fixture();
    noFaults.results[1]!.faults = [];
    noFaults.results[2]!.status = 'failed';
    const verdicts = judge(['unavailableMs<1s'], noFaults);
    expect(verdicts.map((v) => [v.variant, v.status])).toEqual([
      ['memory', 'failed'],
      ['disk', 'skipped'],
      ['cookie', 'skipped'],
    ]);
    expect(verdicts[1]!.message).toMatch(/no fault ran/);
    expect(verdicts[2]!.message).toMatch(/the variant failed/);
  });

  it('refuses a variant filter naming a variant in neither result (a typo would pass)', () => {
    expect(() => judge(['p99{redis}<1s'])).toThrow(UsageError);
    expect(() => judge(['p99{disk,nosuch}<1s'])).toThrow(
      /threshold "p99\{disk,nosuch\}<1s": no variant "nosuch" in this run; its variants: memory, disk, cookie/,
    );
    const base = fixture();
    base.results.push({ ...base.results[0]!, variant: 'redis' });
    // In the base only: judged as "not in this run", not refused.
    expect(judge(['p99{redis}<+10%'], run, base)[0]).toMatchObject({ status: 'skipped' });
  });

  it('checks the filters against the planned variants before a run', () => {
    const thresholds = parseThresholds(['p99{nosuch}<20ms', 'p99{memory}<20ms']);
    expect(() => checkThresholdVariants(thresholds, ['memory', 'disk'])).toThrow(
      /no variant "nosuch" in this run; its variants: memory, disk/,
    );
    expect(() => checkThresholdVariants(thresholds.slice(1), ['memory'])).not.toThrow();
  });

  it('judges a change against the same variant of the base', () => {
    const head = fixture();
    // disk got 20% slower, cookie 5% faster; memory's throughput fell by 10%.
    head.results[1]!.latencyUs.p99 = Math.round(run.results[1]!.latencyUs.p99 * 1.2);
    head.results[2]!.latencyUs.p99 = Math.round(run.results[2]!.latencyUs.p99 * 0.95);
    head.results[0]!.throughputRps = run.results[0]!.throughputRps * 0.9;
    const verdicts = judge(['p99<+10%', 'throughputRps>-5%'], head, run);
    expect(verdicts.map((v) => `${v.expression} ${v.variant} ${v.status}`)).toEqual([
      'p99<+10% memory passed',
      'p99<+10% disk failed',
      'p99<+10% cookie passed',
      'throughputRps>-5% memory failed',
      'throughputRps>-5% disk passed',
      'throughputRps>-5% cookie passed',
    ]);
    expect(verdicts[1]!.message).toBe(
      'disk: p99 = 719 ms, +20% against the base 599 ms, limit < +10% = 659 ms: FAILED',
    );
  });

  it('skips a change against a base when there is none (run), or the variant is new', () => {
    expect(judge(['p99<+10%'])[0]).toMatchObject({ status: 'skipped' });
    const base = fixture();
    base.results = base.results.filter((r) => r.variant !== 'cookie');
    const verdicts = judge(['p99<+10%'], run, base);
    expect(verdicts[2]).toMatchObject({ variant: 'cookie', status: 'skipped' });
    expect(verdicts[2]!.message).toMatch(/not? .*base/);
  });

  it('handles a base of zero: no change passes, any rise fails', () => {
    const head = fixture();
    head.results[1]!.audit.lostUpdates = 3;
    const verdicts = judge(['lostUpdates<=+10%'], head, run);
    expect(verdicts.map((v) => v.status)).toEqual(['passed', 'failed', 'passed']);
    expect(verdicts[1]!.message).toContain('up from 0');
  });
});
