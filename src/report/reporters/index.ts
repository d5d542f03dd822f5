import { UsageError } from '../../errors.js';
import type { RunResult } from '../../result/result.js';
import { renderCsv, renderTimelineCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './md.js';
import { renderTable } from './table.js';

/** What a reporter may be asked for; each ignores what does not apply to it. */
export interface ReporterOptions {
  /** Colour codes (only the terminal table uses them). */
  color?: boolean;
  /** Every column, no wrapping at 80 columns (the terminal table). */
  wide?: boolean;
}

/** A reporter: a pure function of the result, and the extension of the file it writes. */
export interface Reporter {
  render(result: RunResult, options?: ReporterOptions): string;
  /** `<stem>.<extension>` next to the result JSON. */
  extension: string;
}

/** The format names `--format` takes. */
export type ReporterName = 'table' | 'json' | 'md' | 'csv' | 'timeline-csv' | 'html';

/**
 * Every output format (model: vitest's reporter registry). `csv` is one row per
 * variant, `timeline-csv` one row per variant per second; a `csv` file written by
 * `run` or `report --out` gets its timeline next to it (`<name>.timeline.csv`).
 *
 * The GitHub step summary (stepSummary.ts) is not an entry: an entry is a `--format`
 * name whose text goes to stdout or to `<stem>.<extension>` beside the result, while
 * the step summary has no format name or extension of its own (its text is `md`'s),
 * is appended to the file `$GITHUB_STEP_SUMMARY` names whatever `--format` says, and
 * also carries `compare`'s Markdown, which is not a RunResult.
 */
export const REPORTERS = {
  table: { render: renderTable, extension: 'txt' },
  json: { render: renderJson, extension: 'json' },
  md: { render: renderMarkdown, extension: 'md' },
  csv: { render: renderCsv, extension: 'csv' },
  'timeline-csv': { render: renderTimelineCsv, extension: 'timeline.csv' },
  html: { render: renderHtml, extension: 'html' },
} as const satisfies Record<ReporterName, Reporter>;

export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

const isReporterName = (name: string): name is ReporterName =>
  Object.prototype.hasOwnProperty.call(REPORTERS, name);

/** File extension per format, for files written next to the result JSON. */
export const EXTENSIONS: Record<string, string> = Object.fromEntries(
  REPORTER_NAMES.map((name) => [name, REPORTERS[name].extension]),
);

/** The reporter of a format; an unknown name is a usage error listing the formats. */
export function reporterEntry(name: string): Reporter {
  if (!isReporterName(name)) {
    throw new UsageError(
      `unknown format ${JSON.stringify(name)}; formats: ${REPORTER_NAMES.join(', ')}`,
    );
  }
  return REPORTERS[name];
}

/** The render function of a format, options bound. */
export function reporterNamed(
  name: string,
  options: ReporterOptions = {},
): (result: RunResult) => string {
  const reporter = reporterEntry(name);
  return (result) => reporter.render(result, options);
}

/** "table,md, html" → ['table', 'md', 'html'], each checked. */
export function parseFormats(list: string): ReporterName[] {
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!names.length)
    throw new UsageError(`--format needs at least one of ${REPORTER_NAMES.join(', ')}`);
  names.forEach(reporterEntry);
  return [...new Set(names)] as ReporterName[];
}
