import { PRICE_CACHE, RUNS_MIGRATION, TOKEN_ROLLUPS, TOKEN_SCHEMA } from './token-schema.js';
import { GITHUB_SCHEMA } from './github-schema.js';

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
];
