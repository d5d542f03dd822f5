import { UsageError } from '../../errors.js';
import type { RunResult } from '../../result/result.js';
import { renderCsv, renderTimelineCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './md.js';
import { renderTable } from './table.js';

export type Reporter = (result: RunResult) => string;

/**
 * Every output format, each a pure function of the result. `csv` is one row per
 * variant, `timeline-csv` one row per variant per second; a `csv` file written by
 * `run` or `report --out` gets its timeline next to it (`<name>.timeline.csv`).
 */
export const REPORTERS: Record<string, Reporter> = {
  table: renderTable,
  json: renderJson,
  md: renderMarkdown,
  csv: renderCsv,
  'timeline-csv': renderTimelineCsv,
  html: renderHtml,
};

/** File extension per format, for files written next to the result JSON. */
export const EXTENSIONS: Record<string, string> = {
  table: 'txt',
  json: 'json',
  md: 'md',
  csv: 'csv',
  'timeline-csv': 'timeline.csv',
  html: 'html',
};

export function reporterNamed(name: string): Reporter {
  const reporter = REPORTERS[name];
  if (!reporter) {
    throw new UsageError(
      `unknown format ${JSON.stringify(name)}; formats: ${Object.keys(REPORTERS).join(', ')}`,
    );
  }
  return reporter;
}

/** "table,md, html" → ['table', 'md', 'html'], each checked. */
export function parseFormats(list: string): string[] {
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!names.length)
    throw new UsageError(`--format needs at least one of ${Object.keys(REPORTERS).join(', ')}`);
  names.forEach(reporterNamed);
  return [...new Set(names)];
}
