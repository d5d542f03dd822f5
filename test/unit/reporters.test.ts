import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { renderCsv, renderTimelineCsv } from '../../src/report/reporters/csv.js';
import { chartData, renderHtml } from '../../src/report/reporters/html.js';
import { REPORTERS, parseFormats, reporterNamed } from '../../src/report/reporters/index.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { renderTable } from '../../src/report/reporters/table.js';
import { writeResult } from '../../src/report/writeResult.js';
import {
  FIXTURE,
  FIXTURE_DIR,
  fixture,
  validateAgainstJsonSchema,
} from '../helpers/reportFixture.js';

/**
 * Golden files next to the fixture, reviewed by eye when they change:
 * `UPDATE_GOLDEN=1 npx vitest run test/unit/reporters.test.ts` rewrites them.
 */
function golden(name: string, actual: string): void {
  const file = path.join(FIXTURE_DIR, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('reporters on the fixture result', () => {
  it('start from a fixture that is a valid result (JSON Schema)', () => {
    expect(validateAgainstJsonSchema(FIXTURE)).toEqual([]);
  });

  it('are all pure: the same result gives the same text, and the result is untouched', () => {
    const before = JSON.stringify(FIXTURE);
    for (const [name, reporter] of Object.entries(REPORTERS)) {
      expect(reporter.render(FIXTURE), name).toBe(reporter.render(fixture()));
    }
    expect(JSON.stringify(FIXTURE)).toBe(before);
  });

  it('json: the result itself', () => {
    expect(JSON.parse(reporterNamed('json')(FIXTURE))).toEqual(FIXTURE);
  });

  it('json: the result file run writes has the same text, and no temp file is left', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-test-'));
    try {
      const file = path.join(dir, 'results', 'run.json');
      await writeResult(file, FIXTURE);
      expect(readFileSync(file, 'utf8')).toBe(reporterNamed('json')(FIXTURE));
      expect(readdirSync(path.dirname(file))).toEqual(['run.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('table: the summary a person reads at the end of a run', () => {
    golden('result.txt', renderTable(FIXTURE));
  });

  it('md: GitHub tables with the scenario, machine, versions, faults and thresholds', () => {
    const md = renderMarkdown(FIXTURE);
    golden('result.md', md);
    expect(md).toContain('- **Machine:** 2 × ');
    expect(md).toContain('- **Versions:** session-bench 0.1.0; memory: in the app process');
    expect(md).toContain('| `memory` | builtin | 58 | 3.85 | 560 |');
    expect(md).toContain('### Thresholds: 5 failed');
    expect(md).toContain(
      '| ❌ failed | `loggedOutUsers==0` | memory | loggedOutUsers = 75, limit == 0: FAILED |',
    );
  });

  it('md and html: per fault, the losses and what the documentation expects', () => {
    const result = fixture();
    const kill = result.results[1]!.faults[1]!;
    kill.expectation = { loss: 'none', claim: 'files survive', source: 'rename(2)', matches: true };
    kill.loggedOutUsers = 2;
    const md = renderMarkdown(result);
    expect(md).toContain(
      '| `disk` | kill:app | 3.5 s | 1611 ms | none in run | 2 / 76 | 0 | none (agrees) | done |',
    );
    expect(md).toContain('- disk kill:app: documented loss none, files survive (rename(2))');
    kill.expectation.matches = false;
    expect(renderMarkdown(result)).toContain('none (MISMATCH)');
    expect(renderHtml(result)).toContain(
      '<li>disk kill:app: documented loss none, files survive (rename(2)); this run disagrees</li>',
    );
  });

  it('md: escapes a pipe inside a cell', () => {
    const result = fixture();
    // The reason of a failed variant went from its status cell to a note under the
    // table (issue 9 item 7); a pipe in a cell is still escaped.
    result.results[0]!.variant = 'redis a|b';
    expect(renderMarkdown(result)).toContain('| `redis a\\|b` | builtin | 58 |');
  });

  it('csv: one row per variant, raw figures', () => {
    const text = renderCsv(FIXTURE);
    golden('result.csv', text);
    const [head, ...rows] = text.trimEnd().split('\r\n');
    expect(rows).toHaveLength(3);
    const columns = head!.split(',');
    const memory = Object.fromEntries(rows[0]!.split(',').map((v, i) => [columns[i], v]));
    expect(memory).toMatchObject({
      variant: 'memory',
      p99Us: '560127',
      loggedOutUsers: '75',
      worstRecoveryMs: 'never',
    });
  });

  it('csv: quotes fields with commas and quotes', () => {
    const result = fixture();
    result.results[0]!.reason = 'said "no", then left';
    expect(renderCsv(result)).toContain(',"said ""no"", then left"\r\n');
  });

  it('timeline csv: one row per variant per second, faults marked', () => {
    const text = renderTimelineCsv(FIXTURE);
    golden('result.timeline.csv', text);
    const rows = text.trimEnd().split('\r\n').slice(1);
    expect(rows).toHaveLength(FIXTURE.results.reduce((n, r) => n + r.timeline.length, 0));
    // The pause began in second 1 and the kill in second 3 of every variant.
    expect(rows.filter((r) => r.includes('pause:app'))).toHaveLength(3);
    expect(rows.filter((r) => r.includes('kill:app'))).toHaveLength(3);
  });

  it('html: one self-contained file, nothing fetched, the figures embedded', () => {
    const html = renderHtml(FIXTURE);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // No external script, style, image or font: everything inline, and a CSP that forbids fetching.
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'`);
    expect(html).toContain('Chart.js v4'); // the library's banner: inlined, not linked
    expect(html).toContain('chartjs-plugin-annotation v3');
    const json = /<script type="application\/json" id="session-bench-data">(.*?)<\/script>/s.exec(
      html,
    )![1]!;
    expect(JSON.parse(json)).toEqual(chartData(FIXTURE));
    for (const id of ['chart-p99', 'chart-rps', 'chart-sessions', 'chart-variant-2']) {
      expect(html).toContain(`<canvas id="${id}"`);
    }
    expect(html).toContain('<h2>Thresholds: 5 failed</h2>');
  });

  it('html: the summary table has the md columns plus the server and packages, figures right-aligned', () => {
    expect(renderHtml(FIXTURE)).toContain(
      '<table><thead><tr><th>variant</th><th>app</th><th class="n">req/s</th><th class="n">p50 ms</th>' +
        '<th class="n">p99 ms</th><th class="n">p99.9 ms</th><th class="n">max ms</th>' +
        '<th class="n">errors</th><th class="n">logged out</th><th class="n">login walls</th>' +
        '<th class="n">lost updates</th><th class="n">resurrected</th><th class="n">wrong user</th>' +
        '<th class="n">indeterminate</th><th>server</th><th>packages</th><th>status</th></tr></thead><tbody>' +
        '<tr><td>memory</td><td>builtin</td><td class="n">58</td><td class="n">3.85</td><td class="n">560</td>' +
        '<td class="n">607</td><td class="n">606</td><td class="n">131</td><td class="n">75 / 80</td>' +
        '<td class="n">51</td><td class="n">0</td><td class="n">0</td><td class="n">0</td>' +
        '<td class="n">—</td><td>in the app process (embedded)</td><td>—</td><td>ok</td></tr>',
    );
  });

  it('html: chart data carries each fault window per variant, at its own times', () => {
    const data = chartData(FIXTURE);
    const [memory, , cookie] = data.variants;
    expect(memory!.windows.map((w) => [w.planned, w.label])).toEqual([
      [0, 'pause:app'],
      [1, 'kill:app'],
    ]);
    // The kill's window ends when each variant served again: 5.13 s for memory, 4.10 s for cookie.
    expect(memory!.windows[1]!.endedMs).toBe(5130);
    expect(cookie!.windows[1]!.endedMs).toBe(4101);
    // Recovering (amber): memory never recovered from the kill; cookie's pause recovered at 1.7 s.
    expect(memory!.windows[1]!.recoveringUntilMs).toBe(FIXTURE.scenario.load.durationMs);
    expect(cookie!.windows[0]!.recoveringUntilMs).toBe(999 + 700);
    expect(memory!.windows[0]!.recoveringUntilMs).toBeNull();
    expect(memory!.windows[1]!.lossText).toBe('logged out 70/75');
  });

  it('html: users still logged in step down by each fault loss when it fired', () => {
    const memory = chartData(FIXTURE).variants[0]!;
    expect(memory.loggedInSource).toBe('faults');
    expect(memory.loggedIn).toEqual([
      { tMs: 0, users: 80 },
      { tMs: 1000, users: 80 },
      { tMs: 1000, users: 75 },
      { tMs: 3500, users: 75 },
      { tMs: 3500, users: 5 },
      { tMs: 6000, users: 5 },
    ]);
    // A per-second count in the timeline, when the result has one, is used instead.
    const result = fixture();
    result.results[0]!.timeline.forEach((p, i) => (p.loggedOut = i < 3 ? 0 : 70));
    expect(chartData(result).variants[0]!.loggedIn.slice(3, 5)).toEqual([
      { tMs: 3000, users: 80 },
      { tMs: 4000, users: 10 },
    ]);
  });

  it('html: bars say no fault, failed or skipped instead of a measured 0', () => {
    const result = fixture();
    result.results[1]!.faults.forEach((f) =>
      Object.assign(f, { status: 'skipped', startedMs: null }),
    );
    Object.assign(result.results[2]!, {
      status: 'failed',
      reason: 'would not start',
      timeline: [],
    });
    const data = chartData(result);
    expect(data.bars.map((b) => [b.variant, b.state, b.loggedOutUsers])).toEqual([
      ['memory', 'measured', 75],
      ['disk', 'no fault', 0],
      ['cookie', 'failed', null],
    ]);
    expect(data.variants.map((v) => v.variant)).toEqual(['memory', 'disk']);
    expect(data.variants[1]!.windows).toEqual([]);
  });

  it('html: text from the result cannot inject markup', () => {
    const result = fixture();
    result.scenario.scenario.name = '<img src=x onerror=alert(1)>';
    result.results[0]!.variant = '</script><script>alert(1)</script>';
    const html = renderHtml(result);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('</script><script>alert(1)');
  });

  it('are chosen by name; an unknown one is a usage error listing the formats', () => {
    expect(parseFormats('table, md,html,csv,md')).toEqual(['table', 'md', 'html', 'csv']);
    expect(() => parseFormats('md,pdf')).toThrow(UsageError);
    expect(() => parseFormats('pdf')).toThrow(/formats: table, json, md, csv, timeline-csv, html/);
  });
});
