import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgError, PgSyncClient } from '../../../src/ledger/pg/sync-client.js';
import { freshPgSchema } from '../../helpers/pg.js';

/** The synchronous bridge to a real PostgreSQL server: answers, errors, bytes and numbers. */
let schema: ReturnType<typeof freshPgSchema>;
let client: PgSyncClient;

beforeAll(() => {
  schema = freshPgSchema();
  client = new PgSyncClient(schema.url);
});
afterAll(() => {
  client?.close();
  schema?.drop();
});

describe('PgSyncClient', () => {
  it('answers each statement before returning, in the schema of its URL', () => {
    client.query('CREATE TABLE t (id BIGINT PRIMARY KEY, body BYTEA, label TEXT)');
    const big = 2 ** 50 + 3;
    const inserted = client.query('INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)', [
      big,
      Buffer.from([0, 1, 255]),
      'a',
      2,
      null,
      'b',
    ]);
    expect(inserted.rowCount).toBe(2);
    const rows = client.query<{ id: number; body: Buffer | null; label: string }>(
      'SELECT id, body, label FROM t ORDER BY id',
    ).rows;
    expect(rows).toEqual([
      { id: 2, body: null, label: 'b' },
      { id: big, body: Buffer.from([0, 1, 255]), label: 'a' },
    ]);
    expect(Buffer.isBuffer(rows[1]!.body)).toBe(true);
    expect(client.query<{ s: string }>('SELECT current_schema() AS s').rows[0]!.s).toBe(
      schema.schema,
    );
  });

  it('throws what the server refused, with its SQLSTATE, and stays usable', () => {
    client.query('CREATE TABLE u (k TEXT PRIMARY KEY)');
    client.query("INSERT INTO u VALUES ('x')");
    let caught: unknown;
    try {
      client.query("INSERT INTO u VALUES ('x')");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PgError);
    expect((caught as PgError).code).toBe('23505');
    expect(client.query<{ n: number }>('SELECT count(*)::int AS n FROM u').rows[0]!.n).toBe(1);
  });

  it('says the server cannot be reached instead of hanging', () => {
    const dead = new PgSyncClient('postgres://radar@127.0.0.1:1/postgres');
    expect(() => dead.query('SELECT 1')).toThrow(/ECONNREFUSED/);
    dead.close();
  });

  it('gives a connection up when a statement outlasts its limit: its late answer is never taken for the next, and its transaction is rolled back', async () => {
    client.query('CREATE TABLE late (k TEXT)');
    const name = `radar-late-${process.pid}`;
    // A limit well above connecting and a short statement, even on a loaded machine.
    const slow = new PgSyncClient(schema.url, { statementTimeoutMs: 5000, applicationName: name });
    slow.query('BEGIN');
    slow.query("INSERT INTO late VALUES ('half done')");
    expect(() => slow.query('SELECT pg_sleep(60), 1 AS n')).toThrow(/did not answer within 5 s/);
    // The next statement fails, naming why, rather than returning the sleep's row.
    expect(() => slow.query<{ n: number }>('SELECT 2 AS n')).toThrow(
      /given up after an earlier statement: the PostgreSQL server did not answer/,
    );
    slow.close();
    // The server ends the sleep (it notices a dropped client only at its next read): what that
    // connection had begun is rolled back, never committed.
    client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    for (;;) {
      const left = client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [name],
      ).rows[0]!.n;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(client.query<{ n: number }>('SELECT count(*)::int AS n FROM late').rows[0]!.n).toBe(0);
  });
});
