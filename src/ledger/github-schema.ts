/** Tables for the PR queue (migration 2). */
export const GITHUB_SCHEMA = `
CREATE TABLE scan_runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL DEFAULT 'running',
  requests INTEGER NOT NULL DEFAULT 0,
  points INTEGER NOT NULL DEFAULT 0,
  remaining INTEGER,
  reset_at INTEGER,
  prs_seen INTEGER NOT NULL DEFAULT 0,
  changes INTEGER NOT NULL DEFAULT 0,
  errors TEXT
);
`;
