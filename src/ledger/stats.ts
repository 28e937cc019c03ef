import type { Db } from './open.js';
import type { LedgerStats } from './ports.js';

export type { LedgerStats } from './ports.js';

/** Row counts for `radar doctor`: cheap (each table has an integer primary key). */
export function ledgerStats(db: Db): LedgerStats {
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    schema: db.pragma('user_version', { simple: true }) as number,
    tokenEvents: count('token_events'),
    tokenSources: count('token_sources'),
    scanRuns: count('scan_runs'),
  };
}
