import { describe, expect, it } from 'vitest';
import { unchangedByStat } from '../../src/tokens/ingest.js';
import type { KnownSource } from '../../src/core/tokens.js';

/**
 * The re-ingest shortcut: a file is taken as unchanged from its stat alone only when the source
 * the planner would look at first recorded this very path, identity, size and mtime, and (for a
 * plain log) was read to its end. Anything else goes to the planner, which reads and hashes.
 */

const source: KnownSource = {
  id: 7,
  machine: 'm1',
  lineage: 'l',
  path: '/logs/a.log',
  dev: 1,
  ino: 42,
  headHash: 'h',
  headLen: 1024,
  size: 5000,
  offset: 5000,
  tailHash: 't',
  encoding: 'plain',
  family: 'text',
  state: null,
  mtimeMs: 1_700_000_000_123.456,
};
const st = { dev: 1, ino: 42, size: 5000, mtimeMs: 1_700_000_000_123.456 };

describe('unchangedByStat', () => {
  it.each<[string, Partial<typeof st>, Partial<KnownSource>, ReadonlySet<number>, boolean]>([
    ['same path, identity, size and mtime, read to the end', {}, {}, new Set(), true],
    ['appended (larger)', { size: 6000 }, {}, new Set(), false],
    ['truncated (smaller)', { size: 10 }, {}, new Set(), false],
    ['touched (newer mtime)', { mtimeMs: st.mtimeMs + 1 }, {}, new Set(), false],
    ['another inode at the path (rotated)', { ino: 43 }, {}, new Set(), false],
    ['another device', { dev: 2 }, {}, new Set(), false],
    ['renamed (the source names another path)', {}, { path: '/logs/b.log' }, new Set(), false],
    ['an unfinished last line (offset before the end)', {}, { offset: 4990 }, new Set(), false],
    [
      'a compressed file of the same size and mtime',
      {},
      { encoding: 'gzip', offset: 9000 },
      new Set(),
      true,
    ],
    ['a source another file of this run continues', {}, {}, new Set([7]), false],
  ])('%s', (_name, file, known, claimed, expected) => {
    expect(
      unchangedByStat('/logs/a.log', { ...st, ...file }, { ...source, ...known }, claimed),
    ).toBe(expected);
  });

  it('a file the ledger has never seen is planned', () => {
    expect(unchangedByStat('/logs/a.log', st, undefined, new Set())).toBe(false);
  });
});
