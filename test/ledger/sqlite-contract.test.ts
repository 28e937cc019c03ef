import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../../src/ledger/open.js';
import { sqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { ledgerContract } from './contract/all.js';
import type { LedgerFactory } from './contract/factory.js';

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

ledgerContract(fresh);
