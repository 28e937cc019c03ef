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

/**
 * A new, empty schema on the suite's server, and a URL whose connections use it: each ledger of
 * a test is its own, without creating a database per test. `drop()` removes it.
 */
export function freshPgSchema(): { url: string; schema: string; drop: () => void } {
  const server = pgServerUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgSyncClient(server);
  try {
    admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    admin.close();
  }
  const url = `${server}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    schema,
    drop: () => {
      const c = new PgSyncClient(server);
      try {
        c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        c.close();
      }
    },
  };
}
