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

/**
 * Ingests files under `root` (relative paths) in-process into a fresh ledger at
 * `root/ledger.db`, one ingest per group in the order given, default buckets from `root`, and
 * returns the counted tokens per bucket.
 */
export async function ingestGroups(
  root: string,
  groups: readonly (readonly string[])[],
): Promise<Record<string, number>> {
  const db = openLedger(join(root, 'ledger.db'));
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
