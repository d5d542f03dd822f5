import { safeText } from './text.js';

/** A cell of a GitHub-flavoured table: control characters escaped, pipes escaped, one line. */
const cell = (value: string | number) =>
  safeText(String(value).replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');

/** A GFM table; `align` per column: 'l' or 'r'. */
export function mdTable(head: string[], align: string, rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${[...align].map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}
