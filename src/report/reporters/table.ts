import { claimsText } from './claimsSection.js';
import {
  NEIGHBOR_ALIGN,
  NEIGHBOR_COLUMNS,
  NEIGHBOR_LEGEND,
  neighborNotes,
  neighborRows,
} from './neighborRows.js';
import type { RunResult, VariantResult } from '../../result/result.js';
import {
  CAPACITY_ALIGN,
  CAPACITY_HEAD,
  CURVE_ALIGN,
  CURVE_HEAD,
  RESOURCE_ALIGN,
  RESOURCE_HEAD,
  RESOURCE_LEGEND,
  capacityLegend,
  capacityRows,
  curveRows,
  failedStepLines,
  resourceRows,
} from './capacity.js';
import {
  appPackageLines,
  appsDiffer,
  caveatNotes,
  faultCells,
  faultName,
  variantNotes,
  measured,
  pageViews,
  modeText,
  plannedFaults,
  runAppText,
  sharedLegend,
} from './common.js';
import { notMeasuredGroups, type NotMeasuredGroup } from './notMeasured.js';
import { summaryColumns, superscript } from './summaryColumns.js';
import { thresholdsText } from './thresholdsBlock.js';
import { NARROW_COLUMNS, paint, safeText, textTable, wrap, type Cell, type Style } from './text.js';

/** How the terminal summary is drawn. */
export interface TableOptions {
  /** Colour codes (the CLI decides: a terminal, NO_COLOR, FORCE_COLOR, --no-color). */
  color?: boolean;
  /** Every column, lines not wrapped (`--wide`); by default the summary fits 80 columns. */
  wide?: boolean;
  /** The verdicts at the end; `run` prints them itself, after everything else. */
  thresholds?: boolean;
}

/** Without colour a loss is marked with this after the figure. */
const LOSS_MARK = '!';

function heading(result: RunResult, width: number): string {
  const load = result.scenario.load;
  const text =
    `session-bench ${result.scenario.scenario.name}: ${modeText(load)}` +
    pageViews(result) +
    `, ${load.durationMs / 1000}s${load.capacity ? ' steps' : ''}, ${load.users} users` +
    // The planned faults as md and html spell them (a pause with its duration).
    (result.scenario.faults.length ? `, faults ${plannedFaults(result)}` : '') +
    `, ${runAppText(result)}` +
    (result.status === 'completed' ? '' : ` (run ${result.status})`);
  return wrap(safeText(text), width);
}

/** The summary rows; a loss is red with colour, marked with `!` without. */
function summary(result: RunResult, groups: NotMeasuredGroup[], style: Style, wide: boolean) {
  const columns = summaryColumns({
    narrow: !wide,
    // The heading names the run's app; a column only when the variants' apps differ.
    app: wide || appsDiffer(result.results),
    compact: true,
    notes: groups,
    noteRef: superscript,
  });
  let marked = false;
  const rows = result.results.map((r) =>
    columns.map((c): Cell => {
      const text = String(c.value(r));
      if (!c.loss?.(r)) return { text };
      if (style.color) return { text, tone: 'bad' };
      marked = true;
      return { text: `${text}${LOSS_MARK}` };
    }),
  );
  const table = textTable(
    columns.map((c) => c.heading),
    columns.map((c) => c.align).join(''),
    rows,
    style,
  );
  const legend = [
    ...(wide ? [] : ['p50, p99: latency in ms']),
    ...(marked ? [`${LOSS_MARK} marks a loss`] : []),
  ];
  return legend.length ? `${table}\n${legend.join('; ')}` : table;
}

/** "1 resurrected session", "2 resurrected sessions". */
const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Losses the narrow table has no column for: they must still be seen. */
function otherLosses(results: VariantResult[], style: Style): string[] {
  return results.filter(measured).flatMap((r) => {
    const out: string[] = [];
    const mark = (text: string) =>
      style.color ? paint(style, 'bad', text) : `${text}${LOSS_MARK}`;
    if (r.audit.resurrectedSessions > 0) {
      out.push(
        `${safeText(r.variant)}: ${mark(countOf(r.audit.resurrectedSessions, 'resurrected session'))} (logged out, accepted again)`,
      );
    }
    if (r.audit.wrongUserSessions > 0) {
      out.push(
        `${safeText(r.variant)}: ${mark(countOf(r.audit.wrongUserSessions, 'WRONG-USER session'))} (must be 0)`,
      );
    }
    return out;
  });
}

/** Requests the narrow table has no column for: no answer, so the audit could not decide them. */
const indeterminateNotes = (results: VariantResult[]): string[] =>
  results
    .filter((r) => measured(r) && r.audit.indeterminate)
    .map(
      (r) =>
        `${r.variant}: ${countOf(r.audit.indeterminate!, 'indeterminate request')} (no answer: ${r.audit.indeterminate === 1 ? 'it' : 'they'} may or may not have applied; never counted as a loss)`,
    );

/** The middleware and store packages each variant ran, with their versions. */
function appPackages(results: VariantResult[], width: number): string[] {
  const lines = appPackageLines(results);
  if (!lines.length) return [];
  return ['packages:', ...lines.map((line) => wrap(safeText(line), width, '  ', '    '))];
}

