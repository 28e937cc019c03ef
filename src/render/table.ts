/** Plain-text tables for terminals: right-aligned numbers, optional bars, width-aware. */
import stringWidth from 'string-width';
import { paint, type Style } from './color.js';
import { inert } from './inert.js';

/**
 * Terminal cells a string takes: CJK and most emoji take two, combining marks none
 * (string-width: the Unicode East Asian Width and emoji tables, kept up to date upstream).
 */
export const displayWidth = (text: string): number => stringWidth(text);

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Longest allowed cell; longer text is cut with an ellipsis. */
  max?: number;
  /** The colour of a cell, from its text (used only when colour is on). */
  style?: (cell: string) => Style | undefined;
  /** When the table is wider than the terminal, the column may be cut down to this many cells. */
  min?: number;
  /**
   * When cutting is not enough, columns are dropped lowest priority first; a column without a
   * priority is never dropped.
   */
  priority?: number;
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

/** `text` cut to at most `max` display cells, an ellipsis marking the cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (displayWidth(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > max - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** The terminal's width: `COLUMNS` when set, else the TTY's; undefined (no limit) in a pipe. */
export function terminalWidth(
  columnsEnv: string | undefined,
  ttyColumns: number | undefined,
): number | undefined {
  const fromEnv = Number(columnsEnv);
  if (columnsEnv && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return ttyColumns && ttyColumns > 0 ? ttyColumns : undefined;
}

const GAP = 2;

/**
 * Which columns to show and how wide, to fit `width` cells: each at its natural width if that
 * fits; else the shrinkable ones cut towards their `min`; else the lowest-priority column
 * dropped and the rest tried again. Columns that may neither shrink nor go are kept (the line
 * is then wider than asked).
 */
export function fitColumns(
  columns: readonly Pick<Column, 'min' | 'priority'>[],
  natural: readonly number[],
  width: number | undefined,
): { shown: number[]; widths: number[] } {
  let shown = columns.map((_, i) => i);
  const span = (ws: readonly number[]) =>
    shown.reduce((sum, i) => sum + ws[i]!, 0) + GAP * Math.max(0, shown.length - 1);
  const floor = natural.map((w, i) => Math.min(w, columns[i]!.min ?? w));
  if (width === undefined) return { shown, widths: [...natural] };
  while (span(floor) > width) {
    const droppable = shown.filter((i) => columns[i]!.priority !== undefined);
    if (droppable.length === 0) break;
    const victim = droppable.reduce((a, b) =>
      columns[b]!.priority! < columns[a]!.priority! ? b : a,
    );
    shown = shown.filter((i) => i !== victim);
  }
  const widths = [...natural];
  let excess = span(widths) - width;
  // Cut the widest shrinkable column first, a cell at a time, so long columns give the most.
  while (excess > 0) {
    const cuttable = shown.filter((i) => widths[i]! > floor[i]!);
    if (cuttable.length === 0) break;
    const widest = cuttable.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    widths[widest]!--;
    excess--;
  }
  return { shown, widths };
}

/** Under this many columns a table shows its compact set of columns (as ccusage does). */
export const COMPACT_BELOW = 80;

/** A column of a command's table, and whether it is in the compact set or shown only `wide`. */
export type LayoutColumn = Column & { compact?: true; wideOnly?: true };

/**
 * The columns a command's table shows for a terminal `width` cells wide (undefined: a pipe, no
 * limit): under COMPACT_BELOW only the compact set; wide-only columns only with `wide`, which
 * also shows every column uncut. renderTable then fits what is left to the width.
 */
export function tableLayout(
  all: readonly LayoutColumn[],
  rows: readonly (readonly string[])[],
  { width, wide = false }: { width: number | undefined; wide?: boolean },
): { columns: Column[]; cells: string[][] } {
  const keep = all.map(
    (c) =>
      wide ||
      (!c.wideOnly && (width === undefined || width >= COMPACT_BELOW || c.compact === true)),
  );
  const columns = all
    .filter((_, i) => keep[i])
    .map(({ compact: _c, wideOnly: _w, ...c }) => (wide ? { ...c, max: undefined } : c));
  const cells = rows.map((row) => row.filter((_, i) => keep[i]));
  return { columns, cells };
}

/** A bar of `width` cells for value/max, in eighths of a block. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0 || width <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return '█'.repeat(full) + (rest ? ' ▏▎▍▌▋▊▉'[rest]! : '');
}

/** Cells as shown (escaped, cut to their column's max), and the columns fitted to `width`. */
function measure(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number | undefined,
) {
  const measured = rows.map((row) =>
    row.map((cell, i) => truncate(inert(cell), columns[i]?.max ?? Infinity)),
  );
  const natural = columns.map((col, i) =>
    Math.max(displayWidth(col.header), ...measured.map((r) => displayWidth(r[i] ?? ''))),
  );
  return { measured, fit: fitColumns(columns, natural, width) };
}

/**
 * The cells renderTable gives each column at `width` (undefined: the column is dropped), for a
 * command that says in full below the table what a cut cell left out.
 */
export function columnWidths(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number | undefined,
): (number | undefined)[] {
  const { fit } = measure(columns, rows, width);
  return columns.map((_, i) => (fit.shown.includes(i) ? fit.widths[i] : undefined));
}

/**
 * Cells are one line each, their control characters escaped (a PR title is someone else's
 * text); widths are measured on that plain text; colour (headers bold, styled cells) goes on after.
 */
export function renderTable(
  allColumns: readonly Column[],
  allRows: readonly (readonly string[])[],
  options: { color?: boolean; width?: number } = {},
): string {
  const color = options.color === true;
  const { measured, fit } = measure(allColumns, allRows, options.width);
  const columns = fit.shown.map((i) => allColumns[i]!);
  const widths = fit.shown.map((i) => fit.widths[i]!);
  const cells = measured.map((row) => fit.shown.map((i) => truncate(row[i] ?? '', fit.widths[i]!)));
  const headers = columns.map((c, i) => truncate(c.header, widths[i]!));
  const line = (
    row: readonly string[],
    styleOf: (col: Column, cell: string) => Style | undefined,
  ) =>
    columns
      .map((col, i) => {
        const cell = row[i] ?? '';
        const pad = ' '.repeat(Math.max(0, widths[i]! - displayWidth(cell)));
        const text = paint(cell, styleOf(col, cell), color);
        return col.align === 'right' ? pad + text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return (
    [
      line(headers, () => 'bold'),
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
