/* eslint-disable no-control-regex -- the tests look for control characters */
import { describe, expect, it } from 'vitest';
import { inert, inertBlock, inertJson } from '../../src/render/inert.js';
import { paint } from '../../src/render/color.js';
import { CLEAR_LINE, LINE_START, forTerminal, guardOutput } from '../../src/render/terminal.js';
import { renderTable } from '../../src/render/table.js';

const ESC = '\x1b';
/** Anything a terminal acts on: C0 but newline, DEL, C1, bidirectional controls, separators. */
const ACTIVE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('inert: one line of text written by someone else', () => {
  it.each([
    ['plain title', 'fix: retry the upload', 'fix: retry the upload'],
    ['OSC window title', `a${ESC}]0;pwned\x07b`, 'a\\x1b]0;pwned\\x07b'],
    ['clear screen', `${ESC}[2J${ESC}[H`, '\\x1b[2J\\x1b[H'],
    ['SGR colour', `${ESC}[31mred${ESC}[0m`, '\\x1b[31mred\\x1b[0m'],
    ['right-to-left override', 'exe.\u202etxt', 'exe.\\u202etxt'],
    [
      'isolates and marks',
      '\u2066a\u2069\u200e\u200f\u061c',
      '\\u2066a\\u2069\\u200e\\u200f\\u061c',
    ],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\x00b\\x7f'],
    ['C1 CSI on its own', '\u009b2J', '\\x9b2J'],
    ['carriage return overwriting the line', 'ok\rFAIL', 'ok\\rFAIL'],
    ['newline and tab in a cell', 'a\nb\tc', 'a\\nb\\tc'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['non-ASCII text stays', 'café ✓ 😀 日本', 'café ✓ 😀 日本'],
  ])('%s', (_, input, expected) => {
    expect(inert(input)).toBe(expected);
    expect(inert(input)).not.toMatch(ACTIVE);
  });
});

describe('inertBlock: several lines', () => {
  it.each([
    ['keeps newlines and tabs', 'a\n\tb', 'a\n\tb'],
    ['escapes a carriage return', 'a\r\nb', 'a\\r\nb'],
    ['escapes ESC', `x${ESC}[Ky`, 'x\\x1b[Ky'],
    ['escapes an override', '\u202eabc', '\\u202eabc'],
  ])('%s', (_, input, expected) => {
    expect(inertBlock(input)).toBe(expected);
  });
});

describe('inertJson: --json keeps the data', () => {
  it.each([
    ['title', `${ESC}]0;x\x07 \u202e \u0000 \u009b \u007f \u2028 ok`],
    ['plain', 'fix: nothing special'],
    ['check names', ['build\u202e', `${ESC}[2J`]],
  ])('%s parses back to the same value, nothing raw on a screen', (_, value) => {
    const text = inertJson(JSON.stringify({ value }));
    expect(text).not.toMatch(ACTIVE);
    expect(JSON.parse(text)).toEqual({ value });
  });
});

describe('forTerminal: what reaches the terminal', () => {
  it("turns radar's colour into escapes and a foreign escape into text", () => {
    const text = `${paint('escalate', 'red', true)} ${ESC}[32mfake${ESC}[39m\n`;
    expect(forTerminal(text)).toBe(`${ESC}[31mescalate${ESC}[39m \\x1b[32mfake\\x1b[39m\n`);
  });

  it('leaves no escape of its own when colour is off', () => {
    expect(forTerminal(`${paint('ok', 'green', false)}\n`)).toBe('ok\n');
  });

  it('writes the progress line controls radar asks for, and no other', () => {
    expect(forTerminal(`${LINE_START}scanning: 1/2 PRs`)).toBe('\rscanning: 1/2 PRs');
    expect(forTerminal(CLEAR_LINE)).toBe(`\r${ESC}[K`);
    expect(forTerminal('\rscanning')).toBe('\\rscanning');
  });

  it('a marker forged without the number drawn at start stays inert text', () => {
    const forged = '\ue000guess\ue00131m';
    expect(forTerminal(forged)).toBe(forged);
    expect(forTerminal(forged)).not.toContain(ESC);
  });

  it.each([
    ['text', `a${ESC}[2Jb\n`, 'a\\x1b[2Jb\n'],
    ['json', `{"t":"\u202e"}\n`, '{"t":"\\u202e"}\n'],
  ] as const)('guardOutput in %s mode', (mode, input, expected) => {
    expect(guardOutput(input, mode)).toBe(expected);
  });
});

describe('renderTable: cells are one inert line', () => {
  it('escapes a hostile cell, keeps the columns aligned and colours only its own styles', () => {
    const table = forTerminal(
      renderTable(
        [{ header: 'PR' }, { header: 'title', max: 40 }, { header: 'tier', style: () => 'red' }],
        [
          ['a#1', `x${ESC}]0;t\x07\ny`, 'escalate'],
          ['a#2', 'plain', 'watch'],
        ],
        { color: true },
      ),
    );
    const plain = table.replace(/\x1b\[(1|22|31|39)m/g, '');
    expect(plain).not.toContain(ESC);
    const lines = plain.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('a#1  x\\x1b]0;t\\x07\\ny  escalate');
    expect(lines[2]!.indexOf('watch')).toBe(lines[1]!.indexOf('escalate'));
  });
});
