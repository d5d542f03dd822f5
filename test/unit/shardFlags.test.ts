import { describe, expect, it } from 'vitest';
import { parseWorkers, shardSetup, splitLine } from '../../src/cli/shardFlags.js';
import { UsageError } from '../../src/errors.js';
import { fixture } from '../helpers/reportFixture.js';

const plan = fixture().scenario;
const NOW = Date.parse('2026-12-01T10:00:00Z');
const setup = (flags: Parameters<typeof shardSetup>[0]) => shardSetup(flags, plan, NOW);

describe('run --shard / --start-at / --run-id', () => {
  it('is no shard without the flags', () => {
    expect(setup({})).toBeUndefined();
  });

  it.each(['0/3', '4/3', '1/0', 'two/3', '1-3', ''])('refuses --shard %j, naming it', (value) => {
    expect(() => setup({ shard: value, runId: 'r1' })).toThrow(UsageError);
    expect(() => setup({ shard: value, runId: 'r1' })).toThrow(`--shard ${JSON.stringify(value)}`);
  });

  it('derives one run id from --start-at and the plan, the same for every shard', () => {
    const startAt = '2026-12-01T10:05:00Z';
    const one = setup({ shard: '1/3', startAt })!;
    const three = setup({ shard: '3/3', startAt })!;
    expect(one.runId).toMatch(/^20261201T100500-[0-9a-f]{6}$/);
    expect(three.runId).toBe(one.runId);
    expect(three).toMatchObject({
      index: 3,
      count: 3,
      faults: 'first',
      startAtMs: Date.parse(startAt),
    });
  });

  it('needs a run id or a start time to share', () => {
    expect(() => setup({ shard: '1/2' })).toThrow(/--run-id ID or --start-at TIME/);
    expect(setup({ shard: '1/2', runId: 'nightly-7' })!.runId).toBe('nightly-7');
    expect(() => setup({ shard: '1/2', runId: 'a b' })).toThrow(/--run-id "a b"/);
  });

  it('refuses a --start-at in the past, too far ahead, or without a zone', () => {
    expect(() => setup({ shard: '1/2', startAt: '2026-12-01T09:59:50Z' })).toThrow(
      /10 s in the past/,
    );
    expect(setup({ shard: '1/2', startAt: '2026-12-01T09:59:58Z' })).toBeDefined();
    expect(() => setup({ shard: '1/2', startAt: '2026-12-02T10:00:01Z' })).toThrow(
      /more than 24 h ahead/,
    );
    expect(() => setup({ shard: '1/2', startAt: '2026-12-01T10:05:00' })).toThrow(/with its zone/);
  });

  it('refuses more shards than users, and shard flags without --shard', () => {
    expect(() => setup({ shard: `1/${plan.load.users + 1}`, runId: 'r' })).toThrow(/without users/);
    expect(() => setup({ runId: 'r' })).toThrow('--run-id needs --shard i/N');
  });

  it('says what the shard drives under the plan', () => {
    const shard = setup({ shard: '2/3', runId: 'demo' })!;
    const slice = `users ${Math.ceil(plan.load.users / 3)}..`;
    expect(splitLine(plan, shard, 1)).toContain(`shard 2/3 of run demo: ${slice}`);
    expect(splitLine(plan, shard, 1)).toContain('no faults (shard 1 runs them)');
    expect(splitLine(plan, undefined, 1)).toBe('');
  });
});

describe('run --workers', () => {
  it('takes 1..64 or auto (the cores the app and servers leave, at least 1)', () => {
    expect(parseWorkers(undefined, plan)).toBe(1);
    expect(parseWorkers('3', plan)).toBe(3);
    const taken = plan.topology.appInstances + plan.topology.nodes;
    expect(parseWorkers('auto', plan, taken + 3)).toBe(3);
    expect(parseWorkers('auto', plan, 2)).toBe(1);
    for (const bad of ['0', '65', 'x', '1.5']) {
      expect(() => parseWorkers(bad, plan)).toThrow(`--workers ${JSON.stringify(bad)}`);
    }
  });

  it('does not go with --shard', () => {
    expect(() => setup({ shard: '1/2', runId: 'r', workers: '2' })).toThrow(
      /--workers and --shard/,
    );
  });
});
