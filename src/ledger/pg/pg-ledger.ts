import type { Ledger, OpenLedger } from '../ports.js';
import { PgDb } from './db.js';
import { migratePg } from './migrate.js';
import { PgDispatchStore } from './dispatch-store.js';
import { PgPriceStore, PgReportStore, PgUsageStore } from './token-report.js';
import { PgSessionStore, PgTokenStore } from './token-store.js';

/**
 * The ledger's ports over one PostgreSQL connection. Families not yet carried over to
 * PostgreSQL answer with an error naming them.
 */
export function pgLedger(db: PgDb): Ledger {
  const rules = notBuilt<Ledger['rules']>('rules');
  return {
    tokens: new PgTokenStore(db),
    usage: new PgUsageStore(db),
    prices: new PgPriceStore(db),
    reports: new PgReportStore(db),
    prs: notBuilt('prs'),
    rules,
    dispatch: new PgDispatchStore(db, () => rules.histories()),
    sessions: new PgSessionStore(db),
    outcomes: notBuilt('outcomes'),
    maintenance: notBuilt('maintenance'),
    transaction: <T>(fn: () => T): T => db.transaction(fn),
  };
}

/** Opens (migrating when older) the PostgreSQL ledger at this URL, as ports. */
export function openPgLedger(url: string): OpenLedger {
  const db = PgDb.connect(url);
  try {
    migratePg(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return { ...pgLedger(db), close: () => db.close() };
}

function notBuilt<T extends object>(family: string): T {
  return new Proxy({} as T, {
    get: () => () => {
      throw new Error(`the PostgreSQL ledger does not have the ${family} family yet`);
    },
  });
}
