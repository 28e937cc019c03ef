import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { FIRST_TABLE, MIGRATIONS, RADAR_APPLICATION_ID } from './migrations.js';
import { SCHEMA_SNAPSHOT } from './schema-snapshot.js';
import { RadarError, UsageError, diskFullMessage } from '../core/errors.js';
import { makeFolders } from '../files/folders.js';

export type Db = BetterSqlite3.Database;

export interface OpenLedgerOptions {
  readonly?: boolean;
  /** Milliseconds to wait for another writer before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** The page size of a new ledger, in bytes. */
export const PAGE_SIZE = 16_384;
/** The page cache of every connection, in KiB (see openLedger). */
const CACHE_KIB = 16_384;

/**
 * Opens (creating if needed) the SQLite ledger: WAL so readers never block the cron writer, a
 * busy timeout so two radar processes wait instead of failing, and migrations keyed by
 * `PRAGMA user_version`, the missing ones applied in one write transaction. A SQLite file of another
 * application is refused before anything is written to it.
 */
export function openLedger(path: string, options: OpenLedgerOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!readonly) {
    try {
      makeFolders(dirname(path));
    } catch (error) {
      throw new UsageError(
        `cannot create the ledger folder ${dirname(path)}: ${(error as Error).message}`,
      );
    }
  }
  let db: Db | undefined;
  try {
    db = openDatabase(path, { readonly, fileMustExist: readonly });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const opened = db;
    const deadline = Date.now() + busyTimeoutMs;
    // Look before touching: switching to WAL already rewrites the file header.
    const found = retryWhileBusy(() => identify(opened), deadline);
    checkIdentity(found, path);
    if (!readonly) {
      // A new ledger's pages are 16 KiB (SQLite's default is 4): an ingest rewrites a few pages of
      // each index per batch, and larger pages are fewer writes and checkpoint copies for the
      // same rows (a fifth less CPU and wall time in the writes of a first ingest). Only a file
      // with no page yet takes it; an existing ledger keeps its size.
      if (found.objects.length === 0) opened.pragma(`page_size = ${PAGE_SIZE}`);
      // A database another process is creating at this moment answers SQLITE_BUSY here without
      // calling the busy handler: retry until the busy timeout.
      retryWhileBusy(() => opened.pragma('journal_mode = WAL'), deadline);
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // 16 MiB of page cache: enough for the indexes an ingest updates at random (11 MB for 66,000
    // events), while the table's pages, written once at its end, are recycled. A cache that held
    // the whole ledger (64 MiB) cost a fresh page of memory for every page a first ingest wrote:
    // about 5,000 more page faults and 20 MB more memory on the 1 GB benchmark corpus, and 3-6 %
    // more time. A report reads each page once, so a larger cache does not help it either.
    db.pragma(`cache_size = -${CACHE_KIB}`);
    // Statement journals and sorts stay in memory. On disk, a statement that may fail half way
    // and writes more than 64 KiB (four 16 KiB pages) inside a transaction, as some of an ingest
    // batch's multi-row statements do, spilled its journal to a new file in the temp folder:
    // about 40 files and 10 MB per first ingest of the 1 GB benchmark corpus, which takes 0.98×
    // the time without them.
    db.pragma('temp_store = MEMORY');
    migrate(db, path, readonly, found);
  } catch (error) {
    db?.close();
    if (error instanceof RadarError) throw error;
    const e = error as { code?: string; message: string };
    const full = diskFullMessage(error, path);
    if (full) throw new RadarError(full);
    if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
      throw new RadarError(
        `the ledger ${path} is not a valid radar ledger (${e.message}); nothing was changed`,
      );
    }
    throw new RadarError(`cannot open the ledger ${path}: ${e.message}`);
  }
  return db;
}

interface Identity {
  applicationId: number;
  version: number;
  /** Names of the tables and views the file holds. */
  objects: string[];
}

/** The three facts are read in one transaction: one snapshot, even while another process writes. */
function identify(db: Db): Identity {
  return db.transaction(readIdentity).deferred(db);
}

function readIdentity(db: Db): Identity {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    objects: db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
      )
      .pluck()
      .all() as string[],
  };
}

/**
 * A radar ledger carries radar's application_id, or (written before radar set one) radar's first
 * table and a schema version; an empty database becomes one. Anything else belongs to someone else.
 */
function isForeign(found: Identity): boolean {
  if (found.applicationId === RADAR_APPLICATION_ID) return false;
  if (found.applicationId !== 0) return true;
  if (found.version === 0 && found.objects.length === 0) return false;
  return !(found.version > 0 && found.objects.includes(FIRST_TABLE));
}

/** Throws, before any change, for another application's database or a newer radar's ledger. */
function checkIdentity(found: Identity, path: string): void {
  if (isForeign(found)) {
    const shown = found.objects.slice(0, 3).join(', ') + (found.objects.length > 3 ? ', …' : '');
    const what = found.objects.length
      ? `tables: ${shown}`
      : `application_id ${found.applicationId}, user_version ${found.version}`;
    throw new UsageError(
      `${path} is not a radar ledger but another application's SQLite database (${what}); radar left it unchanged`,
    );
  }
  if (found.version > MIGRATIONS.length) {
    throw new RadarError(
      `the ledger was written by a newer radar (schema ${found.version}, this radar knows ${MIGRATIONS.length}); upgrade radar`,
    );
  }
}

/**
 * Brings the schema up to date: every missing migration, in order, in one write transaction
 * (BEGIN IMMEDIATE, waiting up to the busy timeout), which reads the version inside it, so two
 * processes opening a new ledger at once never apply a migration twice: the second finds it done.
 * One transaction, not one per migration: a new ledger is made in a third of the time, and an
 * upgrade that fails part way leaves the ledger as it was. `before` is the identity read when the
 * ledger was opened: a version only grows, so one that was current then still is.
 */
function migrate(db: Db, path: string, readonly: boolean, before: Identity): void {
  if (before.applicationId === RADAR_APPLICATION_ID && before.version === MIGRATIONS.length) return;
  if (readonly) {
    if (before.version < MIGRATIONS.length)
      throw new RadarError('the ledger needs a schema upgrade; open it writable once');
    return;
  }
  db.transaction((): void => {
    const found = readIdentity(db);
    checkIdentity(found, path);
    if (found.applicationId !== RADAR_APPLICATION_ID)
      db.pragma(`application_id = ${RADAR_APPLICATION_ID}`);
    if (found.objects.length === 0 && SCHEMA_SNAPSHOT.version === MIGRATIONS.length)
      // A new ledger: the schema the migrations leave, made at once (schema-snapshot.ts).
      SCHEMA_SNAPSHOT.statements.forEach((sql) => db.exec(sql));
    else
      for (let version = found.version; version < MIGRATIONS.length; version++)
        db.exec(MIGRATIONS[version]!);
    if (found.version !== MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Runs fn until it stops failing with SQLITE_BUSY or the deadline passes (short backoff). */
function retryWhileBusy<T>(fn: () => T, deadline: number): T {
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      return fn();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() + pause > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    }
  }
}

/** `PRAGMA quick_check` result: "ok" or the first problems found. */
export function checkIntegrity(db: Db): string[] {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  return rows.map((r) => r.quick_check);
}
