/** Plain-text tables for terminals: right-aligned numbers, optional bars, width-aware. */
import { paint, type Style } from './color.js';
import { inert } from './inert.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Longest allowed cell; longer text is cut with an ellipsis. */
  max?: number;
  /** The colour of a cell, from its text (used only when colour is on). */
  style?: (cell: string) => Style | undefined;
}

/**
 * A count with comma groups (1,234,567), as `toLocaleString('en-US')` prints it but without
 * Intl: its first use loads locale data, which costs more than a whole cron-path command.
 */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(n);
  let digits = String(Math.abs(rounded));
  // From 1e21 String() writes an exponent ("1.5e+21"): its digits, then zeros, as Intl does.
  const e = digits.indexOf('e+');
  if (e >= 0) {
    const mantissa = digits.slice(0, e).replace('.', '');
    digits = mantissa.padEnd(Number(digits.slice(e + 2)) + 1, '0');
  }
  return `${rounded < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A bar of `width` cells for value/max, in eighths of a block. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0 || width <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return '█'.repeat(full) + (rest ? ' ▏▎▍▌▋▊▉'[rest]! : '');
}

/**
 * Cells are one line each, their control characters escaped (a PR title is someone else's
 * text); widths are measured on that plain text; colour (headers bold, styled cells) goes on after.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { color?: boolean } = {},
): string {
  const color = options.color === true;
  const cells = rows.map((row) =>
    row.map((cell, i) => truncate(inert(cell), columns[i]?.max ?? Infinity)),
  );
  const widths = columns.map((col, i) =>
    Math.max(col.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (
    row: readonly string[],
    styleOf: (col: Column, cell: string) => Style | undefined,
  ) =>
    columns
      .map((col, i) => {
        const cell = row[i] ?? '';
        const pad = ' '.repeat(Math.max(0, widths[i]! - cell.length));
        const text = paint(cell, styleOf(col, cell), color);
        return col.align === 'right' ? pad + text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return (
    [
      line(
        columns.map((c) => c.header),
        () => 'bold',
      ),
      ...cells.map((row) => line(row, (col, cell) => col.style?.(cell))),
    ].join('\n') + '\n'
  );
}

/** RFC 4180 CSV. */
export function renderCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const quote = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}
