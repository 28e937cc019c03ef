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
CREATE INDEX token_sources_head ON token_sources(head_len, head_hash);

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

/**
 * Roll-ups kept by triggers in the same transaction as the events, so reports read thousands of
 * rows instead of millions: token_rollup_time per 15-minute slot (every zone's offset is a
 * multiple of 15 minutes, so a slot never straddles a local day), token_rollup_bucket per bucket.
 * Model NULL is stored as '' (a key column).
 */
export const TOKEN_ROLLUPS = `
${rollupTable('token_rollup_time', 'slot INTEGER')}
${rollupTable('token_rollup_bucket', 'bucket TEXT')}
${rollupTriggers()}
`;

/** A roll-up table: its own first key column, then agent and model, then the summed columns. */
function rollupTable(name: string, firstKey: string): string {
  const key = firstKey.split(' ')[0];
  return `
CREATE TABLE ${name} (
  ${firstKey} NOT NULL,
  agent TEXT NOT NULL,
  model TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  events INTEGER NOT NULL,
  input INTEGER NOT NULL,
  cached INTEGER NOT NULL,
  cache_creation INTEGER NOT NULL,
  output INTEGER NOT NULL,
  PRIMARY KEY (${key}, agent, model)
) WITHOUT ROWID;`;
}

/** The roll-up upserts that add (or, with '-', remove) one event row. */
function rollupAdd(row: 'NEW' | 'OLD', sign: '+' | '-'): string {
  const values = `${sign}${row}.total, ${sign}1, ${sign}coalesce(${row}.input, 0), ${sign}coalesce(${row}.cached_input, 0),
        ${sign}coalesce(${row}.cache_creation, 0), ${sign}coalesce(${row}.output, 0)`;
  const update = `tokens = tokens + excluded.tokens, events = events + excluded.events,
        input = input + excluded.input, cached = cached + excluded.cached,
        cache_creation = cache_creation + excluded.cache_creation, output = output + excluded.output`;
  return `
    INSERT INTO token_rollup_time VALUES (${row}.at / 900000, ${row}.agent, coalesce(${row}.model, ''), ${values})
      ON CONFLICT (slot, agent, model) DO UPDATE SET ${update};
    INSERT INTO token_rollup_bucket VALUES (${row}.bucket, ${row}.agent, coalesce(${row}.model, ''), ${values})
      ON CONFLICT (bucket, agent, model) DO UPDATE SET ${update};`;
}

function rollupTriggers(): string {
  const add = rollupAdd;
  return `
CREATE TRIGGER token_events_rollup_insert AFTER INSERT ON token_events BEGIN ${add('NEW', '+')}
END;
CREATE TRIGGER token_events_rollup_delete AFTER DELETE ON token_events BEGIN ${add('OLD', '-')}
END;
CREATE TRIGGER token_events_rollup_update AFTER UPDATE ON token_events BEGIN ${add('OLD', '-')} ${add('NEW', '+')}
END;`;
}

/** Per-token rates from the price table, cached so a report need not load the whole table. */
export const PRICE_CACHE = `
CREATE TABLE price_cache (
  model TEXT PRIMARY KEY,
  table_version TEXT NOT NULL,
  input REAL,
  cache_read REAL,
  cache_write REAL,
  output REAL
) WITHOUT ROWID;
`;

/**
 * Runs seen in several sources, and one message id per Claude response (migration 5).
 * - run_key ties the markers of one agent run across files; `counted` says which of them the
 *   totals include (the roll-ups follow it); own_bucket is the bucket the event's own file gives,
 *   bucket the one it is reported under (the launching log's, for a session file's events).
 * - thread_total (JSON) is the thread's total a launcher printed, kept so its increase can be
 *   recomputed when an earlier run of the thread turns up later.
 * - Claude fingerprints lose their request id: a message retried under a new request id is the
 *   same response (the largest line is kept).
 */
export const RUNS_MIGRATION = `
ALTER TABLE token_events ADD COLUMN run_key TEXT;
ALTER TABLE token_events ADD COLUMN thread_total TEXT;
ALTER TABLE token_events ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
ALTER TABLE token_events ADD COLUMN own_bucket TEXT;
UPDATE token_events SET own_bucket = bucket;
CREATE INDEX token_events_run ON token_events(run_key) WHERE run_key IS NOT NULL;

DROP TRIGGER token_events_rollup_insert;
DROP TRIGGER token_events_rollup_delete;
DROP TRIGGER token_events_rollup_update;
${countedRollupTriggers()}

DELETE FROM token_events WHERE id IN (
  SELECT id FROM (
    SELECT id, row_number() OVER (
      PARTITION BY substr(fingerprint, 1, instr(substr(fingerprint, 12), ':') + 10)
      ORDER BY total DESC, id) AS n
    FROM token_events
    WHERE format = 'claude-transcript' AND fingerprint LIKE 'claude-msg:%:%')
  WHERE n > 1);
UPDATE token_events SET fingerprint = substr(fingerprint, 1, instr(substr(fingerprint, 12), ':') + 10)
  WHERE format = 'claude-transcript' AND fingerprint LIKE 'claude-msg:%:%';
`;

