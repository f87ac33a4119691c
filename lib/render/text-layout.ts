// Laying text out for terminals: aligned columns (kubectl's layout: three spaces between columns,
// no trailing blanks), cells made safe to print, and the few ANSI styles the colored renderer uses.
// Cells come from users (annotations are free text), so control characters are shown escaped:
// an ESC in a description must not repaint someone's terminal, and bidi overrides must not make
// a printed line read differently from what it holds.

const COLUMN_GAP = '   ';

/**
 * Characters that must not reach a terminal as they are: C0 and C1 controls, DEL, and the Unicode
 * bidi embedding, override and isolate characters.
 */
export function isUnsafeChar(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** One printable line: newlines and tabs become spaces, other controls `\xNN` / `\u{NNNN}`. */
export function safeCell(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (!isUnsafeChar(code)) out += char;
    else if (char === '\n' || char === '\r' || char === '\t') out += ' ';
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out;
}

/** Printable lines of a multi-line text (YAML shown as details): each line made safe. */
export function safeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => safeCell(line))
    .join('\n');
}

// East Asian wide and fullwidth ranges (the common ones) take two terminal cells; combining
// marks, zero-width spaces and variation selectors take none.
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];
const ZERO_WIDTH_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f],
  [0x200b, 0x200f],
  [0xfe00, 0xfe0f],
];

const within = (code: number, ranges: ReadonlyArray<readonly [number, number]>) =>
  ranges.some(([from, to]) => code >= from && code <= to);

/** How many terminal cells `text` takes (code points; wide characters count two). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (within(code, ZERO_WIDTH_RANGES)) continue;
    width += within(code, WIDE_RANGES) ? 2 : 1;
  }
  return width;
}

/** `text` cut to `max` cells, ending with `...` when cut (the original's DESCRIPTION column). */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (width + w > max - 3) break;
    out += char;
    width += w;
  }
  return `${out}...`;
}

export type Style = (text: string) => string;
export const noStyle: Style = (text) => text;

/**
 * Aligned columns. `style(text, column, row)` decorates a cell's text (row -1 is the header); the
 * padding goes outside it, so escape codes never count towards widths.
 */
export function alignColumns(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  style: (text: string, column: number, row: number) => string = (text) => text,
): string {
  const all = [headers, ...rows].map((row) => headers.map((_, i) => safeCell(row[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => displayWidth(row[i]!))));
  const lines = all.map((row, r) => {
    const last = row.length - 1;
    return row
      .map((cell, c) => {
        const padding = c === last ? '' : ' '.repeat(widths[c]! - displayWidth(cell));
        return style(cell, c, r - 1) + padding;
      })
      .join(COLUMN_GAP)
      .replace(/\s+$/, '');
  });
  return `${lines.join('\n')}\n`;
}

/**
 * `Key:   value` lines, values aligned two spaces after the longest key. An empty key continues
 * the value of the pair above it on a line of its own.
 */
export function alignPairs(
  pairs: ReadonlyArray<readonly [string, string]>,
  styleKey: Style = noStyle,
): string {
  const keys = pairs.map(([key]) => (key === '' ? '' : `${safeCell(key)}:`));
  const width = Math.max(...keys.map(displayWidth)) + 2;
  const lines = pairs.map(([, value], i) => {
    const key = keys[i]!;
    const text = safeCell(value);
    if (text === '') return styleKey(key);
    return `${styleKey(key)}${' '.repeat(width - displayWidth(key))}${text}`;
  });
  return `${lines.join('\n')}\n`;
}

// SGR sequences; each style resets only what it set, so nested styles survive.
const sgr =
  (open: number, close: number): Style =>
  (text) =>
    text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`;

export const ansi = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  cyan: sgr(36, 39),
} satisfies Record<string, Style>;
