import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestGroups, permutations } from '../helpers/ledger-ingest.js';
import { expectedByBucket, listRealFixtures, type RealFixture } from '../helpers/real-fixtures.js';

/**
 * Every fixture the real agent CLIs wrote (test/fixtures/real/) ingested in-process into a fresh
 * ledger, one file per ingest in every order (or, past four files, forwards, backwards and each
 * rotation) and all at once: the ledger's tokens per bucket are the truth's.
 */

function orders(files: readonly string[]): string[][][] {
  const singles =
    files.length <= 4
      ? permutations(files)
      : [...files.map((_, i) => [...files.slice(i), ...files.slice(0, i)]), [...files].reverse()];
  return [[[...files]], ...singles.map((order) => order.map((f) => [f]))];
}

async function ingestInOrder(
  dir: string,
  files: readonly string[],
  mtimes: Record<string, number>,
  order: string[][],
): Promise<Record<string, number>> {
  const work = mkdtempSync(join(tmpdir(), 'radar-truth-'));
  try {
    for (const rel of files) {
      const target = join(work, rel);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(dir, rel), target);
      const mtime = mtimes[rel];
      if (mtime !== undefined) utimesSync(target, new Date(mtime), new Date(mtime));
    }
    return await ingestGroups(work, order);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The sets of a scenario's files ingested together: all of them. Codex 0.36 logs name no session
 * (no `session id:` line); a human log is tied to its rollout by its header (version, workdir,
 * model, time) or, for a resumed run, by the running total it prints, which its rollout records
 * too; its `exec --json` (no version, no time) by the cumulative usage it prints.
 */
function fileSets(f: RealFixture): string[][] {
  return [f.truth.files];
}

describe('real agent fixtures against their truth', () => {
  it.each(listRealFixtures())('$name: every bucket exact in every ingest order', async (f) => {
    for (const files of fileSets(f)) {
      const expected = expectedByBucket(f.truth, files);
      for (const order of orders(files)) {
        const got = await ingestInOrder(f.dir, files, f.truth.mtimes, order);
        expect(got, JSON.stringify(order)).toEqual(expected);
      }
    }
  });
});
