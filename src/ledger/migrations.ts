import {
  DROP_EVENT_BUCKET_INDEX,
  EVENTS_COUNTED_ON_INSERT,
  EVENTS_WITHOUT_PATH,
  MACHINES,
  PRICE_CACHE,
  ROLLUP_BATCHES,
  ROLLUP_UNSPLIT,
  RUN_HEADERS,
  RUNS_MIGRATION,
  TOKEN_ROLLUPS,
  TOKEN_SCHEMA,
} from './token-schema.js';
import { GITHUB_SCHEMA, PR_NODE_DIGEST } from './github-schema.js';
import { RULES_MIGRATION, SCAN_JUDGED_AT, VERDICT_FINGERPRINTS } from './rules-schema.js';
import {
  APPROVAL_CLAIMS,
  BATCH_ESCALATION_TIES,
  DISPATCH_MIGRATION,
  ESCALATION_RUN_LOGS,
  LIVE_SESSION_TOKENS,
  SESSION_RESERVATIONS,
  SESSION_WORK,
  ESCALATION_ACCOUNT,
  MODEL_RESOLUTIONS,
  SESSION_LEASES,
  ESCALATIONS_BY_START,
} from './dispatch-schema.js';
import { ESCALATION_OUTCOMES } from './outcome-schema.js';

/**
 * `PRAGMA application_id` of every radar ledger ("RADA"), so radar never mistakes another
 * application's SQLite file for its own. Set with the first migration; ledgers created before it
 * existed are recognised by their schema and stamped.
 */
export const RADAR_APPLICATION_ID = 0x52414441;

/** The table every radar ledger has had since its first migration. */
export const FIRST_TABLE = 'token_sources';

/**
 * Schema migrations in order; index i upgrades user_version i to i+1. Never edit a migration
 * that has shipped: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  TOKEN_SCHEMA,
  GITHUB_SCHEMA,
  TOKEN_ROLLUPS,
  PRICE_CACHE,
  RUNS_MIGRATION,
  RULES_MIGRATION,
  ROLLUP_BATCHES,
  DISPATCH_MIGRATION,
  BATCH_ESCALATION_TIES,
  ROLLUP_UNSPLIT,
  DROP_EVENT_BUCKET_INDEX,
  APPROVAL_CLAIMS,
  RUN_HEADERS,
  SESSION_RESERVATIONS,
  EVENTS_COUNTED_ON_INSERT,
  LIVE_SESSION_TOKENS,
  VERDICT_FINGERPRINTS,
  SESSION_WORK,
  ESCALATION_OUTCOMES,
  ESCALATION_ACCOUNT,
  ESCALATION_RUN_LOGS,
  MODEL_RESOLUTIONS,
  SCAN_JUDGED_AT,
  MACHINES,
  SESSION_LEASES,
  ESCALATIONS_BY_START,
  PR_NODE_DIGEST,
  EVENTS_WITHOUT_PATH,
];
