import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/report/reporters/csv.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { variantSummaryLine } from '../../src/report/reporters/summaryLine.js';
import { renderTable } from '../../src/report/reporters/table.js';
import { evaluateThresholds, parseThresholds } from '../../src/report/thresholds.js';
import type { RunResult } from '../../src/result/result.js';
import { fixture } from '../helpers/reportFixture.js';

/** The fixture with memory's audit counting 12 requests that got no answer. */
function withIndeterminate(): RunResult {
  const result = structuredClone(fixture());
  result.results[0]!.audit.indeterminate = 12;
  result.results[1]!.audit.indeterminate = 0;
  return result;
}

describe('reporters name the page views of a --parallel run', () => {
  it('in the table heading and the md load line, and not for one request at a time', () => {
    const result = structuredClone(fixture());
    expect(renderTable(result)).not.toContain('page views');
    result.scenario.load.parallel = 3;
    expect(renderTable(result).split('\n')[0]).toContain('80 req/s, page views of 3, 6s');
    expect(renderMarkdown(result)).toContain('80 req/s, page views of 3, 6s');
  });
});

describe('reporters show indeterminate requests where the audit counts are', () => {
  it('the text table: a note under it for each variant with some, within 80 columns', () => {
    const text = renderTable(withIndeterminate());
    expect(text).toContain('memory: 12 indeterminate requests (no answer:');
    expect(text).not.toMatch(/disk: 0 indeterminate/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('the wide table and md: a column, with a dash for a result written before it was counted', () => {
    const md = renderMarkdown(withIndeterminate());
    expect(md).toContain('| wrong user | indeterminate | status |');
    expect(md).toMatch(/\| `memory` \|.* \| 12 \| ok \|/);
    expect(md).toMatch(/\| `disk` \|.* \| 0 \| ok \|/);
    expect(md).toMatch(/\| `cookie` \|.* \| — \| ok \|/);
    expect(renderTable(withIndeterminate(), { wide: true })).toMatch(/indeterminate/);
  });

  it('csv and the one-line summary', () => {
    const [head, memory, disk, cookie] = renderCsv(withIndeterminate()).split('\r\n');
    const column = head!.split(',').indexOf('indeterminate');
    expect(column).toBeGreaterThan(0);
    expect(memory!.split(',')[column]).toBe('12');
    expect(disk!.split(',')[column]).toBe('0');
    expect(cookie!.split(',')[column]).toBe('');
    expect(variantSummaryLine(withIndeterminate().results[0]!)).toContain('indeterminate 12');
  });
});

describe('a threshold on indeterminate requests', () => {
  it('judges the count, and skips a result written before it was counted', () => {
    const verdicts = evaluateThresholds(parseThresholds(['indeterminate==0']), withIndeterminate());
    expect(verdicts.map((v) => [v.variant, v.status])).toEqual([
      ['memory', 'failed'],
      ['disk', 'passed'],
      ['cookie', 'skipped'],
    ]);
    expect(verdicts[2]!.message).toContain('no figure');
  });
});
