import type { FaultResult, RunResult } from '../../result/result.js';
import { appCell, appsDiffer, expectationVerdict, faultCells, sharedLegend } from './common.js';
import { NARROW_COLUMNS, safeText, textTable, wrap, type Cell, type Style } from './text.js';

export interface DurabilityOptions {
  color?: boolean;
  /** The documentation's claim and source in the table; by default listed once under it. */
  wide?: boolean;
}

const NOT_SIMULATED =
  'Not simulated: power loss and OS crashes (a killed process leaves the page cache intact), ' +
  'where disk without fsync, redis:aof-everysec and mysql:flush2 would lose recent writes.';

/**
 * The durability table: for each variant and whole-store fault, what the run saw
 * beside what the backend's documentation says. Empty when no fault had an expectation.
 * A `†` marks figures under a durability caveat; the summary table prints the caveat.
 */
export function renderDurability(result: RunResult, options: DurabilityOptions = {}): string {
  const style: Style = { color: options.color ?? false };
  const wide = options.wide ?? false;
  const width = wide ? Number.POSITIVE_INFINITY : NARROW_COLUMNS;
  const faults = result.results.flatMap((r) =>
    r.faults.filter((f) => f.expectation).map((f) => ({ r, f, e: f.expectation! })),
  );
  if (faults.length === 0) return '';
  const label = (f: FaultResult) => `${f.action} ${f.targets.join(',')}`;
  // The app is part of a variant's identity; the narrow table names it only when it varies.
  const app = wide || appsDiffer(result.results);
  const rows = faults.map(({ r, f, e }): (string | Cell)[] => {
    const verdict = expectationVerdict(e);
    const cells = faultCells(r, f);
    return [
      r.variant,
      ...(app ? [appCell(r)] : []),
      label(f),
      cells.loggedOut,
      cells.lostUpdates,
      wide ? `${e.loss}: ${e.claim}` : e.loss,
      verdict === 'MISMATCH' ? { text: verdict, tone: 'bad' } : verdict,
      ...(wide ? [e.source] : []),
    ];
  });
  const head = ['variant', ...(app ? ['app'] : []), 'fault', 'logged out', 'lost upd.'];
  head.push('documented', 'agrees', ...(wide ? ['source'] : []));
  const align = `l${app ? 'l' : ''}lrrll${wide ? 'l' : ''}`;
  const mismatches = faults.filter(({ e }) => e.matches === false).length;
  const undecided = faults.filter(({ e }) => e.matches === null).length;
  // Each claim once, with the variants it speaks for: 28 rows of a matrix share a few.
  const claims = new Map<string, Set<string>>();
  if (!wide) {
    for (const { r, e } of faults) {
      const key = `${e.loss}: ${e.claim} (${e.source})`;
      claims.set(key, (claims.get(key) ?? new Set()).add(r.variant));
    }
  }
  return (
    [
      `durability (observed vs documented), ${mismatches} mismatch(es)` +
        (undecided ? `, ${undecided} undecided:` : ':'),
      textTable(head, align, rows, style, '  '),
      ...sharedLegend(faults.map(({ f }) => f)).map((n) => wrap(n, width, '  ', '    ')),
      // "undecided" alone says nothing: why the run cannot tell, once per fault.
      ...faults
        .filter(({ e }) => e.matches === null)
        .map(({ r, f, e }) =>
          wrap(
            safeText(`${r.variant} ${label(f)} undecided: ${e.reason ?? 'no reason given'}`),
            width,
            '  ',
            '    ',
          ),
        ),
      ...[...claims].map(([claim, variants]) =>
        wrap(safeText(`${[...variants].join(', ')} documented ${claim}`), width, '  ', '    '),
      ),
      wrap(NOT_SIMULATED, width),
    ].join('\n') + '\n'
  );
}
