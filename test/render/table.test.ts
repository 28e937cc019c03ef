import { describe, expect, it } from 'vitest';
import {
  displayWidth,
  fitColumns,
  renderTable,
  terminalWidth,
  truncate,
  type Column,
} from '../../src/render/table.js';
import { queueLayout } from '../../src/commands/queue.js';

describe('display width', () => {
  it.each([
    { text: 'abc', cells: 3 },
    { text: '日本語', cells: 6 },
    { text: '한국어 ok', cells: 9 },
    { text: '🚀 go', cells: 5 },
    { text: 'e\u0301', cells: 1 },
  ])('$text takes $cells cells', ({ text, cells }) => {
    expect(displayWidth(text)).toBe(cells);
  });

  it.each([
    { text: 'hello world', max: 5, expected: 'hell…' },
    { text: '日本語のタイトル', max: 7, expected: '日本語…' },
    { text: '日本語', max: 6, expected: '日本語' },
    { text: '日本語', max: 4, expected: '日…' },
    { text: 'abc', max: 0, expected: '' },
  ])('truncate($text, $max) = $expected', ({ text, max, expected }) => {
    expect(truncate(text, max)).toBe(expected);
    expect(displayWidth(truncate(text, max))).toBeLessThanOrEqual(max);
  });

  it.each([
    { env: '60', tty: 200, expected: 60 },
    { env: undefined, tty: 100, expected: 100 },
    { env: 'wide', tty: 90, expected: 90 },
    { env: undefined, tty: undefined, expected: undefined },
    { env: '0', tty: undefined, expected: undefined },
  ])('terminal width from COLUMNS=$env, tty $tty', ({ env, tty, expected }) => {
    expect(terminalWidth(env, tty)).toBe(expected);
  });
});

describe('fitColumns', () => {
  const cols: Pick<Column, 'min' | 'priority'>[] = [
    {},
    { min: 5 },
    { priority: 1 },
    { priority: 2, min: 3 },
  ];
  it.each<{ width: number | undefined; shown: number[]; widths: number[] }>([
    // 10 + 20 + 8 + 6 + 3 gaps of 2 = 50
    { width: undefined, shown: [0, 1, 2, 3], widths: [10, 20, 8, 6] },
    { width: 50, shown: [0, 1, 2, 3], widths: [10, 20, 8, 6] },
    { width: 45, shown: [0, 1, 2, 3], widths: [10, 15, 8, 6] },
    // Cut to their mins (10 + 5 + 8 + 3 + 6 = 32 > 30): priority 1 goes, then the rest is cut.
    { width: 30, shown: [0, 1, 3], widths: [10, 10, 8, 6] },
    // Still too wide at the mins: priority 2 goes too.
    { width: 20, shown: [0, 1], widths: [10, 8, 8, 6] },
    // Nothing more may go: the line stays wider than asked.
    { width: 10, shown: [0, 1], widths: [10, 5, 8, 6] },
  ])('at $width cells', ({ width, shown, widths }) => {
    const fit = fitColumns(cols, [10, 20, 8, 6], width);
    expect(fit.shown).toEqual(shown);
    expect(shown.map((i) => fit.widths[i])).toEqual(shown.map((i) => widths[i]));
  });
});

describe('renderTable', () => {
  it('pads by display cells, so CJK rows line up', () => {
    const out = renderTable(
      [{ header: 'title' }, { header: 'n', align: 'right' }],
      [
        ['日本', '1'],
        ['ab', '22'],
      ],
    );
    expect(out).toBe('title   n\n日本    1\nab     22\n');
  });

  it('fits a queue of CJK titles in 60 columns with the compact layout', () => {
    const row = (title: string) => [
      'acme/app#12',
      'escalate 9',
      'codex',
      'ci_failing conflict',
      title,
      '3d',
      'failing (build)',
      'changes requested',
      'conflicting',
      '+120/-4',
      '2h',
      'PR_kwDOA',
    ];
    const rows = [row('修正：日本語のタイトルが長すぎて端末の幅を超える問題'), row('短い')];
    const { columns, cells } = queueLayout(rows, { width: 60, wide: false });
    expect(columns.map((c) => c.header)).toEqual(['PR', 'tier', 'title', 'age', 'CI']);
    const out = renderTable(columns, cells, { width: 60 });
    for (const line of out.trimEnd().split('\n'))
      expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(out).not.toContain('PR_kwDOA');
    const wide = queueLayout(rows, { width: 60, wide: true });
    expect(wide.columns.map((c) => c.header)).toContain('node id');
    expect(renderTable(wide.columns, wide.cells)).toContain('PR_kwDOA');
  });
});
