/**
 * Plain-text building blocks of the terminal reporters: text from a result made safe
 * for a terminal, an aligned table that fits a width, wrapping, and colour as an
 * option of the reporter (never added afterwards by matching rendered text).
 */

/**
 * C0 and C1 control characters, DEL, and the Unicode bidi overrides, which a
 * terminal would obey: a variant name from a crafted result file could move the
 * cursor, retitle the window or hide text. Tab and line breaks are kept by `keep`.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeOne = (c: string) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}` as const;

/** Text from a result file, with every control character written visibly (`\u001b`). */
export function safeText(value: string | number, keep: 'none' | 'newlines' = 'none'): string {
  return String(value).replace(CONTROL, (c) =>
    keep === 'newlines' && (c === '\n' || c === '\r' || c === '\t') ? c : escapeOne(c),
  );
}

/** What a terminal shows of a colour code: nothing. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** Columns a string takes on a terminal (colour codes take none). */
export const visibleWidth = (text: string) => [...text.replace(SGR, '')].length;

export type Tone = 'bad' | 'good' | 'warn' | 'dim' | 'bold';
const TONE_SGR: Record<Tone, string> = { bad: '31', good: '32', warn: '33', dim: '2', bold: '1' };

/** How a reporter marks what must stand out: colour when allowed, otherwise nothing added. */
export interface Style {
  color: boolean;
}

export const paint = (style: Style, tone: Tone, text: string) =>
  style.color ? `\x1b[${TONE_SGR[tone]}m${text}\x1b[0m` : text;

/** A cell: text already safe, with an optional tone painted after alignment is measured. */
export interface Cell {
  text: string;
  tone?: Tone;
}

const asCell = (value: string | number | Cell): Cell =>
  typeof value === 'object' ? { ...value, text: safeText(value.text) } : { text: safeText(value) };

/**
 * An aligned table without borders (two spaces between columns), so that a summary
 * fits 80 columns. `align` per column: 'l' or 'r'. Every cell is made safe here.
 */
export function textTable(
  head: readonly string[],
  align: string,
  rows: readonly (readonly (string | number | Cell)[])[],
  style: Style,
  indent = '',
): string {
  const cells = rows.map((row) => row.map(asCell));
  const widths = head.map((h, i) =>
    Math.max(visibleWidth(h), ...cells.map((row) => visibleWidth(row[i]?.text ?? ''))),
  );
  const pad = (text: string, i: number) => {
    const gap = ' '.repeat(widths[i]! - visibleWidth(text));
    return align[i] === 'r' ? gap + text : text + gap;
  };
  const line = (row: Cell[]) =>
    indent +
    row
      .map((c, i) => {
        const padded = pad(c.text, i);
        return c.tone ? paint(style, c.tone, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(head.map((h) => ({ text: h }))), ...cells.map(line)].join('\n');
}

/** Words of one line wrapped to `width` columns; continuation lines get `hang` in front. */
export function wrap(text: string, width: number, indent = '', hang = `${indent}  `): string {
  const lines: string[] = [];
  let line = indent;
  let fresh = true;
  // Split at single spaces: a double space (between a threshold and its message) stays.
  for (const word of text.trim().split(' ')) {
    if (!fresh && visibleWidth(line) + 1 + visibleWidth(word) > width) {
      lines.push(line);
      line = hang + word;
    } else {
      line += (fresh ? '' : ' ') + word;
    }
    fresh = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The width of the summary a person reads; `--wide` lifts it. */
export const NARROW_COLUMNS = 80;
