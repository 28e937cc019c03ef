/**
 * Migration 6: what the rules engine needs to remember, and radar's own actions on PRs.
 * - pr_changes.scan_id may be null: a verdict changed by `radar stop`/`resume`, not by a scan.
 * - New PR fields: base SHA, head commit date, the issues the PR closes, and when comment and
 *   review bodies were last fetched (bodies live inside the comments/reviews JSON).
 * - verdicts: the current verdict per PR (its changes go to pr_changes like any field's).
 * - signal_candidates: one row per PR and fingerprint, however many scans see it (dedupe).
 * - escalations: every agent session radar started, refused or rehearsed for a PR.
 * - pr_controls: `radar stop` / `radar resume` and automatic stop-loss, in order.
 * - permission_boundaries: a write GitHub denied, per repo and action, never retried.
 */
export const RULES_MIGRATION = `
ALTER TABLE prs ADD COLUMN base_sha TEXT;
ALTER TABLE prs ADD COLUMN head_committed_at TEXT;
ALTER TABLE prs ADD COLUMN closing_issues TEXT NOT NULL DEFAULT '[]';
ALTER TABLE prs ADD COLUMN details_at INTEGER;

-- A verdict may change outside a scan (radar stop, radar resume): scan_id becomes optional.
CREATE TABLE pr_changes_new (
  id INTEGER PRIMARY KEY,
  scan_id INTEGER REFERENCES scan_runs(id),
  node_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT
);
INSERT INTO pr_changes_new SELECT id, scan_id, node_id, at, field, old_value, new_value FROM pr_changes;
DROP TABLE pr_changes;
ALTER TABLE pr_changes_new RENAME TO pr_changes;
CREATE INDEX pr_changes_pr ON pr_changes(node_id, at);
CREATE INDEX pr_changes_field ON pr_changes(field, node_id, at);

CREATE TABLE verdicts (
  node_id TEXT PRIMARY KEY,
  scan_id INTEGER,
  evaluated_at INTEGER NOT NULL,
  tier TEXT NOT NULL,
  score REAL NOT NULL,
  route TEXT NOT NULL,
  signals TEXT NOT NULL,
  pending TEXT NOT NULL,
  reasons TEXT NOT NULL,
  suppressed TEXT,
  recommendation TEXT
);
CREATE INDEX verdicts_tier ON verdicts(tier, score);

CREATE TABLE signal_candidates (
  node_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  seen_count INTEGER NOT NULL DEFAULT 1,
  cleared_at INTEGER,
  acted_at INTEGER,
  escalation_id INTEGER,
  suppressed TEXT,
  PRIMARY KEY (node_id, fingerprint)
) WITHOUT ROWID;
CREATE INDEX signal_candidates_kind ON signal_candidates(kind);

CREATE TABLE escalations (
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL,
  repo TEXT NOT NULL,
  number INTEGER NOT NULL,
  fingerprints TEXT NOT NULL DEFAULT '[]',
  agent TEXT NOT NULL,
  argv TEXT NOT NULL DEFAULT '[]',
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  exit_code INTEGER,
  outcome TEXT NOT NULL,
  session_id TEXT,
  tokens INTEGER,
  run_log TEXT,
  head_sha TEXT,
  reason TEXT
);
CREATE INDEX escalations_pr ON escalations(node_id, started_at);

CREATE TABLE pr_controls (
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('stop', 'resume')),
  by TEXT NOT NULL CHECK (by IN ('user', 'stop-loss')),
  reason TEXT
);
CREATE INDEX pr_controls_pr ON pr_controls(node_id, at);

CREATE TABLE permission_boundaries (
  repo TEXT NOT NULL,
  action TEXT NOT NULL,
  denied_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  message TEXT,
  PRIMARY KEY (repo, action)
) WITHOUT ROWID;
`;

/**
 * The fingerprints of a verdict's signals beside the signals themselves (a JSON list of strings),
 * filled in for the verdicts already recorded: what the next judgement compares (its trail) is
 * read without parsing every signal's evidence.
 */
export const VERDICT_FINGERPRINTS = `
ALTER TABLE verdicts ADD COLUMN fingerprints TEXT NOT NULL DEFAULT '[]';
UPDATE verdicts SET fingerprints = (
  SELECT json_group_array(json_extract(value, '$.fingerprint')) FROM json_each(verdicts.signals)
);
`;

/**
 * When a scan judged the queue (null: a scan before this migration). Every scan judges every PR
 * it knows, so a verdict row is rewritten only when the verdict changes: the scan and time of its
 * latest judgement are the latest judging scan's, when that is newer than the row's own.
 */
export const SCAN_JUDGED_AT = `
ALTER TABLE scan_runs ADD COLUMN judged_at INTEGER;
`;