function countedRollupTriggers(): string {
  const add = rollupAdd;
  return `
CREATE TRIGGER token_events_rollup_insert AFTER INSERT ON token_events WHEN NEW.counted = 1
BEGIN ${add('NEW', '+')}
END;
CREATE TRIGGER token_events_rollup_delete AFTER DELETE ON token_events WHEN OLD.counted = 1
BEGIN ${add('OLD', '-')}
END;
CREATE TRIGGER token_events_rollup_unadd AFTER UPDATE ON token_events WHEN OLD.counted = 1
BEGIN ${add('OLD', '-')}
END;
CREATE TRIGGER token_events_rollup_readd AFTER UPDATE ON token_events WHEN NEW.counted = 1
BEGIN ${add('NEW', '+')}
END;`;
}

/**
 * The roll-up tables after migration 6: events summed per 15-minute slot, per UTC hour and per
 * UTC day (a report adds whole days and subtracts or adds the hours and slots between each local
 * period boundary and its nearest UTC midnight), and per bucket. Each key is `at` divided by the
 * level's length in ms (SQLite integer division, as the slot's always was).
 */
export const ROLLUP_LEVELS = {
  token_rollup_time: { column: 'slot', of: 'at / 900000' },
  token_rollup_hour: { column: 'hour', of: 'at / 3600000' },
  token_rollup_day: { column: 'day', of: 'at / 86400000' },
  token_rollup_bucket: { column: 'bucket', of: 'bucket' },
} as const;

export type RollupTable = keyof typeof ROLLUP_LEVELS;

const ROLLUP_SUMS = `tokens = tokens + excluded.tokens, events = events + excluded.events,
      input = input + excluded.input, cached = cached + excluded.cached,
      cache_creation = cache_creation + excluded.cache_creation, output = output + excluded.output`;

/**
 * The tokens of an event whose split is unknown (a text marker gives only a total): such an event
 * cannot be priced. Every event has a total; one with any part of a split is priced from it.
 */
const unsplit = (row: string) =>
  `CASE WHEN coalesce(${row}input, 0) + coalesce(${row}cached_input, 0) + coalesce(${row}cache_creation, 0) + coalesce(${row}output, 0) = 0 THEN ${row}total ELSE 0 END`;

const ROLLUP_SUMS_UNSPLIT = `${ROLLUP_SUMS}, unsplit = unsplit + excluded.unsplit`;

/**
 * The upserts that add (or, with '-', remove) one event row in every roll-up table; with
 * `withUnsplit`, the unsplit column too (migration 10 on).
 */
function rollupAddAll(row: 'NEW' | 'OLD', sign: '+' | '-', withUnsplit = false): string {
  const values = `${sign}${row}.total, ${sign}1, ${sign}coalesce(${row}.input, 0), ${sign}coalesce(${row}.cached_input, 0),
        ${sign}coalesce(${row}.cache_creation, 0), ${sign}coalesce(${row}.output, 0)${withUnsplit ? `, ${sign}(${unsplit(`${row}.`)})` : ''}`;
  const sums = withUnsplit ? ROLLUP_SUMS_UNSPLIT : ROLLUP_SUMS;
  return Object.entries(ROLLUP_LEVELS)
    .map(
      ([table, { column, of }]) => `
    INSERT INTO ${table} VALUES (${of.replace(/^at\b|^bucket\b/, `${row}.$&`)}, ${row}.agent, coalesce(${row}.model, ''), ${values})
      ON CONFLICT (${column}, agent, model) DO UPDATE SET ${sums};`,
    )
    .join('');
}

/**
 * The triggers that keep the roll-ups when events are deleted or change after their batch
 * (ROLLUP_BATCHES; with `withUnsplit`, the unsplit column too, migration 10 on). Inserts have
 * none: a batch adds its pending events itself (SETTLE_PENDING).
 */
function batchRollupTriggers(withUnsplit = false): string {
  return `CREATE TRIGGER token_events_rollup_delete AFTER DELETE ON token_events WHEN OLD.counted = 1
BEGIN ${rollupAddAll('OLD', '-', withUnsplit)}
END;
CREATE TRIGGER token_events_rollup_unadd AFTER UPDATE ON token_events WHEN OLD.counted = 1
BEGIN ${rollupAddAll('OLD', '-', withUnsplit)}
END;
CREATE TRIGGER token_events_rollup_readd AFTER UPDATE ON token_events
  WHEN NEW.counted = 1 AND OLD.counted IS NOT 2
BEGIN ${rollupAddAll('NEW', '+', withUnsplit)}
END;`;
}

