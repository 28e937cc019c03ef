import { describe, expect, it } from 'vitest';
import { LiveTally } from '../../src/tokens/parse.js';

describe('the live tally of a running session (an estimate for the budget gate)', () => {
  it.each([
    {
      name: 'prose reports nothing',
      lines: ['thinking', 'editing src/a.ts'],
      grew: [false, false],
      total: 0,
    },
    {
      name: 'a marker grows the total on its number',
      lines: ['tokens used', '9,497'],
      grew: [false, true],
      total: 9497,
    },
    {
      name: 'markers add up',
      lines: ['tokens used', '9,497', 'more work', 'tokens used', '300'],
      grew: [false, true, false, false, true],
      total: 9797,
    },
    {
      name: 'a zero marker does not grow it',
      lines: ['tokens used', '0'],
      grew: [false, false],
      total: 0,
    },
  ])('$name', ({ lines, grew, total }) => {
    const tally = new LiveTally();
    expect(lines.map((l) => tally.line(l))).toEqual(grew);
    expect(tally.total).toBe(total);
  });
});
