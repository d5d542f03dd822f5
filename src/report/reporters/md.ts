import type { RunResult, ThresholdVerdict } from '../../result/result.js';
import {
  FAULT_ALIGN,
  FAULT_COLUMNS,
  expectationNotes,
  faultRows,
  loadLine,
  machineLine,
  plannedFaults,
  serverLine,
  whenText,
} from './common.js';
import { summaryColumns, summaryRows } from './summaryColumns.js';

/** A cell of a GitHub-flavoured table: pipes escaped, one line. */
const cell = (value: string | number) => String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GFM table; `align` per column: 'l' or 'r'. */
export function mdTable(head: string[], align: string, rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${[...align].map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

const VERDICT_MARK: Record<ThresholdVerdict['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  skipped: '➖ skipped',
};

export function thresholdsMarkdown(verdicts: readonly ThresholdVerdict[]): string {
  const failed = verdicts.filter((v) => v.status === 'failed').length;
  return [
    `### Thresholds: ${failed ? `${failed} failed` : 'all passed'}`,
    '',
    mdTable(
      ['', 'threshold', 'variant', 'detail'],
      'llll',
      verdicts.map((v) => [
        VERDICT_MARK[v.status],
        `\`${v.expression}\``,
        v.variant,
        v.message.replace(`${v.variant}: `, ''),
      ]),
    ),
  ].join('\n');
}

/**
 * The result for a post or a PR comment: what ran, where, on which versions, and
 * the figures per variant in GitHub-flavoured tables.
 */
export function renderMarkdown(result: RunResult): string {
  const s = result.scenario;
  const summary = summaryColumns();
  const out: string[] = [`## session-bench: ${s.scenario.name}`, ''];
  const about = s.scenario.description?.split('\n')[0]?.trim();
  if (about) out.push(`> ${about}`, '');
  out.push(
    `- **Load:** ${loadLine(result)}`,
    `- **Faults:** ${plannedFaults(result)}`,
    `- **Run:** ${whenText(result.startedAt)}, ${result.runId}, ${result.status}`,
    `- **Machine:** ${machineLine(result)}`,
    `- **Versions:** ${result.tool.name} ${result.tool.version}; ` +
      result.results.map((r) => `${r.variant}: ${serverLine(r)} (${r.provider})`).join('; '),
    '',
    mdTable(
      summary.map((c) => c.heading),
      summary.map((c) => c.align).join(''),
      summaryRows(summary, result.results).map(([variant, ...rest]) => [`\`${variant}\``, ...rest]),
    ),
  );
  const faults = faultRows(result.results);
  if (faults.length) {
    const notes = expectationNotes(result.results);
    out.push(
      '',
      '### Faults',
      '',
      mdTable(
        FAULT_COLUMNS,
        FAULT_ALIGN,
        faults.map(([variant, ...rest]) => [`\`${variant}\``, ...rest]),
      ),
      ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    );
  }
  if (result.thresholds?.length) out.push('', thresholdsMarkdown(result.thresholds));
  out.push(
    '',
    '<sub>' +
      (result.scenario.load.mode === 'fixed'
        ? 'Latency is measured from the intended send time (no coordinated omission). '
        : 'Saturation mode: latency is service time under maximum load. ') +
      '"logged out": users whose session vanished though they never logged out.</sub>',
  );
  return `${out.join('\n')}\n`;
}
