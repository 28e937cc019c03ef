import { PG_DISPATCH_SCHEMA, PG_LEDGER_LOCKS } from './dispatch-schema.js';
import { PG_PR_NODE_DIGEST, PG_QUEUE_SCHEMA } from './queue-schema.js';
import { PG_EVENTS_WITHOUT_PATH, PG_INGEST_COSTS, PG_TOKEN_SCHEMA } from './token-schema.js';

/**
 * The PostgreSQL ledger's schema migrations, in order: index i upgrades version i to i+1 (the
 * version is kept in `radar_schema`). They mirror the SQLite ledger's tables as they stand (not
 * its history of migrations); never edit one that has shipped: append a new one.
 */
export const PG_MIGRATIONS: readonly string[] = [
  PG_TOKEN_SCHEMA,
  PG_QUEUE_SCHEMA,
  PG_DISPATCH_SCHEMA,
  PG_INGEST_COSTS,
  PG_LEDGER_LOCKS,
  PG_PR_NODE_DIGEST,
  PG_EVENTS_WITHOUT_PATH,
];
