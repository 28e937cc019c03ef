import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import type { NewSource } from '../../src/ledger/ports.js';
import { TokenStore } from '../../src/ledger/token-store.js';

/**
 * The re-ingest's lookup of many files at once (one read of every source) finds, for each file,
 * the source the one-file query finds: same identity first, then the latest ingested, the last
 * id; or the same path when no source has the identity; or none.
 */

const dir = mkdtempSync(join(tmpdir(), 'radar-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function source(i: number, over: Partial<NewSource>): NewSource {
  return {
    machine: 'm1',
    lineage: `l${i}`,
    path: `/logs/f${i}.jsonl`,
    dev: 1,
    ino: 1000 + i,
    headHash: `h${i}`,
    headLen: 64,
    size: 100,
    offset: 100,
    tailHash: null,
    encoding: 'plain',
    family: 'rollout',
    state: null,
    mtimeMs: 1_780_000_000_000 + i,
    now: 1_780_000_000_000,
    ...over,
  };
}

describe('TokenStore.firstCandidates', () => {
  it.each([
    ['many files: one read of every source', 100],
    ['a few files: a query each', 10],
  ])('%s', (_name, count) => {
    const db = openLedger(join(dir, `ledger-${count}.db`));
    const store = new TokenStore(db);
    store.transaction(() => {
      for (let i = 0; i < count; i++) store.insertSource(source(i, {}));
      // A rotated file: an older source at the same path, another inode.
      store.insertSource(source(1, { ino: 5, now: 1_770_000_000_000 }));
      // The same inode under a new name, ingested later than its old path.
      store.insertSource(source(2, { path: '/logs/renamed.jsonl', now: 1_790_000_000_000 }));
      // Two sources at one path, the latest ingested wins; ties go to the last id.
      store.insertSource(source(3, { ino: 7, now: 1_790_000_000_000 }));
      store.insertSource(source(3, { ino: 8, now: 1_790_000_000_000 }));
    });
    const files = [
      ...Array.from({ length: count }, (_, i) => ({
        path: `/logs/f${i}.jsonl`,
        dev: 1,
        ino: 1000 + i,
      })),
      { path: '/logs/f3.jsonl', dev: 1, ino: 99 }, // identity unknown: by path
      { path: '/logs/new.jsonl', dev: 1, ino: 98 }, // nothing known
      { path: '/logs/f4.jsonl', dev: 2, ino: 1004 }, // another device: by path
    ];
    const one = files.map((f) => store.firstCandidate(f.path, f.dev, f.ino, 'm1'));
    expect(store.firstCandidates(files, 'm1')).toEqual(one);
    expect(one.filter((s) => s === undefined)).toHaveLength(1);
    expect(one[2]?.path).toBe('/logs/renamed.jsonl');
    expect(one[count]?.ino).toBe(8);
    db.close();
  });
});
