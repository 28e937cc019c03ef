import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { RadarError, UsageError } from '../errors.js';

export type Db = BetterSqlite3.Database;

export interface OpenLedgerOptions {
  readonly?: boolean;
  /** Milliseconds to wait for another writer before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export const DEFAULT_LEDGER = 'ledgers/radar.db';

export function resolveLedgerPath(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  return resolve(cwd, explicit ?? env.RADAR_LEDGER ?? DEFAULT_LEDGER);
}

/**
 * Opens (creating if needed) the SQLite ledger: WAL so readers never block the cron writer, a
 * busy timeout so two radar processes wait instead of failing, and migrations keyed by
 * `PRAGMA user_version`, each applied in its own transaction.
 */
export function openLedger(path: string, options: OpenLedgerOptions = {}): Db {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  if (!options.readonly) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new UsageError(
        `cannot create the ledger folder ${dirname(path)}: ${(error as Error).message}`,
      );
    }
  }
  let db: Db;
  try {
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache: ingest and reports touch every page of big tables.
    db.pragma('cache_size = -65536');
    migrate(db, options.readonly ?? false);
  } catch (error) {
    if (error instanceof RadarError) throw error;
    const e = error as { code?: string; message: string };
    if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
      throw new RadarError(
        `the ledger ${path} is not a valid radar ledger (${e.message}); nothing was changed`,
      );
    }
    throw new RadarError(`cannot open the ledger ${path}: ${e.message}`);
  }
  return db;
}

function migrate(db: Db, readonly: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new RadarError(
      `the ledger was written by a newer radar (schema ${current}, this radar knows ${MIGRATIONS.length}); upgrade radar`,
    );
  }
  if (current === MIGRATIONS.length) return;
  if (readonly) throw new RadarError('the ledger needs a schema upgrade; open it writable once');
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

/** `PRAGMA quick_check` result: "ok" or the first problems found. */
export function checkIntegrity(db: Db): string[] {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  return rows.map((r) => r.quick_check);
}
