import type { FaultResult, VariantResult } from '../../result/result.js';
import {
  NEIGHBOR_ALIGN,
  NEIGHBOR_COLUMNS,
  NEIGHBOR_LEGEND,
  neighborNotes,
  neighborRows,
} from './neighborRows.js';
import {
  FAULT_ALIGN,
  FAULT_COLUMNS,
  caveatNotes,
  expectationNotes,
  faultCells,
  faultCoverage,
  incidentNotes,
  lateNotes,
  notSentNotes,
  incidentWords,
  measured,
  sharedLegend,
} from './common.js';
import { FAILOVER_ALIGN, FAILOVER_HEAD, FAILOVER_HOW, failoverRows } from './failover.js';
import { summaryColumns } from './summaryColumns.js';

/** The HTML report's tables: summary, variants not measured, faults. Markup only. */

export const escapeHtml = (text: string | number) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A table cell: its text and, for a figure that is not a measurement, a class. */
type Cell = string | number | { text: string; class: string };

function table(head: string[], rows: Cell[][], numeric: boolean[]): string {
  const cls = (i: number, extra?: string) => {
    const names = [numeric[i] ? 'n' : '', extra ?? ''].filter(Boolean).join(' ');
    return names ? ` class="${names}"` : '';
  };
  const th = head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`);
  const tr = rows.map(
    (row) =>
      `<tr>${row
        .map((c, i) =>
          typeof c === 'object'
            ? `<td${cls(i, c.class)}>${escapeHtml(c.text)}</td>`
            : `<td${cls(i)}>${escapeHtml(c)}</td>`,
        )
        .join('')}</tr>`,
  );
  // Wide tables scroll sideways inside their box on a phone; the page does not.
  return `<div class="scroll"><table><thead><tr>${th.join('')}</tr></thead><tbody>${tr.join('\n')}</tbody></table></div>`;
}

/** A table of plain strings; `align` per column: 'r' for a figure. */
export function plainTable(head: string[], align: string, rows: string[][]): string {
  return table(
    head,
    rows,
    [...align].map((a) => a === 'r'),
  );
}

/** The first line of a reason, at most ~140 characters: the rest goes in a <details>. */
export function shortReason(reason: string | undefined): string {
  const first = (reason ?? 'no reason given').split('\n')[0]!.trim();
  if (first.length <= 140) return first;
  const cut = first.slice(0, 140);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 100))}…`;
}

/** "ok", or what went wrong: "aborted: interrupted; stalled at 3.0 s; app0 died at 2.1 s; no fault ran". */
export function variantStatus(r: VariantResult): string {
  const parts: string[] = [];
  if (r.status !== 'completed')
    parts.push(r.reason ? `${r.status}: ${shortReason(r.reason)}` : r.status);
  parts.push(...incidentWords(r));
  if (faultCoverage(r) === 'no fault') parts.push('no fault ran');
  return parts.join('; ') || 'ok';
}

/** The summary's cells are the common ones; html adds a class where a figure is not a measurement. */
function summaryCell(heading: string, r: VariantResult, value: string | number): Cell {
  if (heading === 'logged out' && faultCoverage(r) === 'no fault' && r.audit.loggedOutUsers === 0)
    return { text: String(value), class: 'nofault' };
  if (heading === 'status') {
    const text = variantStatus(r);
    return text === 'ok' ? text : { text, class: 'flag' };
  }
  return value;
}

/** One row per measured variant; failed and skipped ones are listed under it instead. */
export function summaryTable(results: VariantResult[]): string {
  const rows = results.filter(measured);
  if (!rows.length) return '<p class="muted">No variant was measured.</p>';
  const columns = summaryColumns({ server: true });
  return table(
    columns.map((c) => c.heading),
    rows.map((r) => columns.map((c) => summaryCell(c.heading, r, c.value(r)))),
    columns.map((c) => c.align === 'r'),
  );
}

