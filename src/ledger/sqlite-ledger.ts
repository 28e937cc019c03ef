import type { Db } from './open.js';
import { DispatchStore } from './dispatch-store.js';
import type { Ledger } from './ports.js';
import { OutcomeStore } from './outcome-store.js';
import { PrStore } from './pr-store.js';
import { PriceStore } from './price-store.js';
import { RulesStore } from './rules-store.js';
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
    outcomes: new OutcomeStore(db),
  };
}
