import type { FaultResult, VariantResult } from '../../result/result.js';
import { FAULT_ALIGN, FAULT_COLUMNS, answersText, faultName, recoveryText } from './common.js';
import { measured, noFaultRan } from './htmlChartData.js';
import { summaryColumns } from './summaryColumns.js';

/** The HTML report's tables: summary, variants not measured, faults. Markup only. */

export const escapeHtml = (text: string | number) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A table cell: its text and, for a figure that is not a measurement, a class. */
type Cell = string | number | { text: string; class: string };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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

/** The first line of a reason, at most ~140 characters: the rest goes in a <details>. */
export function shortReason(reason: string | undefined): string {
  const first = (reason ?? 'no reason given').split('\n')[0]!.trim();
  if (first.length <= 140) return first;
  const cut = first.slice(0, 140);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 100))}…`;
}

const dagger = (r: VariantResult) => (r.durabilityCaveat !== undefined ? ' †' : '');

/** "ok", or what went wrong: "aborted: interrupted; stalled at 3.0 s for 5.2 s; app0 died at 2.1 s; no fault ran". */
export function variantStatus(r: VariantResult): string {
  const parts: string[] = [];
  if (r.status !== 'completed')
    parts.push(r.reason ? `${r.status}: ${shortReason(r.reason)}` : r.status);
  if (r.stalled)
    parts.push(`stalled at ${seconds(r.stalled.atMs)} for ${seconds(r.stalled.forMs)}`);
  for (const exit of r.unexpectedExits ?? [])
    parts.push(`${exit.target} died at ${seconds(exit.tMs)}`);
  if (noFaultRan(r)) parts.push('no fault ran');
  return parts.join('; ') || 'ok';
}

function summaryCell(heading: string, r: VariantResult, value: string | number): Cell {
  if (heading === 'logged out') {
    if (noFaultRan(r)) return { text: 'no fault', class: 'nofault' };
    return `${value}${dagger(r)}`;
  }
  if (heading === 'lost updates') return `${value}${dagger(r)}`;
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

/** "† memory, disk: <caveat>", once per distinct caveat. */
export function caveatNotes(results: VariantResult[]): string {
  const byCaveat = new Map<string, string[]>();
  for (const r of results.filter((v) => v.durabilityCaveat !== undefined)) {
    byCaveat.set(r.durabilityCaveat!, [...(byCaveat.get(r.durabilityCaveat!) ?? []), r.variant]);
  }
  if (!byCaveat.size) return '';
  const items = [...byCaveat].map(
    ([caveat, variants]) =>
      `<li>† <b>${escapeHtml(variants.join(', '))}</b>: ${escapeHtml(caveat)}</li>`,
  );
  return `<ul class="facts caveat">${items.join('')}</ul>`;
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

function expectationCell(f: FaultResult): Cell {
  const e = f.expectation;
  if (!e) return '';
  if (e.matches === null) return { text: `${e.loss} (undecided)`, class: 'undecided' };
  return e.matches ? `${e.loss} (agrees)` : { text: `${e.loss} (MISMATCH)`, class: 'bad' };
}

function faultRow(r: VariantResult, f: FaultResult): Cell[] {
  const done = f.status === 'done';
  const of = f.loggedInUsersAtFault !== undefined ? ` / ${f.loggedInUsersAtFault}` : '';
  const later = f.loggedOutOutsidePopulation
    ? `, +${f.loggedOutOutsidePopulation} logged in later`
    : '';
  const lost: Cell = done
    ? `${f.loggedOutUsers}${of}${later}${dagger(r)}`
    : { text: 'no fault', class: 'nofault' };
  return [
    r.variant,
    faultName(f),
    seconds(f.startedMs ?? f.atMs),
    done ? `${f.unavailableMs} ms` : '',
    done ? recoveryText(f) : '',
    lost,
    done ? `${f.lostUpdates}${dagger(r)}` : '',
    expectationCell(f),
    done
      ? `done${answersText(f)}`
      : { text: `${f.status}: ${shortReason(f.reason)}`, class: 'flag' },
  ];
}

function expectationNote(r: VariantResult, f: FaultResult): string {
  const e = f.expectation!;
  const verdict =
    e.matches === null
      ? 'this run cannot decide'
      : e.matches
        ? 'this run agrees'
        : 'this run disagrees';
  return `${r.variant} ${faultName(f)}: documented loss ${e.loss}, ${e.claim} (${e.source}); ${verdict}${e.reason ? `: ${e.reason}` : ''}`;
}

export function faultsTable(results: VariantResult[]): string {
  const shown = results.filter(measured);
  const rows = shown.flatMap((r) => r.faults.map((f) => faultRow(r, f)));
  if (!rows.length) return '';
  const notes = shown.flatMap((r) =>
    r.faults.filter((f) => f.expectation).map((f) => expectationNote(r, f)),
  );
  return (
    `<h2>Faults</h2>\n${table(
      FAULT_COLUMNS,
      rows,
      [...FAULT_ALIGN].map((a) => a === 'r'),
    )}` +
    (notes.length
      ? `\n<ul class="facts">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
      : '')
  );
}
