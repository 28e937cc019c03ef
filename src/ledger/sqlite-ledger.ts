import { checkIntegrity, openLedger, type Db } from './open.js';
import { DispatchStore } from './dispatch-store.js';
import { acquireProcessLock } from './lock.js';
import type { Ledger, OpenLedger } from './ports.js';
import { OutcomeStore } from './outcome-store.js';
import { PrStore } from './pr-store.js';
import { PriceStore } from './price-store.js';
import { RulesStore } from './rules-store.js';
import { SessionTokenStore } from './session-tokens.js';
import { ledgerStats } from './stats.js';
import { ReportStore } from './token-report.js';
import { TokenStore } from './token-store.js';
import { UsageStore } from './usage-store.js';

/** The ledger's ports over one open SQLite ledger (openLedger). */
export function sqliteLedger(db: Db): Ledger {
  return {
    tokens: new TokenStore(db),
    usage: new UsageStore(db),
    prices: new PriceStore(db),
    reports: new ReportStore(db),
    prs: new PrStore(db),
    rules: new RulesStore(db),
    dispatch: new DispatchStore(db),
    sessions: new SessionTokenStore(db),
    maintenance: {
      integrity: () => checkIntegrity(db),
      stats: () => ledgerStats(db),
      engine: () => ({
        name: 'SQLite',
        version: (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
      }),
    },
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    outcomes: new OutcomeStore(db),
  };
}

/**
 * Opens (creating when missing, migrating when older) the SQLite ledger at this path, as ports:
 * the rest of radar never holds the database itself.
 */
export function openSqliteLedger(path: string): OpenLedger {
  const db = openLedger(path);
  return {
    ...sqliteLedger(db),
    lock: (job, what) => acquireProcessLock(path, job, what),
    close: () => db.close(),
  };
}
