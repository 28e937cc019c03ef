import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { source, tokenEvent } from './contract/factory.js';
import type * as Open from '../../src/ledger/open.js';
import type * as Sqlite from '../../src/ledger/sqlite.js';
import type * as Store from '../../src/ledger/token-store.js';

// The built modules: the checkpoint thread loads dist/src/ledger/checkpoint-worker.js.
const dist = (path: string) => join(ROOT, 'dist', path);

/**
 * A large ingest has its commits checkpointed by a thread of its own (ledger/checkpoints.ts):
 * meanwhile the writing connection checkpoints nothing, and once the checkpoints stop, every
 * commit is in the database file itself (a copy of the file without its WAL holds it all) and
 * the connection checkpoints as SQLite does by default again.
 */

const dir = mkdtempSync(join(tmpdir(), 'radar-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('background checkpoints', () => {
  it('leave every commit in the database file, and the connection as it was', async () => {
    const { openLedger } = (await import(dist('src/ledger/open.js'))) as typeof Open;
    const { openDatabase } = (await import(dist('src/ledger/sqlite.js'))) as typeof Sqlite;
    const { TokenStore } = (await import(dist('src/ledger/token-store.js'))) as typeof Store;
    const path = join(dir, 'radar.db');
    const db = openLedger(path);
    try {
      const store = new TokenStore(db);
      const stop = store.checkpointInBackground();
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      for (const n of [1, 2, 3])
        store.transaction(() => {
          const path = `/logs/${n}.log`;
          const sourceId = store.insertSource(source({ path, ino: n }));
          store.insertEvent(tokenEvent({ fingerprint: `fp-${n}`, total: n }), {
            bucket: 'nightly',
            sourceId,
            sourcePath: path,
          });
        });
      await stop();
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      copyFileSync(path, join(dir, 'copy.db'));
      const copy = openDatabase(join(dir, 'copy.db'), { readonly: true });
      try {
        expect(copy.prepare('SELECT sum(total) AS n FROM token_events').get()).toEqual({ n: 6 });
      } finally {
        copy.close();
      }
    } finally {
      db.close();
    }
  });
});
