import { RadarError } from '../../core/errors.js';
import type { Ledger, OpenLedger } from '../ports.js';
import { PgDb } from './db.js';
import { acquirePgLock } from './lock.js';
import { PgMaintenance } from './maintenance.js';
import { migratePg } from './migrate.js';
import { PgDispatchStore } from './dispatch-store.js';
import { PgPriceStore, PgReportStore, PgUsageStore } from './token-report.js';
import { PgSessionStore, PgTokenStore } from './token-store.js';
import { PgOutcomeStore } from './outcome-store.js';
import { PgPrStore } from './pr-store.js';
import { PgRulesStore } from './rules-store.js';

/** The ledger's ports over one PostgreSQL connection. */
export function pgLedger(db: PgDb): Ledger {
  const rules = new PgRulesStore(db);
  return {
    tokens: new PgTokenStore(db),
    usage: new PgUsageStore(db),
    prices: new PgPriceStore(db),
    reports: new PgReportStore(db),
    prs: new PgPrStore(db),
    rules,
    dispatch: new PgDispatchStore(db),
    sessions: new PgSessionStore(db),
    outcomes: new PgOutcomeStore(db),
    maintenance: new PgMaintenance(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn),
  };
}

/** A server (database, schema) without a radar ledger, opened by a command that only reads. */
export class NoPgLedgerError extends RadarError {
  constructor() {
    super('no radar ledger in this database schema');
    this.name = 'NoPgLedgerError';
  }
}

export interface OpenPgOptions {
  /**
   * Create the ledger's tables when the schema has none (scan, ingest); false: a schema without
   * a radar ledger throws NoPgLedgerError and nothing is created (commands that only read).
   */
  create?: boolean;
}

/** Opens (migrating when older) the PostgreSQL ledger at this URL, as ports. */
export function openPgLedger(url: string, options: OpenPgOptions = {}): OpenLedger {
  const db = PgDb.connect(url);
  try {
    if (options.create === false && !hasLedger(db)) throw new NoPgLedgerError();
    migratePg(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    ...pgLedger(db),
    lock: (job, what) => acquirePgLock(db, job, what),
    close: () => db.close(),
  };
}

/** Whether the connection's schema holds a radar ledger (its version table). */
function hasLedger(db: PgDb): boolean {
  return (
    db.one<{ ok: boolean }>(`SELECT to_regclass('radar_schema') IS NOT NULL AS ok`)?.ok === true
  );
}
