import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { diskFullMessage } from '../../src/core/errors.js';
import { runRadar } from '../helpers/cli.js';

/** A real SQLITE_FULL from SQLite: a database not allowed to grow past two pages. */
function realSqliteFull(): unknown {
  const db = new Database(':memory:');
  try {
    db.pragma('max_page_count = 2');
    db.exec('CREATE TABLE t (x BLOB)');
    db.prepare('INSERT INTO t VALUES (zeroblob(100000))').run();
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error('SQLite did not run out of room');
}

describe('a full disk', () => {
  it.each([
    [
      'SQLITE_FULL from the ledger',
      realSqliteFull(),
      'the disk holding the ledger is full (/data/radar.db)',
    ],
    [
      'ENOSPC writing a file by name',
      Object.assign(new Error('ENOSPC: no space left on device, open'), {
        code: 'ENOSPC',
        path: '/data/radar.json',
      }),
      'the disk is full (/data/radar.json)',
    ],
    [
      'ENOSPC writing to a descriptor',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'the disk is full (no space left on device)',
    ],
    [
      'a full disk behind a wrapping error',
      new Error('commit failed', { cause: realSqliteFull() }),
      'the disk holding the ledger is full (/data/radar.db)',
    ],
    [
      'a busy ledger',
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      undefined,
    ],
    [
      'a missing file',
      Object.assign(new Error('ENOENT'), { code: 'ENOENT', path: '/x' }),
      undefined,
    ],
    ['a plain error', new Error('boom'), undefined],
    ['a string', 'SQLITE_FULL', undefined],
    ['nothing', undefined, undefined],
  ])('%s', (_name, error, message) => {
    expect(diskFullMessage(error, '/data/radar.db')).toBe(message);
  });

  it('is said in one line with exit 1 when a write runs out of room, not as an unexpected error', async () => {
    if (!existsSync('/dev/full')) throw new Error('this test needs /dev/full (Linux)');
    const r = await runRadar(['init', '/dev/full', '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('radar: the disk is full (no space left on device)\n');
  });
});