/**
 * Roll-ups kept per batch instead of per row, and per hour and day (migration 6).
 * - A trigger on INSERT costs a sub-program per row even when its WHEN clause is false, several
 *   times the insert itself. Events are inserted with `counted = 2` ("counted, not yet in the
 *   roll-ups"; radar inserts events only through TokenStore); before the inserting transaction
 *   reads a run or commits, it adds them to every roll-up with one grouped statement per table
 *   (now SETTLE_PENDING) and sets them to 1, a change the re-add trigger skips. Deletes and other
 *   updates keep their triggers. Rows at 2 exist only inside an ingest's transaction; the partial
 *   index finds them.
 * - token_rollup_hour and token_rollup_day let a report by day, week or month read a few rows
 *   per period and model instead of 96 slots a day; they are filled from the slots.
 */
export const ROLLUP_BATCHES = `
${rollupTable('token_rollup_hour', 'hour INTEGER')}
${rollupTable('token_rollup_day', 'day INTEGER')}
INSERT INTO token_rollup_hour SELECT slot / 4, agent, model, sum(tokens), sum(events), sum(input),
  sum(cached), sum(cache_creation), sum(output) FROM token_rollup_time GROUP BY 1, 2, 3;
INSERT INTO token_rollup_day SELECT slot / 96, agent, model, sum(tokens), sum(events), sum(input),
  sum(cached), sum(cache_creation), sum(output) FROM token_rollup_time GROUP BY 1, 2, 3;
DROP TRIGGER token_events_rollup_insert;
DROP TRIGGER token_events_rollup_delete;
DROP TRIGGER token_events_rollup_unadd;
DROP TRIGGER token_events_rollup_readd;
${batchRollupTriggers()}
CREATE INDEX token_events_pending ON token_events(id) WHERE counted = 2;
`;

/**
 * Migration 10: every roll-up also sums `unsplit`, the tokens of events whose split is unknown.
 * A report then prices event by event (a priced model's split tokens have a cost, its unsplit
 * tokens are unpriced) instead of group by group, and every sum it needs is linear: a report by
 * day adds and subtracts roll-up rows per period and prices them inside SQLite, one row back per
 * period. Existing roll-ups are filled from the counted events, and the triggers re-created.
 */
export const ROLLUP_UNSPLIT = `
${Object.entries(ROLLUP_LEVELS)
  .map(
    ([table, { column, of }]) => `
ALTER TABLE ${table} ADD COLUMN unsplit INTEGER NOT NULL DEFAULT 0;
UPDATE ${table} SET unsplit = u.tokens
FROM (SELECT ${of} AS k, agent, coalesce(model, '') AS model, sum(total) AS tokens FROM token_events
      WHERE counted = 1 AND ${unsplit('')} > 0 GROUP BY 1, 2, 3) AS u
WHERE ${table}.${column} = u.k AND ${table}.agent = u.agent AND ${table}.model = u.model;`,
  )
  .join('')}
DROP TRIGGER token_events_rollup_delete;
DROP TRIGGER token_events_rollup_unadd;
DROP TRIGGER token_events_rollup_readd;
${batchRollupTriggers(true)}
`;

/**
 * The pending events (counted = 2) of a batch, grouped once by every roll-up's key (slot, hour,
 * day, bucket) with agent and model: each roll-up is then added from these few rows, instead of
 * from every event once per table. The keys are ROLLUP_LEVELS' own expressions, as the triggers
 * compute them. A connection's own temporary table: it never reaches the ledger file.
 */
const LEVEL_COLUMNS = Object.values(ROLLUP_LEVELS).map((l) => l.column);
export const PENDING_GROUPS = `
CREATE TEMP TABLE IF NOT EXISTS pending_groups (
  ${LEVEL_COLUMNS.join(', ')}, agent TEXT NOT NULL, model TEXT NOT NULL,
  tokens INTEGER NOT NULL, events INTEGER NOT NULL, input INTEGER NOT NULL, cached INTEGER NOT NULL,
  cache_creation INTEGER NOT NULL, output INTEGER NOT NULL, unsplit INTEGER NOT NULL)`;

/**
 * Adds the pending events to every roll-up (see EVENTS_COUNTED_ON_INSERT), in order: group them,
 * add the groups to each table, clear the groups. Run inside the inserting transaction; the first
 * statement's parameter is the rowid of the first event not in the roll-ups yet (rowids only
 * grow, so every event from it on is new).
 */
