import type { RunResult, VariantResult } from '../../result/result.js';
import { faultCells } from './common.js';
import { mdTable } from './mdTable.js';
import { textTable, wrap, NARROW_COLUMNS, type Style } from './text.js';

export const FAILOVER_HEAD = [
  'variant',
  'fault',
  'primary',
  'failover',
  'logged out',
  'lost upd.',
  'stale reads',
  'resurrected',
  'indeterminate',
];
export const FAILOVER_ALIGN = 'lllrrrrrr';

export const FAILOVER_HOW =
  'failover: from the fault to the first write a primary acknowledged to a probe of ' +
  "session-bench's own (written every 50 ms to the former primary's data); " +
  'stale reads: reads that showed less than was acknowledged before they left (the first sight of a loss, or an old copy); ' +
  'resurrected: for the whole run; indeterminate: requests of the fault that timed out (may or may not have applied).';

/**
 * One row per fault that hit a replicated store's primary; on such a store, a fault that
 * was skipped is a row too, saying so (never a failover of 0 ms).
 */
export function failoverRows(results: VariantResult[]): string[][] {
  return results.flatMap((r: VariantResult) => {
    const replicated = r.faults.some((f) => f.failover);
    return r.faults
      .filter((f) => f.failover || (replicated && f.status === 'skipped'))
      .map((f) => {
        const cells = faultCells(r, f, true);
        if (!f.failover) return [r.variant, cells.fault, '—', 'skipped', '—', '—', '—', '—', '—'];
        const { primaryBefore, primaryAfter, failoverMs, promoted } = f.failover;
        const primary = `${primaryBefore ?? '?'} → ${primaryAfter ?? '?'}${promoted ? '' : ' (none promoted)'}`;
        return [
          r.variant,
          cells.fault,
          primary,
          failoverMs === null ? 'no write acked' : `${failoverMs} ms`,
          cells.loggedOut,
          cells.lostUpdates,
          f.staleReads === undefined ? 'not measured' : String(f.staleReads),
          String(r.audit.resurrectedSessions),
          f.answers ? String(f.answers.timeouts) : 'not measured',
        ];
      });
  });
}

/** The failover table for the terminal; empty when no fault hit a primary. */
export function renderFailover(
  result: RunResult,
  style: Style & { wide?: boolean } = { color: false },
): string {
  const table = failoverRows(result.results);
  if (table.length === 0) return '';
  const width = style.wide ? Number.POSITIVE_INFINITY : NARROW_COLUMNS;
  return (
    [
      'failover (faults on a primary):',
      textTable(FAILOVER_HEAD, FAILOVER_ALIGN, table, style, '  '),
      wrap(FAILOVER_HOW, width, '  ', '    '),
    ].join('\n') + '\n'
  );
}

/** The same as Markdown lines (a heading, the table, how it is measured); [] when none. */
export function failoverMarkdown(result: RunResult): string[] {
  const table = failoverRows(result.results);
  if (table.length === 0) return [];
  return [
    '',
    '### Failover',
    '',
    mdTable(
      FAILOVER_HEAD,
      FAILOVER_ALIGN,
      table.map(([v, ...rest]) => [`\`${v}\``, ...rest]),
    ),
    '',
    `- ${FAILOVER_HOW}`,
  ];
}
