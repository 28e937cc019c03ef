import { openPgLedger } from '../../src/ledger/pg/pg-ledger.js';
import { freshPgSchema } from '../helpers/pg.js';
import { dispatchLedgerContract } from './contract/dispatch-ledger.js';
import type { LedgerFactory } from './contract/factory.js';
import { maintenanceContract } from './contract/maintenance.js';
import { outcomeLedgerContract } from './contract/outcome-ledger.js';
import { priceCacheContract } from './contract/price-cache.js';
import { reportLedgerContract } from './contract/reports.js';
import { scanLedgerContract } from './contract/scan-ledger.js';
import { tokenLedgerContract } from './contract/token-ledger.js';

/**
 * The ledger contract against PostgreSQL: a new schema on the suite's server per case, opened
 * (and migrated) as radar opens a `postgres://` ledger, dropped when the case closes it.
 */
const fresh: LedgerFactory = () => {
  const schema = freshPgSchema();
  let ledger;
  try {
    ledger = openPgLedger(schema.url);
  } catch (error) {
    schema.drop();
    throw error;
  }
  const opened = ledger;
  return {
    ledger: opened,
    close: () => {
      try {
        opened.close();
      } finally {
        schema.drop();
      }
    },
  };
};

tokenLedgerContract(fresh);
priceCacheContract(fresh);
reportLedgerContract(fresh);
scanLedgerContract(fresh);
dispatchLedgerContract(fresh);
outcomeLedgerContract(fresh);
maintenanceContract(fresh);
