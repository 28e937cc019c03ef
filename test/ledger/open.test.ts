import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity, openLedger } from '../../src/ledger/open.js';
import { MIGRATIONS } from '../../src/ledger/migrations.js';
import { tempTree } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempDir(): string {
  const t = tempTree();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('openLedger', () => {
  it('creates a WAL ledger with every migration applied, and reopens it without re-running them', () => {
    const path = join(tempDir(), 'nested/dir/radar.db');
    const db = openLedger(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    db.prepare(
      "INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, source_path) VALUES ('f', 1, 'line', 'codex', 'b', 'codex-text', 5, '/x')",
    ).run();
    db.close();
    const again = openLedger(path);
    expect(again.prepare('SELECT total FROM token_events').get()).toEqual({ total: 5 });
    expect(checkIntegrity(again)).toEqual(['ok']);
    again.close();
  });

  it('refuses a ledger written by a newer radar instead of corrupting it', () => {
    const path = join(tempDir(), 'radar.db');
    const db = openLedger(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openLedger(path)).toThrow(/newer radar/);
  });

  it('refuses a file that is not a SQLite database with a clear message', () => {
    const path = join(tempDir(), 'radar.db');
    writeFileSync(path, 'definitely not sqlite '.repeat(200));
    expect(() => openLedger(path)).toThrow(/not a valid radar ledger|cannot open the ledger/);
  });
});
