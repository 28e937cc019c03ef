import { describe, expect, it } from 'vitest';
import type { Stats } from 'node:fs';
import { unchangedByStat, unreadBytes } from '../../src/tokens/ingest.js';
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

/**
 * What the stats say is left to read (it decides whether the parser threads start before the
 * planning): past the recorded offset of the very file its first candidate read, else all of it.
 */
describe('unreadBytes', () => {
  it.each<[string, Partial<typeof st>, Partial<KnownSource> | undefined, number]>([
    ['a file the ledger has never seen: all of it', {}, undefined, 5000],
    ['appended: past the recorded offset', { size: 6000 }, {}, 1000],
    ['read to its end', {}, {}, 0],
    ['truncated below the offset: all of it', { size: 10 }, {}, 10],
    ['another inode at the path (rotated): all of it', { ino: 43 }, {}, 5000],
    ['another device: all of it', { dev: 2 }, {}, 5000],
    ['the source names another path: all of it', {}, { path: '/logs/b.log' }, 5000],
    ['compressed (offsets count decoded bytes): all of it', {}, { encoding: 'gzip' }, 5000],
  ])('%s', (_name, file, known, expected) => {
    const stats = { ...st, ...file } as Stats;
    const first = known && { ...source, ...known };
    expect(unreadBytes({ path: '/logs/a.log', st: stats }, first)).toBe(expected);
  });
});
