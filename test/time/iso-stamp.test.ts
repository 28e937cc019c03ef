import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoInZone } from '../../src/time/zone.js';

/**
 * Agent logs stamp each line `2026-06-11T10:00:00.123Z`; parseIsoInZone reads that form digit by
 * digit instead of by its regular expression, and must give what the general path gives: the
 * same time written `+00:00` instead of `Z` (which only the general path reads).
 */
describe('parseIsoInZone on the agents’ UTC stamps', () => {
  it.each([
    ['2026-06-11T10:00:00.123Z', Date.UTC(2026, 5, 11, 10, 0, 0, 123)],
    ['1999-12-31T23:59:59.999Z', Date.UTC(1999, 11, 31, 23, 59, 59, 999)],
    ['2026-06-30T23:59:60.000Z', Date.UTC(2026, 6, 1, 0, 0, 0, 0)],
    ['2026-02-31T00:00:00.000Z', Date.UTC(2026, 2, 3, 0, 0, 0, 0)],
    ['2026-13-01T00:00:00.000Z', undefined],
    ['2026-06-11T24:00:00.000Z', undefined],
    ['2026-06-11T10:60:00.000Z', undefined],
    ['2026-00-11T10:00:00.000Z', undefined],
    ['2026-06-00T10:00:00.000Z', undefined],
    ['2026-06-1xT10:00:00.000Z', undefined],
  ])('%s', (stamp, expected) => {
    expect(parseIsoInZone(stamp, 'Europe/Paris')).toBe(expected);
    expect(parseIsoInZone(stamp.replace('Z', '+00:00'), 'Europe/Paris')).toBe(expected);
  });

  it('reads every stamp of that form as the general path does', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const stamp = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two, two, two, two, two, fc.nat({ max: 999 }))
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
      );
    fc.assert(
      fc.property(stamp, (s) => {
        expect(parseIsoInZone(s, 'UTC')).toBe(parseIsoInZone(s.replace('Z', '+00:00'), 'UTC'));
      }),
      { numRuns: 2000 },
    );
  });
});
