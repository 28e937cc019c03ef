import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../src/ledger/open.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import { emptySummary, ingestFiles } from '../../src/tokens/ingest.js';

/** Every order of `items`. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

let template: Buffer | undefined;

/**
 * Makes `path` a new, empty ledger: the bytes of one that openLedger created and migrated once in
 * this process, so that a test opening hundreds of fresh ledgers pays for the migration list
 * once. openLedger then opens the copy as it opens any ledger of the current schema.
 */
export function freshLedgerAt(path: string): string {
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), 'radar-template-'));
    try {
      const file = join(dir, 'ledger.db');
      openLedger(file).close();
      template = readFileSync(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  writeFileSync(path, template, { flag: 'wx' });
  return path;
}

/**
 * Ingests files under `root` (relative paths) in-process into a fresh ledger at
 * `root/ledger.db` (freshLedgerAt), one ingest per group in the order given, default buckets from `root`, and
 * returns the counted tokens per bucket.
 */
export async function ingestGroups(
  root: string,
  groups: readonly (readonly string[])[],
): Promise<Record<string, number>> {
  const db = openLedger(freshLedgerAt(join(root, 'ledger.db')));
  try {
    const store = new TokenStore(db);
    for (const group of groups)
      await ingestFiles(
        group.map((rel) => join(root, rel)),
        {
          store,
          machine: 'test-machine',
          bucketFor: bucketResolver([], root),
          zone: 'UTC',
          now: () => 0,
          threads: 'never',
        },
        emptySummary(),
      );
    const rows = db
      .prepare(
        `SELECT bucket, sum(total) AS tokens FROM token_events WHERE counted = 1 GROUP BY bucket`,
      )
      .all() as { bucket: string; tokens: number }[];
    return Object.fromEntries(rows.map((r) => [r.bucket, r.tokens]));
  } finally {
    db.close();
  }
}
