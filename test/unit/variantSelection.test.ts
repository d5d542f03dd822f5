import { describe, expect, it } from 'vitest';
import { checkPlanVariants } from '../../src/backends/checkPlan.js';
import { allVariants, defaultVariants, selectVariants } from '../../src/backends/registry.js';
import { durabilityCaveat, timeCompression } from '../../src/config/compression.js';
import { loadPlan, type RunOverrides } from '../../src/config/loadPlan.js';
import { describePlan, estimateRunMs } from '../../src/config/planSummary.js';
import { UsageError } from '../../src/errors.js';

const checked = async (flags: RunOverrides) => checkPlanVariants(await loadPlan(flags));

async function refusal(flags: RunOverrides): Promise<string> {
  const error = await checked(flags).catch((e: unknown) => e);
  expect(error, JSON.stringify(flags)).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

describe('which variants a run covers', () => {
  it('defaults to each backend in its default configuration; --backends all is every variant', () => {
    expect(defaultVariants()).toEqual([
      'memory',
      'disk',
      'cookie',
      'redis',
      'memcached',
      'mysql',
      'postgres',
    ]);
    expect(selectVariants(undefined)).toEqual({ ids: defaultVariants(), chosen: 'default' });
    const all = selectVariants(['all']);
    expect(all.chosen).toBe('all');
    expect(all.ids).toEqual(allVariants().map((v) => v.id));
    expect(all.ids.length).toBeGreaterThan(defaultVariants().length);
    expect(selectVariants(['redis:aof-always', 'memory'])).toEqual({
      ids: ['redis:aof-always', 'memory'],
      chosen: 'listed',
    });
    expect(() => selectVariants(['all', 'memory'])).toThrow(/--backends all already means every/);
    expect(() => selectVariants(['postgres:fsync-off'])).toThrow(
      /unknown backend variant "postgres:fsync-off"/,
    );
  });

  it('the first run takes at most ~3 minutes, and the plan says so before it starts', async () => {
    const plan = await loadPlan({});
    const variants = checkPlanVariants(plan);
    expect(estimateRunMs(plan, variants.planned)).toBeLessThanOrEqual(3.1 * 60_000);
    const text = describePlan(plan, variants.planned, variants.note);
    expect(text).toMatch(
      /^plan: scenario default, 350 req\/s for 20s, 10000 users; faults: kill:store@12s\n/,
    );
    expect(text).toMatch(
      /variants \(7\): memory, disk, cookie, redis, memcached, mysql, postgres \(the default configuration of each backend; --backends all runs all \d+ variants\)/,
    );
    expect(text).toMatch(/estimated time: about [23]m(\d0s)? \(~\d+s per variant/);
  });

  it('prints what the plan dropped', async () => {
    const plan = await loadPlan({ scenario: 'smoke', faults: [], duration: '10s' });
    expect(describePlan(plan, [{ id: 'memory', server: false }], '')).not.toMatch(/warning/);
    const short = await loadPlan({ duration: '10s', backends: 'memory' });
    expect(describePlan(short, [{ id: 'memory', server: false }], '')).toMatch(
      /\nwarning: scenario default's fault kill:store@12s fires at 12s/,
    );
  });
});

describe('what the backends refuse before the run', () => {
  it('mysql with --nodes 3 is a usage error when listed, skipped when only defaulted', async () => {
    expect(await refusal({ backends: 'mysql', nodes: '3' })).toMatch(
      /mysql runs a single node; --nodes 3/,
    );
    expect((await checked({ nodes: '3' })).ids).toContain('mysql');
  });

  it('a node fault in a run of embedded stores only names the targets that exist', async () => {
    expect(
      await refusal({ scenario: 'smoke', backends: 'memory,disk', faults: ['kill:node0@2s'] }),
    ).toMatch(
      /kill:node0: memory, disk keep sessions in the app, with no server node; target store/,
    );
    // Beside a server backend, node0 is that server's (embedded ones show "no fault").
    const mixed = await checked({
      scenario: 'smoke',
      backends: 'memory,redis',
      faults: ['kill:node0@2s'],
    });
    expect(mixed.ids).toEqual(['memory', 'redis']);
  });
});

describe('a compressed day marks its loss figures', () => {
  it('says how much faster time ran and which settings did not follow', () => {
    expect(timeCompression({ curve: 'diurnal', durationMs: 300_000 })).toBe(288);
    expect(timeCompression({ curve: 'diurnal', durationMs: 86_400_000 })).toBeUndefined();
    expect(timeCompression({ curve: 'constant', durationMs: 300_000 })).toBeUndefined();
    expect(durabilityCaveat({ curve: 'diurnal', durationMs: 300_000 })).toMatch(
      /^Time ran 288x faster than a real day \(24h in 5m\), but Redis's save points, fsync every second .* and session TTLs ran on real time: these loss figures are not a real day's\.$/,
    );
  });

  it('the plan line carries the caveat of the day scenario', async () => {
    const plan = await loadPlan({ scenario: 'day' });
    expect(describePlan(plan, [{ id: 'redis', server: true }], '')).toMatch(
      /\nnote: Time ran 288x faster/,
    );
  });
});
