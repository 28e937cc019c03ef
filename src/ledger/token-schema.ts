/** Tables for token accounting (migration 1). */
export const TOKEN_SCHEMA = `
-- One row per file lineage: a log file followed across appends, renames and rotation.
CREATE TABLE token_sources (
  id INTEGER PRIMARY KEY,
  -- Positional fingerprints are scoped to a lineage; a rotated copy joins its original's lineage.
  lineage TEXT NOT NULL,
  path TEXT NOT NULL,
  dev INTEGER,
  ino INTEGER,
  head_hash TEXT NOT NULL,
  head_len INTEGER NOT NULL,
  size INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  tail_hash TEXT,
  encoding TEXT NOT NULL DEFAULT 'plain',
  family TEXT,
  -- Parser state (JSON) at offset, so a resumed read continues exactly where the last one stopped.
  state TEXT,
  mtime_ms INTEGER,
  first_seen INTEGER NOT NULL,
  last_ingested INTEGER NOT NULL
);
CREATE INDEX token_sources_ino ON token_sources(dev, ino);
CREATE INDEX token_sources_path ON token_sources(path);

-- One row per token marker. fingerprint identifies the marker across files (dedupe).
CREATE TABLE token_events (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  at_source TEXT NOT NULL,
  agent TEXT NOT NULL,
  model TEXT,
  bucket TEXT NOT NULL,
  format TEXT NOT NULL,
  input INTEGER,
  cached_input INTEGER,
  cache_creation INTEGER,
  output INTEGER,
  reasoning INTEGER,
  total INTEGER NOT NULL,
  source_id INTEGER REFERENCES token_sources(id),
  source_path TEXT NOT NULL,
  source_offset INTEGER,
  session_id TEXT,
  repo TEXT,
  pr INTEGER,
  escalation_id INTEGER
);
CREATE INDEX token_events_at ON token_events(at, total);
CREATE INDEX token_events_bucket ON token_events(bucket, total);

-- Quota windows reported by the agents themselves (Codex rollout rate_limits).
CREATE TABLE rate_limit_samples (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  window_minutes INTEGER NOT NULL,
  used_percent REAL NOT NULL,
  resets_at INTEGER,
  at INTEGER NOT NULL,
  source_path TEXT NOT NULL,
  UNIQUE (provider, window_minutes, at, resets_at)
);

CREATE TABLE ingest_runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  files_read INTEGER NOT NULL DEFAULT 0,
  new_events INTEGER NOT NULL DEFAULT 0,
  new_tokens INTEGER NOT NULL DEFAULT 0,
  lines_skipped INTEGER NOT NULL DEFAULT 0,
  summary TEXT
);
`;
