import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import { dispatchLedgerContract } from '../contract/dispatch-ledger.js';
import type { LedgerFactory } from '../contract/factory.js';
import { freshPgSchema } from '../../helpers/pg.js';

/** The dispatch contract against PostgreSQL: a new schema per case, opened as radar opens it. */
const fresh: LedgerFactory = () => {
  const schema = freshPgSchema();
  const ledger = openPgLedger(schema.url);
  return {
    ledger,
    close: () => {
      ledger.close();
      schema.drop();
    },
  };
};

dispatchLedgerContract(fresh);
