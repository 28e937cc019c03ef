import { describe, expect, it } from 'vitest';
import type { RunDecision, RunEvent, TokenEvent } from '../../src/core/tokens.js';
import { countedChange, largestLine } from '../../src/tokens/record.js';

const line = (total: number, model?: string) => ({ total, model }) as TokenEvent;

describe('largestLine', () => {
  it.each<
    [
      string,
      { total: number; model?: string },
      TokenEvent[],
      number | undefined,
      string | undefined,
      number,
    ]
  >([
    ['no further lines', { total: 50 }, [], undefined, undefined, 0],
    [
      'a smaller and an equal line add nothing',
      { total: 50 },
      [line(40), line(50)],
      undefined,
      undefined,
      2,
    ],
    [
      'the largest of several wins',
      { total: 50 },
      [line(60), line(90), line(70)],
      90,
      undefined,
      1,
    ],
    [
      'a larger line without a model keeps the recorded one',
      { total: 50, model: 'opus' },
      [line(80)],
      80,
      'opus',
      0,
    ],
    [
      'a larger line with its own model keeps its own',
      { total: 50, model: 'opus' },
      [line(80, 'sonnet')],
      80,
      'sonnet',
      0,
    ],
    [
      'a later line compares with the larger one before it',
      { total: 10 },
      [line(30), line(20)],
      30,
      undefined,
      1,
    ],
  ])('%s', (_, current, lines, grownTotal, grownModel, duplicates) => {
    const result = largestLine(current, lines);
    expect(result.grown?.total).toBe(grownTotal);
    expect(result.grown?.model).toBe(grownModel);
    expect(result.duplicates).toBe(duplicates);
  });
});

describe('countedChange', () => {
  const event = (id: number, counted: boolean, total: number) =>
    ({ id, counted, total }) as RunEvent;
  it.each<[string, RunEvent[], RunDecision[], number]>([
    ['nothing decided', [event(1, true, 10)], [], 0],
    [
      'an event stops counting',
      [event(1, true, 10)],
      [{ id: 1, counted: false, bucket: 'b' }],
      -10,
    ],
    [
      'an event starts counting',
      [event(1, false, 10)],
      [{ id: 1, counted: true, bucket: 'b' }],
      10,
    ],
    [
      'a counted marker gets a smaller increase',
      [event(1, true, 100)],
      [
        {
          id: 1,
          counted: true,
          bucket: 'b',
          amounts: { input: null, cachedInput: null, output: null, reasoning: null, total: 30 },
        },
      ],
      -70,
    ],
    [
      'the launcher stops counting while the session starts',
      [event(1, true, 90), event(2, false, 100)],
      [
        { id: 1, counted: false, bucket: 'b' },
        { id: 2, counted: true, bucket: 'b' },
      ],
      10,
    ],
  ])('%s', (_, events, decisions, change) => {
    expect(countedChange(events, decisions)).toBe(change);
  });
});
