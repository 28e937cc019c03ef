import { openPgLedger } from '../../src/ledger/pg/pg-ledger.js';
import { freshPgSchema } from '../helpers/pg.js';
import { ledgerContract } from './contract/all.js';
import type { LedgerFactory } from './contract/factory.js';

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

ledgerContract(fresh);
