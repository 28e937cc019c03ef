import { PgSyncClient, type PgResult, type PgSyncOptions } from './sync-client.js';

/**
 * One synchronous PostgreSQL connection as the PostgreSQL stores use it: statements with `$n`
 * parameters, and units of work. `transaction(fn)` nests as better-sqlite3's does (an inner one
 * is a savepoint), so a store's own transaction inside a caller's unit of work joins it.
 */
export class PgDb {
  private depth = 0;

  constructor(readonly client: PgSyncClient) {}

  static connect(url: string, options?: PgSyncOptions): PgDb {
    return new PgDb(new PgSyncClient(url, options));
  }

  /** Rows of a statement. */
  all<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): R[] {
    return this.client.query<R>(sql, params).rows;
  }

  /** The first row of a statement, if any. */
  one<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): R | undefined {
    return this.client.query<R>(sql, params).rows[0];
  }

  /** Runs a statement for its effect: how many rows it touched (and any RETURNING rows). */
  run<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): PgResult<R> {
    return this.client.query<R>(sql, params);
  }

  /** Several statements without parameters (DDL). */
  exec(sql: string): void {
    this.client.query(sql);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * Runs fn in a transaction (a savepoint when one is open): committed when fn returns, rolled
   * back when it throws. `begin` chooses the isolation of the outermost transaction.
   */
  transaction<T>(fn: () => T, begin = 'BEGIN'): T {
    const savepoint = this.depth > 0 ? `radar_sp_${this.depth}` : undefined;
    this.exec(savepoint ? `SAVEPOINT ${savepoint}` : begin);
    this.depth++;
    try {
      const result = fn();
      this.depth--;
      this.exec(savepoint ? `RELEASE SAVEPOINT ${savepoint}` : 'COMMIT');
      return result;
    } catch (error) {
      this.depth--;
      try {
        this.exec(savepoint ? `ROLLBACK TO SAVEPOINT ${savepoint}` : 'ROLLBACK');
      } catch {
        // the connection is gone: the server rolls the transaction back itself
      }
      throw error;
    }
  }

  close(): void {
    this.client.close();
  }
}
