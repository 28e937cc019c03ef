import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, LockedError } from '../../../src/core/errors.js';
import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import type { OpenLedger } from '../../../src/ledger/ports.js';
import { PgSyncClient } from '../../../src/ledger/pg/sync-client.js';
import { freshPgSchema } from '../../helpers/pg.js';
import { claim } from '../contract/dispatch-ledger.js';

/**
 * The locks of a PostgreSQL ledger are the server's advisory locks. The scan lock: two
 * connections (two machines) never hold it at once, a holder whose connection ends releases it,
 * and ledgers in other schemas of the same database have their own; so do the locks that claims,
 * token writes and migrations hold for their transactions.
 */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function schema(): string {
  const fresh = freshPgSchema();
  cleanups.push(fresh.drop);
  return fresh.url;
}

function open(url: string): OpenLedger {
  const ledger = openPgLedger(url);
  cleanups.push(() => ledger.close());
  return ledger;
}

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the scan lock of a PostgreSQL ledger', () => {
  it('keeps a second connection out while the first holds it, saying where the holder connects from', () => {
    const url = schema();
    const first = open(url);
    const second = open(url);
    const release = first.lock('scan', 'radar scan');
    const refused = refusal(() => second.lock('scan', 'radar scan'));
    expect(refused).toBeInstanceOf(LockedError);
    expect((refused as LockedError).exitCode).toBe(ExitCode.locked);
    expect((refused as LockedError).message).toMatch(
      /^another radar scan is running on this ledger \(connected from [\d.:a-f]+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); try again later$/,
    );
    release();
    release();
    const again = second.lock('scan', 'radar scan');
    expect(refusal(() => first.lock('scan', 'radar scan'))).toBeInstanceOf(LockedError);
    again();
  });

  it('is released when its holder’s connection ends (a machine that dies)', () => {
    const url = schema();
    const holder = openPgLedger(url);
    const other = open(url);
    holder.lock('scan', 'radar scan');
    expect(refusal(() => other.lock('scan', 'radar scan'))).toBeInstanceOf(LockedError);
    holder.close();
    // The server drops a session's advisory locks when its connection closes: poll, never sleep.
    let taken: (() => void) | undefined;
    for (let i = 0; i < 200 && !taken; i++) {
      try {
        taken = other.lock('scan', 'radar scan');
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      }
    }
    expect(taken).toBeTypeOf('function');
    taken?.();
  });

  it('is one lock per job and per ledger: other jobs and other schemas are not kept out', () => {
    const url = schema();
    const first = open(url);
    const second = open(url);
    const elsewhere = open(schema());
    const release = first.lock('scan', 'radar scan');
    const ingest = second.lock('ingest', 'radar ingest');
    const otherLedger = elsewhere.lock('scan', 'radar scan');
    ingest();
    otherLedger();
    release();
  });
});

describe('the transaction locks of a PostgreSQL ledger', () => {
  it('are the ledger’s own: while one ledger claims and writes tokens, a ledger in another schema of the database claims, writes and migrates without waiting', () => {
    const busyUrl = schema();
    const busy = open(busyUrl);
    const other = open(schema());
    const fresh = schema();
    // One connection keeps a token write and a claim of `busy` open (the claim's lock is held
    // until the outer transaction ends), and holds `busy`'s migration lock: with locks of the
    // database, each step below would wait for it, and this thread with it.
    const holder = new PgSyncClient(busyUrl);
    cleanups.push(() => holder.close());
    busy.tokens.transaction(() => {
      expect(claim(busy, 1).kind).toBe('claimed');
      expect(claim(other, 2).kind).toBe('claimed');
      other.tokens.transaction(() => undefined);
      holder.query('BEGIN');
      holder.query("SELECT pg_advisory_xact_lock(x'524d4947'::int, hashtext(current_schema()))");
      open(fresh).close();
      holder.query('ROLLBACK');
    });
    expect(other.dispatch.runningSessions().map((s) => s.number)).toEqual([2]);
  });
});
