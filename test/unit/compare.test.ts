import { describe, expect, it } from 'vitest';
import {
  compareResults,
  renderComparisonMarkdown,
  renderComparisonTable,
} from '../../src/report/compare.js';
import { parseThresholds } from '../../src/report/thresholds.js';
import { FIXTURE, fixture } from '../helpers/reportFixture.js';

/** The fixture as the base; a head where disk got slower and lost updates, cookie got faster. */
function headRun() {
  const head = fixture();
  const [memory, disk, cookie] = head.results as [
    (typeof head.results)[0],
    (typeof head.results)[0],
    (typeof head.results)[0],
  ];
  disk.latencyUs.p99 = 700_000;
  disk.audit.lostUpdates = 4;
  cookie.latencyUs.p99 = 500_000;
  cookie.throughputRps = 80;
  memory.status = 'failed';
  memory.reason = 'app would not start';
  head.results.push({ ...structuredClone(disk), variant: 'disk:fsync' });
  return head;
}

describe('compareResults', () => {
  it('gives per variant each figure, its change and whether it is better or worse', () => {
    const c = compareResults(FIXTURE, headRun(), []);
    const row = (variant: string, metric: string) =>
      c.variants.find((v) => v.variant === variant)!.deltas.find((d) => d.metric === metric)!;
    expect(row('disk', 'p99')).toMatchObject({
      base: 599_039,
      head: 700_000,
      changePct: 16.9,
      direction: 'worse',
      baseText: '599 ms',
      headText: '700 ms',
    });
    expect(row('cookie', 'p99').direction).toBe('better');
    // Higher is better for throughput.
    expect(row('cookie', 'throughputRps')).toMatchObject({ direction: 'better', changePct: 11 });
    // From 0 there is no percentage, but the direction still shows.
    expect(row('disk', 'lostUpdates')).toMatchObject({ changePct: null, direction: 'worse' });
    expect(row('disk', 'wrongUserSessions').direction).toBe('same');
    // "never recovered" on both sides.
    expect(row('disk', 'recoveryMs')).toMatchObject({ baseText: 'never', direction: 'same' });
    // A side that did not complete has no figures, and says why.
    expect(row('memory', 'p99')).toMatchObject({ headText: 'failed', direction: 'n/a' });
    expect(c.variants.map((v) => [v.variant, v.in])).toEqual([
      ['memory', 'both'],
      ['disk', 'both'],
      ['cookie', 'both'],
      ['disk:fsync', 'head'],
    ]);
  });

  it('says where the two runs were not alike', () => {
    const head = fixture();
    head.scenario.load.rateRps = 350;
    head.machine.cpus = 8;
    const c = compareResults(FIXTURE, head, []);
    // Plain text, not JSON (issue 9 item 11): no quotes, sides split by ";".
    expect(c.differences).toEqual([
      'load.rateRps: 80 in the base; 350 in the head',
      expect.stringMatching(/^machine: 2 × [^"]* in the base; 8 × [^"]* in the head$/),
    ]);
    expect(renderComparisonMarkdown(c)).toContain(
      '> - load.rateRps: 80 in the base; 350 in the head',
    );
  });

  it('a result from before --parallel ran one request at a time: parallel 1 is no difference, 2 is', () => {
    const head = fixture();
    head.scenario.load.parallel = 1;
    expect(compareResults(FIXTURE, head, []).differences).toEqual([]);
    head.scenario.load.parallel = 2;
    expect(compareResults(FIXTURE, head, []).differences).toEqual([
      'load.parallel: 1 in the base; 2 in the head',
    ]);
  });

  it('judges thresholds on the head, relative ones against the base', () => {
    const c = compareResults(
      FIXTURE,
      headRun(),
      parseThresholds(['p99{disk,cookie}<+10%', 'lostUpdates==0']),
    );
    expect(c.thresholds.map((t) => `${t.expression} ${t.variant} ${t.status}`)).toEqual([
      'p99{disk,cookie}<+10% disk failed',
      'p99{disk,cookie}<+10% cookie passed',
      'lostUpdates==0 memory skipped',
      'lostUpdates==0 disk failed',
      'lostUpdates==0 cookie passed',
      'lostUpdates==0 disk:fsync failed',
    ]);
    const md = renderComparisonMarkdown(c);
    // Verdicts come before the tables: they are what a PR reader came for.
    expect(md.indexOf('### Thresholds: 3 failed')).toBeLessThan(md.indexOf('### Summary'));
    expect(md).toContain(
      '| `disk` | 599 ms → 700 ms 🔴 +16.9% | 58.9 req/s | 127 | 0/80 | 0 → 4 🔴 up from 0 |',
    );
    expect(md).toContain('| `memory` | 560 ms → failed |');
    expect(md).toContain('| p99 | 599 ms | 700 ms | +16.9% | 🔴 worse |');
    expect(md).toContain(
      '<details><summary><code>disk:fsync (only in the head)</code>: every figure',
    );
    const table = renderComparisonTable(c);
    // One thresholds block for every reporter (issue 11 item 7): the run table's heading.
    expect(table).toContain('thresholds: 3 of 6 FAILED');
    expect(table).toMatch(/│ p99 +│ 599 ms +│ 700 ms +│ \+16\.9% +│ worse +│/);
  });
});
