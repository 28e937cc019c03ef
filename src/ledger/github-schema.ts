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

-- The current state of every PR radar has seen: one row per PR, updated only when it changes.
CREATE TABLE prs (
  node_id TEXT PRIMARY KEY,
  repo TEXT NOT NULL,
  number INTEGER NOT NULL,
  author TEXT NOT NULL,
  title TEXT NOT NULL,
  url TEXT NOT NULL,
  state TEXT NOT NULL,
  draft INTEGER NOT NULL,
  watched INTEGER NOT NULL DEFAULT 1,
  head_sha TEXT NOT NULL,
  -- GitHub's answer at the last scan (may be 'unknown' while it computes) and the last known one.
  mergeable TEXT NOT NULL,
  mergeable_known TEXT,
  merge_state TEXT,
  ci TEXT NOT NULL,
  failing_checks TEXT NOT NULL,
  review TEXT NOT NULL,
  reviews TEXT NOT NULL,
  comments TEXT NOT NULL,
  comment_count INTEGER NOT NULL,
  additions INTEGER NOT NULL,
  deletions INTEGER NOT NULL,
  changed_files INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_edited_at TEXT,
  closed_at TEXT,
  merged_at TEXT,
  first_seen_at INTEGER NOT NULL,
  last_changed_at INTEGER NOT NULL,
  UNIQUE (repo, number)
);
CREATE INDEX prs_state ON prs(state, watched);

-- History: one row per field that changed, never a copy of an unchanged PR.
CREATE TABLE pr_changes (
  id INTEGER PRIMARY KEY,
  scan_id INTEGER NOT NULL REFERENCES scan_runs(id),
  node_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT
);
CREATE INDEX pr_changes_pr ON pr_changes(node_id, at);
`;

/**
 * The digest of the GitHub node each PR's row was read from (migration 27): a scan that gets the
 * same node again reuses the row instead of checking and normalising the node again. NULL (every
 * row written before, and a PR recorded closed without a node) makes the next scan read the node
 * in full. A later migration that rewrites stored PRs must set it back to NULL.
 */
export const PR_NODE_DIGEST = `ALTER TABLE prs ADD COLUMN node_digest TEXT;`;
