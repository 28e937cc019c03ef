import { LockedError } from '../../core/errors.js';
import type { PgDb } from './db.js';

/**
 * `SELECT` of the transaction-scoped advisory lock `key` of this ledger (claims, token writes,
 * migrations): its second key is the connection's schema, as for the job locks below, so ledgers
 * in two schemas of one database never wait for each other.
 */
export const ledgerXactLock = (key: number): string =>
  `SELECT pg_advisory_xact_lock(${key}, hashtext(current_schema()))`;

/** The first key of every radar job lock ("RADA"); the second names the schema and the job. */
const JOB_LOCK = 0x52414441;

/**
 * A job's lock on a PostgreSQL ledger (`scan`): a session-level advisory lock of the server, so
 * scans on two machines never overlap, and a holder that dies (its connection gone) releases it
 * at once. Advisory locks belong to the database, so the key includes the connection's schema:
 * two ledgers in one database never share a lock. Refused at once (LockedError, exit 75) while
 * another connection holds it, naming where that radar connects from.
 */
export function acquirePgLock(db: PgDb, job: string, what: string): () => void {
  const taken = db.one<{ ok: boolean }>(
    `SELECT pg_try_advisory_lock($1, hashtext(current_schema() || '/' || $2)) AS ok`,
    [JOB_LOCK, job],
  );
  if (!taken?.ok) {
    const holder = db.one<{ client: string | null; since: string | null; name: string | null }>(
      `SELECT host(a.client_addr) AS client, a.application_name AS name,
         to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
       FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid
         AND l.objid = hashtext(current_schema() || '/' || $2)::oid AND l.objsubid = 2`,
      [JOB_LOCK, job],
    );
    const from = holder
      ? ` (connected from ${holder.client ?? 'a local socket'}${holder.since ? ` since ${holder.since}` : ''})`
      : '';
    throw new LockedError(`another ${what} is running on this ledger${from}; try again later`);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      db.one(`SELECT pg_advisory_unlock($1, hashtext(current_schema() || '/' || $2))`, [
        JOB_LOCK,
        job,
      ]);
    } catch {
      // the connection is gone (the ledger was closed first): the server released the lock
    }
  };
}
