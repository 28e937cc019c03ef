import { RadarError } from '../../core/errors.js';
import type { PgDb } from './db.js';
import { PG_MIGRATIONS } from './migrations.js';
import { ledgerXactLock } from './lock.js';

/** The advisory lock every radar takes while it migrates a PostgreSQL ledger ("RMIG"). */
const MIGRATION_LOCK = 0x524d4947;

/**
 * Brings a PostgreSQL ledger's schema up to date, one migration per transaction, under an
 * advisory lock so that machines opening it at once never apply one twice. A ledger written by a
 * newer radar is refused before anything is changed.
 */
export function migratePg(db: PgDb, migrations: readonly string[] = PG_MIGRATIONS): void {
  db.transaction(() => {
    // The lock first: two radars creating the version table at once would collide in the
    // catalogue (CREATE … IF NOT EXISTS is not atomic against a concurrent create).
    db.one(ledgerXactLock(MIGRATION_LOCK));
    db.exec(
      'CREATE TABLE IF NOT EXISTS radar_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)',
    );
    db.run('INSERT INTO radar_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
    let version = schemaVersion(db);
    if (version > migrations.length) {
      throw new RadarError(
        `the ledger was written by a newer radar (schema ${version}, this radar knows ${migrations.length}); upgrade radar`,
      );
    }
    for (; version < migrations.length; version++) {
      db.transaction(() => {
        db.exec(migrations[version]!);
        db.run('UPDATE radar_schema SET version = $1 WHERE id = 1', [version + 1]);
      });
    }
  });
}

export function schemaVersion(db: PgDb): number {
  return db.one<{ version: number }>('SELECT version FROM radar_schema WHERE id = 1')?.version ?? 0;
}