/** Each group of not-measured variants once: why, and the way out. */
export function notMeasuredText(groups: readonly NotMeasuredGroup[], width: number): string[] {
  return groups.flatMap((g) => [
    wrap(safeText(`${superscript(g.number)} ${g.status}: ${g.variants.join(', ')}`), width),
    ...g.reasons.map((reason) => wrap(safeText(reason), width, '    ', '      ')),
    ...(g.wayOut.length
      ? [wrap(safeText(`way out: ${g.wayOut.join('; or ')}`), width, '  ', '      ')]
      : []),
  ]);
}

function faultsTable(results: VariantResult[], style: Style, wide: boolean): string[] {
  const rows = results.flatMap((r) =>
    r.faults.map((f) => {
      const c = faultCells(r, f);
      // Narrow: the status stands where the figures would.
      return [
        c.variant,
        c.fault,
        c.at,
        c.done ? c.unavailable : f.status,
        c.recovery,
        c.loggedOut,
        ...(wide ? [c.lostUpdates, c.documented, c.answers] : []),
      ];
    }),
  );
  if (!rows.length) return [];
  const head = ['variant', 'fault', 'at', 'unavailable', 'recovery', 'logged out'];
  if (wide) head.push('lost upd.', 'documented', 'answers during it');
  const width = wide ? Number.POSITIVE_INFINITY : NARROW_COLUMNS;
  // A reason shared by several faults of a variant is said once.
  const reasons = results.flatMap((r) => {
    const by = new Map<string, string[]>();
    for (const f of r.faults.filter((f) => f.status !== 'done' && f.reason)) {
      const key = `${f.status}: ${f.reason}`;
      by.set(key, [...(by.get(key) ?? []), faultName(f)]);
    }
    return [...by].map(([why, faults]) =>
      wrap(safeText(`${r.variant} ${faults.join(', ')} ${why}`), width, '  ', '    '),
    );
  });
  return [
    'faults:',
    textTable(head, wide ? 'llrrrrrll' : 'llrrrr', rows, style, '  '),
    ...sharedLegend(results.flatMap((r) => r.faults)).map((n) => wrap(n, width, '  ', '    ')),
    ...reasons,
  ];
}

function neighborTable(results: VariantResult[], style: Style, width: number): string[] {
  const rows = neighborRows(results);
  if (!rows.length) return [];
  return [
    'neighbour workload:',
    textTable(NEIGHBOR_COLUMNS, NEIGHBOR_ALIGN, rows, style, '  '),
    ...[...neighborNotes(results), NEIGHBOR_LEGEND].map((n) =>
      wrap(safeText(n), width, '  ', '    '),
    ),
  ];
}

/** Capacity mode: the knee per variant, then each variant's curve. */
function capacityText(results: VariantResult[], style: Style, width: number): string[] {
  const rows = capacityRows(results);
  if (!rows.length) return [];
  const curves = results
    .filter((r) => r.capacity)
    .flatMap((r) => [
      `curve of ${safeText(r.variant)}:`,
      textTable(CURVE_HEAD, CURVE_ALIGN, curveRows(r.capacity!.steps, false), style, '  '),
      ...failedStepLines(r.capacity!.steps).map((l) => wrap(safeText(l), width, '  ', '    ')),
    ]);
  return [
    'capacity:',
    textTable(CAPACITY_HEAD, CAPACITY_ALIGN, rows, style, '  '),
    ...capacityLegend(results).map((l) => wrap(safeText(l), width, '  ', '    ')),
    ...curves,
  ];
}

/** What each node and app instance cost during the load. */
function resourcesText(results: VariantResult[], style: Style): string[] {
  const rows = resourceRows(results);
  if (!rows.length) return [];
  return [
    'resources:',
    textTable(RESOURCE_HEAD, RESOURCE_ALIGN, rows, style, '  '),
    wrap(RESOURCE_LEGEND, NARROW_COLUMNS, '  ', '  '),
  ];
}

/** The per-variant summary a person reads at the end of a run. */
export function renderTable(result: RunResult, options: TableOptions = {}): string {
  const style: Style = { color: options.color ?? false };
  const wide = options.wide ?? false;
  const width = wide ? Number.POSITIVE_INFINITY : NARROW_COLUMNS;
  const groups = notMeasuredGroups(result.results);
  const notes = [
    ...result.results.flatMap(variantNotes).map((n) => wrap(safeText(n), width)),
    // Already safe, maybe coloured: short enough not to wrap.
    ...(wide ? [] : otherLosses(result.results, style)),
    ...(wide ? [] : indeterminateNotes(result.results).map((n) => wrap(safeText(n), width))),
    ...caveatNotes(result.results).map((n) => wrap(safeText(n), width)),
  ];
  return (
    [
      heading(result, width),
      summary(result, groups, style, wide),
      ...appPackages(result.results, width),
      ...notes,
      ...notMeasuredText(groups, width),
      ...faultsTable(result.results, style, wide),
      ...neighborTable(result.results, style, width),
      ...claimsText(result, width),
      ...capacityText(result.results, style, width),
      ...resourcesText(result.results, style),
    ].join('\n') +
    '\n' +
    (options.thresholds === false ? '' : thresholdsText(result.thresholds ?? [], style, width))
  );
}
