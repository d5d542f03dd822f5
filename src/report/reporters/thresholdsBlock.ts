import type { ThresholdVerdict } from '../../result/result.js';
import { mdTable } from './mdTable.js';
import { paint, safeText, wrap, type Style, type Tone } from './text.js';

/**
 * The threshold verdicts, written once for every reporter: the heading and one row
 * per verdict. table, md, compare (text and Markdown) render these; html can too.
 */
export interface VerdictRow {
  status: ThresholdVerdict['status'];
  expression: string;
  variant: string;
  /** The message without the variant's name in front. */
  detail: string;
  /** The whole message, as the terminal prints it. */
  message: string;
}

export const verdictRows = (verdicts: readonly ThresholdVerdict[]): VerdictRow[] =>
  verdicts.map((v) => ({
    status: v.status,
    expression: v.expression,
    variant: v.variant,
    detail: v.message.replace(`${v.variant}: `, ''),
    message: v.message,
  }));

/** "5 of 13 FAILED", "12 passed, 1 skipped". */
export function verdictCount(verdicts: readonly ThresholdVerdict[]): string {
  const failed = verdicts.filter((v) => v.status === 'failed').length;
  const skipped = verdicts.filter((v) => v.status === 'skipped').length;
  if (failed) return `${failed} of ${verdicts.length} FAILED`;
  return `${verdicts.length - skipped} passed${skipped ? `, ${skipped} skipped` : ''}`;
}

const TEXT_MARK: Record<VerdictRow['status'], [string, Tone]> = {
  passed: ['✓', 'good'],
  failed: ['✗', 'bad'],
  skipped: ['-', 'dim'],
};

/** The terminal block: "thresholds: 5 of 13 FAILED" and a line per verdict, coloured when allowed. */
export function thresholdsText(
  verdicts: readonly ThresholdVerdict[],
  style: Style,
  width = Number.POSITIVE_INFINITY,
): string {
  if (!verdicts.length) return '';
  const count = verdictCount(verdicts);
  const lines = verdictRows(verdicts).flatMap((v) => {
    const [mark, tone] = TEXT_MARK[v.status];
    const text = wrap(
      `${mark} ${safeText(v.expression)}  ${safeText(v.message)}`,
      width,
      '  ',
      '      ',
    );
    return text.split('\n').map((line) => paint(style, tone, line));
  });
  const failed = verdicts.some((v) => v.status === 'failed');
  return [`thresholds: ${failed ? paint(style, 'bad', count) : count}`, ...lines].join('\n') + '\n';
}

const MD_MARK: Record<VerdictRow['status'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  skipped: '➖ skipped',
};

/** The heading of the Markdown and HTML blocks: "5 failed" or "all passed". */
export function verdictHeading(verdicts: readonly ThresholdVerdict[]): string {
  const failed = verdicts.filter((v) => v.status === 'failed').length;
  return failed ? `${failed} failed` : 'all passed';
}

/** The Markdown block: "### Thresholds: 5 failed" and a GFM table. */
export function thresholdsMarkdown(verdicts: readonly ThresholdVerdict[]): string {
  return [
    `### Thresholds: ${verdictHeading(verdicts)}`,
    '',
    mdTable(
      ['', 'threshold', 'variant', 'detail'],
      'llll',
      verdictRows(verdicts).map((v) => [
        MD_MARK[v.status],
        `\`${v.expression}\``,
        v.variant,
        v.detail,
      ]),
    ),
  ].join('\n');
}
