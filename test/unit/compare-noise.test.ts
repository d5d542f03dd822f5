import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOISE_PCT,
  compareResults,
  renderComparisonMarkdown,
  renderComparisonTable,
} from '../../src/report/compare.js';
import type { RunResult } from '../../src/result/result.js';
import { FIXTURE, fixture } from '../helpers/reportFixture.js';

const deltaOf = (c: ReturnType<typeof compareResults>, variant: string, metric: string) =>
  c.variants.find((v) => v.variant === variant)!.deltas.find((d) => d.metric === metric)!;

/** Issue 9 item 11: compare flagged noise as regressions and printed raw JSON. */
describe('compare: noise, units, denominators, skipped faults', () => {
  function pair(edit: (base: RunResult, head: RunResult) => void) {
    const base = fixture();
    const head = fixture();
    edit(base, head);
    return { base, head };
  }

  it('a change within the noise band is "same": 100.1 → 100 req/s, p50 +4%', () => {
    const { base, head } = pair((b, h) => {
      b.results[0]!.throughputRps = 100.1;
      h.results[0]!.throughputRps = 100;
      h.results[0]!.latencyUs.p50 = Math.round(b.results[0]!.latencyUs.p50 * 1.04);
      h.results[0]!.latencyUs.p99 = Math.round(b.results[0]!.latencyUs.p99 * 1.2);
    });
    const c = compareResults(base, head, []);
    expect(c.noisePct).toBe(DEFAULT_NOISE_PCT);
    expect(deltaOf(c, 'memory', 'throughputRps').direction).toBe('same');
    expect(deltaOf(c, 'memory', 'p50').direction).toBe('same');
    expect(deltaOf(c, 'memory', 'p99').direction).toBe('worse');
    // The band is a setting: at 0 every change counts.
    const strict = compareResults(base, head, [], {}, { noisePct: 0 });
    expect(deltaOf(strict, 'memory', 'throughputRps').direction).toBe('worse');
    expect(deltaOf(strict, 'memory', 'p50').direction).toBe('worse');
    expect(renderComparisonTable(c)).toContain('changes within ±5% are shown as "same"');
    expect(renderComparisonMarkdown(c)).toContain('changes within ±5% are shown as "same"');
  });

  it('a loss from zero is never noise', () => {
    const { base, head } = pair((_b, h) => {
      h.results[1]!.audit.lostUpdates = 1;
    });
    expect(deltaOf(compareResults(base, head, []), 'disk', 'lostUpdates').direction).toBe('worse');
  });

  it('both sides of a figure in one unit: 0.85 s → 1.2 s, not 850 ms → 1.2 s', () => {
    const { base, head } = pair((b, h) => {
      b.results[0]!.latencyUs.p99 = 850_000;
      h.results[0]!.latencyUs.p99 = 1_204_000;
    });
    const d = deltaOf(compareResults(base, head, []), 'memory', 'p99');
    expect([d.baseText, d.headText]).toEqual(['0.85 s', '1.2 s']);
  });

  it('logged-out counts carry their population', () => {
    const c = compareResults(FIXTURE, FIXTURE, []);
    const d = deltaOf(c, 'memory', 'loggedOutUsers');
    expect([d.baseText, d.headText]).toEqual(['75/80', '75/80']);
  });

  it('a fault that did not run is said, and its loss figures are "no fault", not compared', () => {
    const { base, head } = pair((_b, h) => {
      const memory = h.results[0]!;
      memory.faults = memory.faults.map((f) => ({
        ...f,
        status: 'skipped' as const,
        reason: 'memory has no node0',
        startedMs: null,
      }));
      memory.audit.loggedOutUsers = 0;
    });
    const c = compareResults(base, head, []);
    const d = deltaOf(c, 'memory', 'loggedOutUsers');
    expect(d).toMatchObject({ baseText: '75/80', headText: 'no fault', direction: 'n/a' });
    const memory = c.variants.find((v) => v.variant === 'memory')!;
    expect(memory.notes).toEqual([
      'pause:app did not run in the head (skipped: memory has no node0)',
      'kill:app did not run in the head (skipped: memory has no node0)',
    ]);
    expect(renderComparisonMarkdown(c)).toContain(
      '- memory: kill:app did not run in the head (skipped: memory has no node0)',
    );
    expect(renderComparisonTable(c)).toContain(
      '  pause:app did not run in the head (skipped: memory has no node0)',
    );
  });

  it('setup differences read as text, durations with units, no JSON', () => {
    const { base, head } = pair((_b, h) => {
      h.scenario.faults = [];
      h.scenario.load.durationMs = 10_000;
      h.scenario.topology.nodes = 3;
    });
    const differences = compareResults(base, head, []).differences;
    expect(differences).toEqual([
      'load.durationMs: 6s in the base; 10s in the head',
      'faults: pause:app@1s:600ms kill:app@3.5s in the base; none in the head',
      'topology: nodes 1, appInstances 1 in the base; nodes 3, appInstances 1 in the head',
    ]);
    for (const line of differences) expect(line).not.toMatch(/[{}"[\]]/);
  });
});