const factList = (notes: string[], cls: string) =>
  notes.length
    ? `<ul class="facts ${cls}">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';

/**
 * Under the summary: each variant's incidents (a stall, an unplanned death, a generator
 * behind), late requests of other causes, each caveat once.
 */
export function summaryNotes(results: VariantResult[]): string {
  const shown = results.filter(measured);
  return (
    factList(shown.flatMap(incidentNotes), 'incidents') +
    factList(shown.flatMap(lateNotes), 'late') +
    factList(shown.flatMap(notSentNotes), 'not sent') +
    factList(caveatNotes(results), 'caveat')
  );
}

/** Failed and skipped variants: one line per reason, the variants that share it named once. */
export function notMeasured(results: VariantResult[]): string {
  const groups = new Map<string, { status: string; reason?: string; variants: string[] }>();
  for (const r of results.filter((v) => !measured(v))) {
    const key = `${r.status}\n${r.reason ?? ''}`;
    const group = groups.get(key) ?? { status: r.status, reason: r.reason, variants: [] };
    group.variants.push(r.variant);
    groups.set(key, group);
  }
  if (!groups.size) return '';
  const items = [...groups.values()].map((g) => {
    const short = shortReason(g.reason);
    const full =
      g.reason && short !== g.reason.trim()
        ? `<details><summary>full reason</summary><pre>${escapeHtml(g.reason)}</pre></details>`
        : '';
    return `<li><b>${escapeHtml(g.variants.join(', '))}</b> <span class="flag">${escapeHtml(g.status)}</span>: ${escapeHtml(short)}${full}</li>`;
  });
  return `<ul class="facts not-run">${items.join('\n')}</ul>`;
}

function expectationCell(f: FaultResult, text: string): Cell {
  const e = f.expectation;
  if (!e) return '';
  if (e.matches === null) return { text, class: 'undecided' };
  return e.matches ? text : { text, class: 'bad' };
}

function faultRow(r: VariantResult, f: FaultResult): Cell[] {
  const c = faultCells(r, f, true);
  return [
    c.variant,
    c.fault,
    c.at,
    c.unavailable,
    c.recovery,
    c.done ? c.loggedOut : { text: 'no fault', class: 'nofault' },
    c.lostUpdates,
    expectationCell(f, c.documented),
    c.done ? c.status : { text: `${f.status}: ${shortReason(f.reason)}`, class: 'flag' },
  ];
}

export function faultsTable(results: VariantResult[]): string {
  const shown = results.filter(measured);
  const rows = shown.flatMap((r) => r.faults.map((f) => faultRow(r, f)));
  if (!rows.length) return '';
  const notes = [...sharedLegend(shown.flatMap((r) => r.faults)), ...expectationNotes(shown)];
  return (
    `<h2>Faults</h2>\n${table(
      FAULT_COLUMNS,
      rows,
      [...FAULT_ALIGN].map((a) => a === 'r'),
    )}` + (notes.length ? `\n${factList(notes, 'fault-notes')}` : '')
  );
}

/** The neighbour workload's phases (alone, beside each session rate), when one ran. */
export function neighborTable(results: VariantResult[]): string {
  const rows = neighborRows(results);
  if (!rows.length) return '';
  const numeric = [...NEIGHBOR_ALIGN].map((a) => a === 'r');
  const notes = [...neighborNotes(results), NEIGHBOR_LEGEND];
  return `<h2>Neighbour workload</h2>\n${table(NEIGHBOR_COLUMNS, rows, numeric)}\n<ul class="notes">${notes
    .map((n) => `<li>${escapeHtml(n)}</li>`)
    .join('')}</ul>`;
}

/** Faults on a replicated store's primary: who was primary before and after, failover time. */
export function failoverTable(results: VariantResult[]): string {
  const rows = failoverRows(results.filter(measured));
  if (!rows.length) return '';
  return (
    `<h2>Failover</h2>\n${table(
      FAILOVER_HEAD,
      rows,
      [...FAILOVER_ALIGN].map((a) => a === 'r'),
    )}` + `\n${factList([FAILOVER_HOW], 'fault-notes')}`
  );
}
