import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import type * as Corpus from '../../src/demo/corpus.js';
import type * as Open from '../../src/ledger/open.js';
import type * as Store from '../../src/ledger/token-store.js';
import type * as Bucket from '../../src/tokens/bucket.js';
import type * as Ingest from '../../src/tokens/ingest.js';

// The built modules: worker threads load dist/src/tokens/parse-worker.js (`npm test` builds first).
const dist = (path: string) => join(ROOT, 'dist', path);

describe('ingest on worker threads', () => {
  it('counts exactly what the inline parse counts, in the same order', async () => {
    const { generateCorpus } = (await import(dist('src/demo/corpus.js'))) as typeof Corpus;
    const { openLedger } = (await import(dist('src/ledger/open.js'))) as typeof Open;
    const { TokenStore } = (await import(dist('src/ledger/token-store.js'))) as typeof Store;
    const { bucketResolver } = (await import(dist('src/tokens/bucket.js'))) as typeof Bucket;
    const ingest = (await import(dist('src/tokens/ingest.js'))) as typeof Ingest;
    const dir = mkdtempSync(join(tmpdir(), 'radar-threads-'));
    try {
      const truth = await generateCorpus(join(dir, 'logs'), {
        seed: 5,
        now: new Date('2026-06-15T12:00:00Z'),
        targetBytes: 2_000_000,
      });
      const run = async (threads: 'never' | 'always') => {
        const db = openLedger(join(dir, `${threads}.db`));
        const summary = ingest.emptySummary();
        const files = await ingest.collectFiles([join(dir, 'logs')], summary.unreadable);
        await ingest.ingestFiles(
          files,
          {
            store: new TokenStore(db),
            machine: 'test-machine',
            bucketFor: bucketResolver([], dir),
            zone: 'UTC',
            now: () => 0,
            threads,
          },
          summary,
        );
        // Positional fingerprints carry a random lineage key per ledger: compare everything else.
        const rows = db
          .prepare(
            `SELECT format, bucket, total, s.path, source_offset
             FROM token_events t JOIN token_sources s ON s.id = t.source_id ORDER BY t.id`,
          )
          .all();
        db.close();
        return { summary, rows };
      };
      const inline = await run('never');
      const threaded = await run('always');
      expect(inline.summary.newTokens).toBe(truth.tokens);
      expect(threaded.summary).toEqual(inline.summary);
      expect(threaded.rows).toEqual(inline.rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
