import { dispatchLedgerContract } from './dispatch-ledger.js';
import type { LedgerFactory } from './factory.js';
import { maintenanceContract } from './maintenance.js';
import { outcomeLedgerContract } from './outcome-ledger.js';
import { priceCacheContract } from './price-cache.js';
import { reportLedgerContract } from './reports.js';
import { scanLedgerContract } from './scan-ledger.js';
import { tokenLedgerContract } from './token-ledger.js';

/** Every contract case, against the engine `fresh` opens: each engine's test file runs this. */
export function ledgerContract(fresh: LedgerFactory): void {
  tokenLedgerContract(fresh);
  priceCacheContract(fresh);
  reportLedgerContract(fresh);
  scanLedgerContract(fresh);
  dispatchLedgerContract(fresh);
  outcomeLedgerContract(fresh);
  maintenanceContract(fresh);
}
