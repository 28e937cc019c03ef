import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../src/ledger/open.js';
import { sqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { dispatchLedgerContract } from './contract/dispatch-ledger.js';
import type { LedgerFactory } from './contract/factory.js';
import { maintenanceContract } from './contract/maintenance.js';
import { outcomeLedgerContract } from './contract/outcome-ledger.js';
import { priceCacheContract } from './contract/price-cache.js';
import { reportLedgerContract } from './contract/reports.js';
import { scanLedgerContract } from './contract/scan-ledger.js';
import { tokenLedgerContract } from './contract/token-ledger.js';

/** The ledger contract against SQLite: a new ledger file per case, opened as radar opens it. */
const fresh: LedgerFactory = () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-contract-'));
  const db = openLedger(join(dir, 'ledgers', 'radar.db'));
  return {
    ledger: sqliteLedger(db),
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
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
