import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodPieces } from '../../src/ledger/token-report.js';

/**
 * A report period [lo, hi) of 15-minute slots is read from the roll-ups as signed pieces: whole
 * UTC days, then hours and slots added or subtracted at each end. Whatever the period, the pieces
 * must count every slot of it once and no other slot.
 */

const SIZE = { slot: 1, hour: 4, day: 96 } as const;

/** Net count of each slot the pieces cover, for slots in [from, to). */
function coverage(pieces: ReturnType<typeof periodPieces>, from: number, to: number): number[] {
  const net = new Array<number>(to - from).fill(0);
  for (const [level, sign, lo, hi] of pieces)
    for (let s = lo * SIZE[level]; s < hi * SIZE[level]; s++) net[s - from]! += sign;
  return net;
}

const day = 96;
const D = 20_000 * day; // a UTC midnight in 2024

describe('periodPieces', () => {
  it.each([
    ['a UTC day: one day row', D, D + day, [['day', 1, D / day, D / day + 1]]],
    [
      'a Berlin summer day (22:00Z to 22:00Z): a day, plus 2 hours before, minus 2 hours at the end',
      D - 8,
      D + day - 8,
      [
        ['day', 1, D / day, D / day + 1],
        ['hour', 1, (D - 8) / 4, D / 4],
        ['hour', -1, (D + day - 8) / 4, (D + day) / 4],
      ],
    ],
    [
      'an Indian day (18:30Z to 18:30Z): hours and two slots at each end',
      D - 22,
      D + day - 22,
      [
        ['day', 1, D / day, D / day + 1],
        ['slot', 1, D - 22, D - 20],
        ['hour', 1, (D - 20) / 4, D / 4],
        ['slot', -1, D + day - 22, D + day - 20],
        ['hour', -1, (D + day - 20) / 4, (D + day) / 4],
      ],
    ],
    ['three slots inside an hour', D + 41, D + 44, [['slot', 1, D + 41, D + 44]]],
  ])('%s', (_name, lo, hi, expected) => {
    expect(periodPieces(lo, hi)).toEqual(expected);
    expect(coverage(periodPieces(lo, hi), lo - 2 * day, hi + 2 * day)).toEqual(
      Array.from({ length: hi - lo + 4 * day }, (_, i) =>
        i >= 2 * day && i < 2 * day + hi - lo ? 1 : 0,
      ),
    );
  });

  it('counts every slot of any period once, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: D - 10 * day, max: D + 10 * day }),
        fc.integer({ min: 1, max: 40 * day }),
        (lo, length) => {
          const hi = lo + length;
          const net = coverage(periodPieces(lo, hi), lo - day, hi + day);
          expect(net.slice(0, day).every((n) => n === 0)).toBe(true);
          expect(net.slice(day, day + length).every((n) => n === 1)).toBe(true);
          expect(net.slice(day + length).every((n) => n === 0)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
