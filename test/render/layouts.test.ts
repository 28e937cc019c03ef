import { describe, expect, it } from 'vitest';
import { budgetTable } from '../../src/commands/budget.js';
import { doctorTable } from '../../src/commands/doctor.js';
import { reportTable } from '../../src/commands/report-tokens.js';
import type { TokenReport } from '../../src/core/token-report.js';
import { displayWidth } from '../../src/render/table.js';
import { wrapLine, wrapText } from '../../src/render/wrap.js';

const headers = (table: string) =>
  table
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/);
const widest = (text: string) => Math.max(...text.trimEnd().split('\n').map(displayWidth));

describe('the budget table', () => {
  const rows = [
    [
      'codex',
      '64.6%',
      '83.8%',
      'under',
      '23,287',
      '?',
      '?',
      '2026-12-08 03:37',
      'codex rollout rate_limits (10080-minute window)',
    ],
    [
      'クロード仕事用',
      '0.8%',
      '0.2%',
      'over',
      '12,708',
      '6.1%',
      'after reset',
      '2026-12-14 00:00',
      'ledger total vs budget.providers weeklyTokens',
    ],
  ];
  const every = ['provider', 'used', 'expected', 'verdict', 'tokens/h', 'at reset', 'runs out'];
  it.each<{ width: number | undefined; shown: string[] }>([
    { width: undefined, shown: [...every, 'resets', 'source'] },
    // The sources are cut first, then go; then the burn rate, then the projection. The
    // provider's name is never cut.
    { width: 140, shown: [...every, 'resets', 'source'] },
    { width: 100, shown: [...every, 'resets'] },
    { width: 80, shown: ['provider', 'used', 'expected', 'verdict', 'runs out', 'resets'] },
    // Under 80 columns: the compact set.
    { width: 60, shown: ['provider', 'used', 'expected', 'verdict', 'runs out'] },
    { width: 45, shown: ['provider', 'used', 'verdict', 'runs out'] },
  ])('at $width columns: $shown', ({ width, shown }) => {
    const table = budgetTable(rows, width);
    expect(headers(table)).toEqual(shown);
    // A pipe (no width) has no limit.
    expect(widest(table)).toBeLessThanOrEqual(width ?? Infinity);
  });
});

describe('the token report table', () => {
  const report: TokenReport = {
    by: 'model',
    total: { tokens: 3_000_000, events: 40, costUsd: 4.2, unpricedTokens: 1_000_000 },
    groups: [
      { key: 'gpt-5-codex', tokens: 2_000_000, events: 30, costUsd: 4.2, unpricedTokens: 0 },
      { key: '通義千問-最大モデル-2026', tokens: 1_000_000, events: 10, unpricedTokens: 1_000_000 },
    ],
  };
  it.each<{ width: number | undefined; shown: string[] }>([
    { width: undefined, shown: ['model', 'tokens', 'share', 'events', 'est. API cost'] },
    { width: 80, shown: ['model', 'tokens', 'share', 'events', 'est. API cost'] },
    // Under 80: no events column; the bar goes when the names are cut as far as they may be.
    { width: 60, shown: ['model', 'tokens', 'share', 'est. API cost'] },
    { width: 50, shown: ['model', 'tokens', 'share', 'est. API cost'] },
    { width: 40, shown: ['model', 'tokens', 'est. API cost'] },
  ])('at $width columns: $shown', ({ width, shown }) => {
    const table = reportTable(report, width);
    expect(headers(table)).toEqual(shown);
    // A pipe (no width) has no limit.
    expect(widest(table)).toBeLessThanOrEqual(width ?? Infinity);
  });

  it('keeps the bar while it fits', () => {
    expect(reportTable(report, 60)).toMatch(/█/);
    expect(reportTable(report, 40)).not.toMatch(/█/);
  });
});

describe('the doctor table', () => {
  const results = [
    { name: 'config', status: 'ok' as const, detail: '/home/u/.config/radar/radar.json' },
    {
      name: 'clone 日本語/リポジトリ',
      status: 'warn' as const,
      detail: 'dispatch is on but the repo has no clone: add repos."日本語/リポジトリ".clone',
    },
    { name: 'agent codex', status: 'ok' as const, detail: 'codex 0.5 (/usr/bin/codex)' },
  ];
  it.each<{ width: number | undefined; cut: boolean[] }>([
    { width: undefined, cut: [false, false, false] },
    { width: 120, cut: [false, false, false] },
    { width: 80, cut: [false, true, false] },
    { width: 60, cut: [true, true, false] },
    { width: 40, cut: [true, true, true] },
  ])('at $width columns, cuts $cut', ({ width, cut }) => {
    const table = doctorTable(results, width);
    expect(table.cut).toEqual(cut);
    expect(headers(table.table)).toEqual(['check', 'status', 'detail']);
    expect(widest(table.table)).toBeLessThanOrEqual(width ?? Infinity);
  });
});

describe('wrapping prose', () => {
  it.each([
    { line: 'short enough', width: 20, expected: 'short enough' },
    {
      line: 'pace: codex slow: ahead of pace; up to 1 session this scan',
      width: 40,
      expected: 'pace: codex slow: ahead of pace; up to 1\n  session this scan',
    },
    // A line's own indent is kept, and continuation lines hang two cells past it.
    {
      line: '  spent on merged PRs 0, closed unmerged 0, still open 180,827',
      width: 40,
      expected: '  spent on merged PRs 0, closed unmerged\n    0, still open 180,827',
    },
    // Wide characters take two cells.
    { line: '日本語 の タイトル です', width: 12, expected: '日本語 の\nタイトル\nです' },
    // A word longer than the line is cut.
    {
      line: 'see /tmp/radar-demo-pages-abcdef/loop.html',
      width: 20,
      expected: 'see\n/tmp/radar-demo-page\ns-abcdef/loop.html',
    },
  ])('$line at $width cells', ({ line, width, expected }) => {
    const wrapped = wrapLine(line, width);
    expect(wrapped).toBe(expected);
    expect(widest(wrapped)).toBeLessThanOrEqual(width);
  });

  it('wraps a paragraph without the hanging indent, and leaves text alone with no width', () => {
    const text = 'In short: radar watched 34 open PRs and flagged 11 of them.\n';
    expect(wrapText(text, 30, false)).toBe(
      'In short: radar watched 34\nopen PRs and flagged 11 of\nthem.\n',
    );
    expect(wrapText(text, undefined)).toBe(text);
  });
});
