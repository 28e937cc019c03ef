import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PgSyncClient } from '../../src/ledger/pg/sync-client.js';

/**
 * The suite's PostgreSQL server (test/setup/postgres.ts). Throws, failing the test, when there is
 * none: the PostgreSQL tests never pass by not running.
 */
export function pgServerUrl(): string {
  const url = inject('pgUrl');
  if (!url) throw new Error(inject('pgProblem') ?? 'no PostgreSQL server for the tests');
  return url;
}

let admin: PgSyncClient | undefined;

/**
 * The test process's own connection to the suite's server, for creating and dropping schemas:
 * one for the whole file, as starting a connection (a worker thread that loads `pg`) costs more
 * than the statements it runs. Unreferenced like every PgSyncClient, it never keeps the process
 * alive; the server ends it when the process exits.
 */
function adminQuery(sql: string): void {
  admin ??= new PgSyncClient(pgServerUrl(), { applicationName: 'radar-tests-admin' });
  try {
    admin.query(sql);
  } catch (error) {
    // A connection given up (a statement out of time) is not used again: the next gets its own.
    admin.close();
    admin = undefined;
    throw error;
  }
}

/**
 * A new, empty schema on the suite's server, and a URL whose connections use it: each ledger of
 * a test is its own, without creating a database per test. `drop()` removes it.
 */
export function freshPgSchema(): { url: string; schema: string; drop: () => void } {
  const server = pgServerUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  adminQuery(`CREATE SCHEMA ${schema}`);
  const url = `${server}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    schema,
    drop: () => {
      adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}
