import { describe, expect, it } from 'vitest';
import { plural } from '../../src/render/plural.js';

describe('plural', () => {
  it.each([
    { n: 0, noun: 'request', expected: '0 requests' },
    { n: 1, noun: 'request', expected: '1 request' },
    { n: 2, noun: 'PR', expected: '2 PRs' },
    { n: 1234, noun: 'point', expected: '1,234 points' },
    { n: 1, noun: 'new PR', expected: '1 new PR' },
  ])('$n $noun', ({ n, noun, expected }) => {
    expect(plural(n, noun)).toBe(expected);
  });

  it('takes an irregular plural', () => {
    expect(plural(3, 'reply', 'replies')).toBe('3 replies');
  });
});
