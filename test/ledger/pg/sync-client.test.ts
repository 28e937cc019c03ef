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
});
