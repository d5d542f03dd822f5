import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/report/compare.js';
import { mergeVariantResults } from '../../src/report/mergeShards.js';
import { renderHtml } from '../../src/report/reporters/html.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { renderTable } from '../../src/report/reporters/table.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { fixture } from '../helpers/reportFixture.js';

/** The fixture's memory row, 1,000 requests of which `late` left late, nothing else of note. */
function withLate(late: number, generator?: VariantResult['generator']): RunResult {
  const result = fixture();
  result.results = [result.results[0]!];
  const memory = result.results[0]!;
  memory.requests = { ...memory.requests, total: 1000, late };
  if (generator) memory.generator = generator;
  else delete memory.generator;
  return result;
}

const onTime = { lagP99Us: 900, lagMaxUs: 4000, stalledMs: 0, behind: false };
const behind = { lagP99Us: 24_000, lagMaxUs: 80_000, stalledMs: 1900, behind: true };

describe('late requests (more than 10 ms after their scheduled time)', () => {
  it('up to 1% is no news: no note, the row says ok', () => {
    const text = renderTable(withLate(10, onTime));
    expect(text).not.toContain('scheduled time');
    expect(text).toMatch(/memory .* ok/);
  });

  it('the generator behind: the row says so, the note names the tool as the limit, compare warns', () => {
    const result = withLate(120, behind);
    const text = renderTable(result);
    expect(text).toMatch(/memory .* generator behind/);
    expect(text).toContain('12.0% of requests (120) left more than 10 ms');
    expect(text).toContain('stalled 1900 ms in all');
    expect(renderMarkdown(result)).toContain("the figures are the tool's limit");
    expect(renderHtml(result)).toContain('generator behind');
    expect(compareResults(result, withLate(0, onTime), []).warnings).toEqual([
      expect.stringMatching(/^memory: 12.0% of requests .* in the base$/),
    ]);
  });

  it('the generator on time: a note that the connections waited on slow answers, the row stays ok', () => {
    const result = withLate(120, onTime);
    const text = renderTable(result);
    expect(text).toMatch(/memory .* ok/);
    expect(text).toContain('with the generator on time');
    expect(renderMarkdown(result)).toContain('every connection was held by a slow answer');
    // Not an incident of the run: compare does not call it unclean.
    expect(compareResults(result, result, []).warnings).toEqual([]);
  });

  it('merged from workers: the worst generator, behind if any one was', () => {
    const a = withLate(0, onTime).results[0]!;
    const b = withLate(120, behind).results[0]!;
    const merged = mergeVariantResults([
      { variant: a, name: 'runner' },
      { variant: b, name: 'worker2' },
    ] as Parameters<typeof mergeVariantResults>[0]);
    expect(merged.generator).toEqual({
      lagP99Us: 24_000,
      lagMaxUs: 80_000,
      stalledMs: 1900,
      behind: true,
    });
    const older = withLate(0).results[0]!;
    expect(
      mergeVariantResults([
        { variant: a, name: 'runner' },
        { variant: older, name: 'worker2' },
      ] as Parameters<typeof mergeVariantResults>[0]).generator,
    ).toBeUndefined();
  });
});

describe('late requests of a failed variant', () => {
  it('are not noted: the row has no figures to qualify', () => {
    const result = withLate(120, behind);
    result.results[0]!.status = 'failed';
    result.results[0]!.reason = 'Maximum call stack size exceeded';
    expect(renderTable(result)).not.toContain('scheduled time');
  });
});