export const SETTLE_PENDING: readonly string[] = [
  `INSERT INTO temp.pending_groups
    SELECT ${Object.values(ROLLUP_LEVELS)
      .map((l) => l.of)
      .join(', ')}, agent, coalesce(model, ''), sum(total), count(*),
      sum(coalesce(input, 0)), sum(coalesce(cached_input, 0)), sum(coalesce(cache_creation, 0)),
      sum(coalesce(output, 0)), sum(${unsplit('')})
    FROM token_events WHERE id >= ? AND counted = 1
    GROUP BY ${LEVEL_COLUMNS.map((_, i) => i + 1).join(', ')}, agent, coalesce(model, '')`,
  ...(Object.keys(ROLLUP_LEVELS) as RollupTable[]).map((table) => {
    const { column } = ROLLUP_LEVELS[table];
    return `INSERT INTO ${table} (${column}, agent, model, tokens, events, input, cached, cache_creation, output, unsplit)
      SELECT ${column}, agent, model, sum(tokens), sum(events), sum(input), sum(cached),
        sum(cache_creation), sum(output), sum(unsplit)
      FROM temp.pending_groups GROUP BY 1, 2, 3
      ON CONFLICT (${column}, agent, model) DO UPDATE SET ${ROLLUP_SUMS_UNSPLIT}`;
  }),
  `DELETE FROM temp.pending_groups`,
];

/**
 * Migration 11: token_events_bucket goes. Reports by bucket read token_rollup_bucket, and with a
 * time range the events by their time index; nothing looks events up by bucket, and every
 * ingested event paid for keeping that index.
 */
export const DROP_EVENT_BUCKET_INDEX = `
DROP INDEX token_events_bucket;
`;

/**
 * Migration 13: run_header keeps how a Codex run started (version, cwd, model, time; JSON) on the
 * markers of a log that names no session (Codex 0.36) and on a rollout's first event, so the
 * ingest can tie such a log to its rollout and count the run once.
 */
export const RUN_HEADERS = `
ALTER TABLE token_events ADD COLUMN run_header TEXT;
CREATE INDEX token_events_run_header ON token_events(format, run_header) WHERE run_header IS NOT NULL;
`;

/**
 * Migration 15: events are inserted counted (1), not pending (2) and then updated to 1 once the
 * batch's roll-ups hold them: that UPDATE rewrote every new row, and the partial index of pending
 * rows was written twice per row. A batch now remembers the rowid of its first new event (rowids
 * only grow) and adds every event from it on to the roll-ups (SETTLE_PENDING) before it reads a
 * run, changes or deletes an event, or commits. The triggers are unchanged: an update of an event
 * not yet in the roll-ups never happens, because every update and delete settles first.
 */
export const EVENTS_COUNTED_ON_INSERT = `
DROP INDEX token_events_pending;
`;

/**
 * Migration 22: machines. Each token source belongs to the machine that read it (the same path
 * on two machines is two sources; a machine id is created once per machine, config/machine.ts),
 * and `radar report tokens --by machine` names each by the name it last reported. Sources
 * recorded before become the first ingesting machine's (registerMachine).
 */
export const MACHINES = `
CREATE TABLE machines (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE token_sources ADD COLUMN machine TEXT;
`;

/**
 * Migration 28: an event no longer repeats its file's path (`source_path`, about a third of a
 * row): the file an event was read from is its source's (`token_sources.path` through
 * `source_id`, which every event has always had). Reports by file, the account folders and a
 * session's run log read the path there: the file as it is now named, where the column kept the
 * name it had when the event was read (a log rotated since then now reports under its new name).
 * `own_bucket` is left NULL on new rows while it equals `bucket` (readers already take
 * `coalesce(own_bucket, bucket)`; a decision that moves an event's bucket keeps the old one).
 * The run-header index keys on `(format, run_key)` instead of the whole JSON header (about 200
 * bytes): its queries look rows up by format and whether they are tied, then read the header.
 */
export const EVENTS_WITHOUT_PATH = `
ALTER TABLE token_events DROP COLUMN source_path;
DROP INDEX token_events_run_header;
CREATE INDEX token_events_run_header ON token_events(format, run_key) WHERE run_header IS NOT NULL;
`;

/** The path of the file event `row` was read from (its source's), as a scalar subquery. */
export const eventPath = (row: string) =>
  `(SELECT s.path FROM token_sources s WHERE s.id = ${row}.source_id)`;

/** A condition on token_events: read from the file at the path in `param` (one of its sources). */
export const eventsOfPath = (param: string) =>
  `source_id IN (SELECT id FROM token_sources WHERE path = ${param})`;
