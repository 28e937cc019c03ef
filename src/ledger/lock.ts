import { closeSync, openSync, readSync, truncateSync } from 'node:fs';
import { openDatabase } from './sqlite.js';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { LockedError, RadarError } from '../core/errors.js';
import { makeFolders } from '../files/folders.js';

/**
 * One process at a time per ledger and job (`scan`, `ingest`): an exclusive SQLite lock on a small
 * lock database next to the ledger. SQLite locks with fcntl, and the kernel drops those locks the
 * moment their process dies (kill -9, OOM, a container torn down), even before it is reaped, so
 * a crashed holder never keeps the next run out, whatever its pid or host name was.
 *
 * The lock database records the holder's pid (`user_version`) and start time in seconds
 * (`application_id`) so a refused process can say who holds the lock. That is information only:
 * whether the lock is held is decided by the kernel alone. The file is never deleted (another
 * process may be locking it at that moment), only closed.
 */

/** Lock paths held by this process: SQLite may keep such a lock only while no fd of ours closes. */
const held = new Set<string>();

export function processLockPath(ledgerPath: string, name: string): string {
  return `${ledgerPath}.${name}.lock`;
}

/**
 * Takes the lock `name` of the ledger at `ledgerPath`, or throws LockedError (exit 75) saying
 * that another `what` (e.g. "radar scan") is running. Returns the release function, which only
 * releases this lock and may be called more than once.
 */
export function acquireProcessLock(ledgerPath: string, name: string, what: string): () => void {
  const path = processLockPath(ledgerPath, name);
  if (held.has(path)) throw new LockedError(`another ${what} is running in this process`);
  try {
    makeFolders(dirname(path));
  } catch (error) {
    throw new RadarError(`cannot create the folder of ${path}: ${(error as Error).message}`);
  }
  let db: BetterSqlite3.Database;
  try {
    db = lockContended(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw mapError(error, path, what);
    // Not a lock database (a lock file of an older radar, or garbage). Nobody can hold a SQLite
    // lock on it, so empty it in place (never unlink: the inode is what everyone locks) and retry.
    try {
      truncateSync(path, 0);
      db = lockOnce(path);
    } catch (again) {
      throw mapError(again, path, what);
    }
  }
  held.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(path);
    db.close();
  };
}

const CONTENTION_WAIT_MS = 300;
/** How long processes that start together keep trying while none of them holds the lock yet. */
const STARTUP_RACE_MS = 3000;

const busy = (error: unknown) => {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

/** Whether the process named in the lock's header is alive (a live holder means: give up). */
function liveHolder(path: string): boolean {
  const holder = readHolder(path);
  if (!holder) return false;
  try {
    process.kill(holder.pid, 0);
    return holder.pid !== process.pid;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Two processes starting at once can each hold the brief shared lock the other waits on; on a
 * loaded machine one may be descheduled past the wait and both would give up. While no live
 * process has recorded itself as the holder, try again for a while (with jitter); a live holder
 * ends it at once.
 */
function lockContended(path: string): BetterSqlite3.Database {
  const deadline = Date.now() + STARTUP_RACE_MS;
  for (;;) {
    try {
      return lockOnce(path);
    } catch (error) {
      if (!busy(error) || Date.now() >= deadline || liveHolder(path)) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 60);
    }
  }
}

/** Opens the lock database and takes its exclusive lock (waiting out only brief contention). */
function lockOnce(path: string): BetterSqlite3.Database {
  const db = openDatabase(path);
  try {
    // A short wait, not none: two processes starting at once each read the lock database's
    // schema (a brief shared lock) while the other asks for the exclusive lock; without a wait
    // both could give up. A real holder keeps the lock far longer than this.
    db.pragma(`busy_timeout = ${CONTENTION_WAIT_MS}`);
    // Keep the EXCLUSIVE lock after the first commit, until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    // What it records is information only: no journal file, no fsync (a torn header is a
    // database that is not one, emptied and locked again).
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.exec('BEGIN EXCLUSIVE');
    db.pragma(`user_version = ${process.pid | 0}`);
    db.pragma(`application_id = ${Math.floor(Date.now() / 1000) | 0}`);
    db.exec('COMMIT');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function mapError(error: unknown, path: string, what: string): Error {
  if (error instanceof RadarError) return error;
  const e = error as { code?: string; message?: string };
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') {
    const holder = readHolder(path);
    const since = holder ? ` (pid ${holder.pid}, since ${holder.since})` : '';
    return new LockedError(`another ${what} is running${since}; try again later`);
  }
  return new RadarError(`cannot take the lock ${path}: ${e.message ?? String(error)}`);
}

/**
 * The pid and start time the holder wrote into the lock database's header, read as plain bytes
 * (a SQLite reader would need the lock). Only called while another process holds the lock, so
 * closing this fd cannot drop a lock of ours.
 */
function readHolder(path: string): { pid: number; since: string } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100) return undefined;
    if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return undefined;
    const pid = header.readInt32BE(60);
    const startedSeconds = header.readInt32BE(68);
    if (pid <= 0 || startedSeconds <= 0) return undefined;
    return { pid, since: new Date(startedSeconds * 1000).toISOString() };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
