import { describe, expect, it } from 'vitest';
import { parsesOnThreads } from '../../src/tokens/ingest-summary.js';

const MB = 1 << 20;

/**
 * Worker threads cost about a tenth of a second to start: an ingest parses on them only when
 * there is a lot to read in more than one file, unless told otherwise.
 */
describe('parsesOnThreads', () => {
  it.each([
    ['auto', 64 * MB, 2, true],
    ['auto', 64 * MB - 1, 2, false],
    ['auto', 1000 * MB, 1, false],
    [undefined, 200 * MB, 855, true],
    [undefined, 1 * MB, 855, false],
    ['always', 0, 1, true],
    ['never', 1000 * MB, 855, false],
  ] as const)('threads %s, %i bytes in %i files: %s', (threads, bytes, files, expected) => {
    expect(parsesOnThreads(threads, bytes, files)).toBe(expected);
  });
});
