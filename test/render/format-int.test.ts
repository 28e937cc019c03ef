import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInt } from '../../src/render/number.js';

describe('formatInt: comma groups without Intl', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [-1234, '-1,234'],
    [1234.5, '1,235'],
    [2_173_584_844, '2,173,584,844'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254,740,991'],
    [1e21, '1,000,000,000,000,000,000,000'],
    [Infinity, 'Infinity'],
    [NaN, 'NaN'],
  ])('%s → %s', (n, text) => {
    expect(formatInt(n)).toBe(text);
  });

  it('prints what toLocaleString("en-US") prints for any finite number', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double({ min: -1e25, max: 1e25, noNaN: true })),
        (n) => {
          const expected = Math.round(n).toLocaleString('en-US');
          expect(formatInt(n)).toBe(expected === '-0' ? '0' : expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
