import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';
import { arrivalsFor, diurnalMultipliers } from '../../src/load/arrivals.js';

const TEN_MILLION_PER_DAY = 10_000_000 / 86_400;

describe('the day scenario', () => {
  it('shapes 10M requests over an uncompressed day, busiest hour 3x the mean', () => {
    const day = arrivalsFor({
      curve: 'diurnal',
      rateRps: TEN_MILLION_PER_DAY,
      durationMs: 86_400_000,
    });
    expect(day.total).toBe(10_000_000);
    const multipliers = diurnalMultipliers();
    expect(multipliers).toHaveLength(96);
    expect(multipliers.reduce((a, b) => a + b, 0) / 96).toBeCloseTo(1, 10);
    expect(Math.max(...multipliers)).toBeCloseTo(3, 1);
    expect(Math.min(...multipliers)).toBeLessThan(0.2);
  });

  it('keeps the rates real when compressed: 5 minutes send 1/288 of the day, in time order', () => {
    const day = arrivalsFor({
      curve: 'diurnal',
      rateRps: TEN_MILLION_PER_DAY,
      durationMs: 300_000,
    });
    expect(day.total).toBe(Math.round(10_000_000 / 288));
    const perSegment = new Array<number>(96).fill(0);
    let last = -1;
    for (let t = day.next(); t !== undefined; t = day.next()) {
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      perSegment[Math.min(95, Math.floor(t / (300_000 / 96)))]!++;
    }
    // Each quarter-hour carries its share of the curve, within one request.
    const expected = diurnalMultipliers().map(
      (m) => (m * TEN_MILLION_PER_DAY * 300_000) / 96 / 1000,
    );
    perSegment.forEach((count, k) =>
      expect(Math.abs(count - expected[k]!)).toBeLessThanOrEqual(1.5),
    );
  });

  it('draws the same random fault times for the same seed, others for another', async () => {
    const times = async (seed: string) =>
      (await loadPlan({ scenario: 'day', seed })).faults.map((f) => [f.atMs, f.action, f.target]);
    expect(await times('7')).toEqual(await times('7'));
    expect(await times('7')).not.toEqual(await times('8'));
    const faults = (await loadPlan({ scenario: 'day', seed: '7' })).faults;
    expect(faults).toHaveLength(2);
    for (const fault of faults) {
      expect(fault.atMs).toBeGreaterThanOrEqual(30_000);
      expect(fault.atMs).toBeLessThanOrEqual(270_000);
    }
  });

  it('--compress sets the length of the replayed day', async () => {
    const plan = await loadPlan({ scenario: 'day', compress: '1m' });
    expect(plan.load.durationMs).toBe(60_000);
    expect(arrivalsFor(plan.load).total).toBe(Math.round((TEN_MILLION_PER_DAY * 60_000) / 1000));
  });
});

describe('fault schedules', () => {
  it('every + count repeats a fault', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-sched-'));
    const scenario = path.join(dir, 'repeat.yaml');
    await writeFile(
      scenario,
      'name: repeat\nload: { duration: 20s }\nfaults:\n  - { at: 2s, every: 5s, count: 3, action: restart, target: app }\n',
    );
    expect((await loadPlan({ scenario })).faults.map((f) => f.atMs)).toEqual([2000, 7000, 12_000]);
  });

  const rejects = async (flags: Parameters<typeof loadPlan>[0], message: RegExp) => {
    const error = await loadPlan(flags).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  };

  it('rejects schedules that cannot run, naming the fault', async () => {
    await rejects(
      { scenario: 'smoke', faults: ['kill:app@4s:2s'] },
      /--fault kill:app@4s:2s ends at 6s, after the load ends at 5s \(load\.duration of the file\)/,
    );
    await rejects(
      { scenario: 'smoke', faults: ['kill:gateway@1s'] },
      /faults\.0\.target.*app<i>, node<i>, store.*got "gateway"/,
    );
    await rejects({ scenario: 'smoke', compress: '1m' }, /--compress applies to a diurnal curve/);
    await rejects({ scenario: 'smoke', seed: '-1' }, /load\.seed \(--seed\)/);
  });
});
