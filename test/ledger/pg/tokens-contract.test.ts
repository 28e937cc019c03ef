import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import { freshPgSchema } from '../../helpers/pg.js';
import type { LedgerFactory } from '../contract/factory.js';
import { priceCacheContract } from '../contract/price-cache.js';
import { reportLedgerContract } from '../contract/reports.js';
import { tokenLedgerContract } from '../contract/token-ledger.js';

/** The token families' contract against PostgreSQL: a fresh schema per case, dropped after. */
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

tokenLedgerContract(fresh);
priceCacheContract(fresh);
reportLedgerContract(fresh);
