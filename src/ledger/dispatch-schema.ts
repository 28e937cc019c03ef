import { eventPath } from './token-schema.js';

/**
 * Migration 7: what dispatching agents needs beyond migration 6's escalations table.
 * - escalations gain the radar process that runs the session (pid, and the agent's process
 *   group), so a `running` row left by a killed radar can be told from a live one.
 * - escalation_runs: the agent run keys (`codex:<thread>`, `claude:<session>`) each escalation
 *   produced. A trigger ties every token event of such a run to its escalation and PR when it is
 *   inserted, so the agent's own rollout or transcript, ingested later from the default folders,
 *   is reported under the same PR as the launcher's markers it replaces.
 * - approvals: risky actions (a templated comment, closing a PR) queued for a human.
 * - posted_comments: normalised hashes of comment bodies radar posted, per PR (never twice).
 */
/**
 * The approvals table as migration 7 created it, as migration 12 rebuilds it (the claim), and as
 * migration 15 rebuilds it (pushes and description edits).
 */
function approvalsTable(
  name: string,
  statuses: string,
  claim = '',
  actions = `'comment', 'close'`,
): string {
  return `CREATE TABLE ${name} (
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL,
  repo TEXT NOT NULL,
  number INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN (${actions})),
  body TEXT,
  body_hash TEXT NOT NULL DEFAULT '',
  reason TEXT,
  fingerprint TEXT,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN (${statuses})),
  decided_at INTEGER,
  result TEXT${claim}
);`;
}

export const DISPATCH_MIGRATION = `
ALTER TABLE escalations ADD COLUMN radar_pid INTEGER;
ALTER TABLE escalations ADD COLUMN agent_pgid INTEGER;
CREATE INDEX escalations_outcome ON escalations(outcome) WHERE outcome = 'running';

CREATE TABLE escalation_runs (
  run_key TEXT PRIMARY KEY,
  escalation_id INTEGER NOT NULL,
  repo TEXT NOT NULL,
  number INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER token_events_escalation AFTER INSERT ON token_events
WHEN NEW.run_key IS NOT NULL AND NEW.escalation_id IS NULL
  AND EXISTS (SELECT 1 FROM escalation_runs WHERE run_key = NEW.run_key)
BEGIN
  UPDATE token_events SET
    escalation_id = (SELECT escalation_id FROM escalation_runs WHERE run_key = NEW.run_key),
    repo = (SELECT repo FROM escalation_runs WHERE run_key = NEW.run_key),
    pr = (SELECT number FROM escalation_runs WHERE run_key = NEW.run_key)
  WHERE id = NEW.id;
END;

${approvalsTable('approvals', `'pending', 'done', 'rejected', 'failed', 'denied', 'duplicate'`)}
CREATE UNIQUE INDEX approvals_once ON approvals(node_id, action, body_hash) WHERE status = 'pending';

CREATE TABLE posted_comments (
  node_id TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  approval_id INTEGER,
  PRIMARY KEY (node_id, body_hash)
) WITHOUT ROWID;
`;

/**
 * Migration 9: events are tied to their escalation per batch, not per row. migration 7's
 * AFTER INSERT trigger ran a sub-program for every event inserted, even when its WHEN clause was
 * false: it doubled the cost of an insert (about 10 µs of 20 per event). The inserting
 * transaction now ties the batch's pending events (counted = 2) with TIE_PENDING_EVENTS before
 * they are settled, so the same events end up tied, in the same transaction.
 */
export const BATCH_ESCALATION_TIES = `
DROP TRIGGER token_events_escalation;
`;

/**
 * Ties the events inserted in this transaction (rowids from the parameter on, not yet in the
 * roll-ups) whose run an escalation produced: each new event probes escalation_runs by its key,
 * so the cost follows the batch, not the ledger.
 * Events already tied by their run log (TIE_PENDING_LOG_EVENTS, run first) keep it.
 */
export const TIE_PENDING_EVENTS = `
UPDATE token_events SET escalation_id = r.escalation_id, repo = r.repo, pr = r.number
FROM escalation_runs AS r
WHERE token_events.id >= ? AND token_events.run_key = r.run_key
  AND token_events.run_key IS NOT NULL AND token_events.escalation_id IS NULL`;

/**
 * Migration 12: an approval is claimed before its write (`performing`, with the claiming process
 * and time), in the same statement that checks it is pending, so two `radar approve` of one id
 * never both write. SQLite cannot alter a CHECK constraint: the table is rebuilt, its rows kept.
 * A performing approval holds its place in the queue like a pending one.
 */
export const APPROVAL_CLAIMS = `
${approvalsTable(
  'approvals_claimed',
  `'pending', 'performing', 'done', 'rejected', 'failed', 'denied', 'duplicate'`,
  `,
  claimed_by INTEGER,
  claimed_at INTEGER`,
)}
INSERT INTO approvals_claimed (id, node_id, repo, number, action, body, body_hash, reason, fingerprint,
  created_at, status, decided_at, result)
SELECT id, node_id, repo, number, action, body, body_hash, reason, fingerprint, created_at, status,
  decided_at, result FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_claimed RENAME TO approvals;
CREATE UNIQUE INDEX approvals_once ON approvals(node_id, action, body_hash)
  WHERE status IN ('pending', 'performing');
`;

/**
 * Migration 14: session reservations. Before a session starts, its expected cost is reserved
 * against its agent's weekly quota in the transaction that claims it (`reserved`); a `running`
 * row's reservation counts until the session ends and its measured tokens replace it. A session
 * that reported no usage keeps its reservation as an estimate (`tokens_estimated`; tokens stay
 * unknown, so reports never mix an estimate into measured tokens).
 */
export const SESSION_RESERVATIONS = `
ALTER TABLE escalations ADD COLUMN reserved INTEGER;
ALTER TABLE escalations ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX escalations_agent_started ON escalations(agent, started_at);
`;

/**
 * Migration 16: a running session's tokens so far (`live_tokens`), from the markers its output
 * printed, recorded once they pass its reservation. Until the session ends, the week counts the
 * larger of the two for it, so a session already spending beyond its reservation narrows what
 * later claims find left.
 */
export const LIVE_SESSION_TOKENS = `
ALTER TABLE escalations ADD COLUMN live_tokens INTEGER;
`;

/**
 * Migration 18: a session's work reaches the PR.
 * - prs gain where a fix goes: the head branch, the head repository (owner/name; null when the
 *   fork is gone), whether it is a fork, whether maintainers may push to it, and the base branch.
 * - escalations gain `work`: what the session left behind (commits ahead of the head it started
 *   from, diffstat, the agent's final message, the guards that applied), as JSON.
 * - approvals are rebuilt (SQLite cannot alter a CHECK): two more actions, `push` and
 *   `edit_body`; one more status, `refused` (nothing written: a push whose branch moved); the
 *   escalation an action came from; and its payload (JSON: what a push sends where, the body an
 *   edit replaces).
 */
export const SESSION_WORK = `
ALTER TABLE prs ADD COLUMN head_ref TEXT;
ALTER TABLE prs ADD COLUMN head_repo TEXT;
ALTER TABLE prs ADD COLUMN head_fork INTEGER;
ALTER TABLE prs ADD COLUMN maintainer_can_modify INTEGER;
ALTER TABLE prs ADD COLUMN base_ref TEXT;
ALTER TABLE escalations ADD COLUMN work TEXT;
${approvalsTable(
  'approvals_work',
  `'pending', 'performing', 'done', 'rejected', 'failed', 'denied', 'duplicate', 'refused'`,
  `,
  claimed_by INTEGER,
  claimed_at INTEGER,
  escalation_id INTEGER,
  payload TEXT`,
  `'comment', 'close', 'push', 'edit_body'`,
)}
INSERT INTO approvals_work (id, node_id, repo, number, action, body, body_hash, reason, fingerprint,
  created_at, status, decided_at, result, claimed_by, claimed_at)
SELECT id, node_id, repo, number, action, body, body_hash, reason, fingerprint, created_at, status,
  decided_at, result, claimed_by, claimed_at FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_work RENAME TO approvals;
CREATE UNIQUE INDEX approvals_once ON approvals(node_id, action, body_hash)
  WHERE status IN ('pending', 'performing');
CREATE INDEX approvals_escalation ON approvals(escalation_id) WHERE escalation_id IS NOT NULL;
`;

/**
 * Migration 20: the account (an entry of `budget.providers`) a session ran under, so its tokens
 * land in that account's week (null: before accounts, or an agent with none configured).
 */
export const ESCALATION_ACCOUNT = `
ALTER TABLE escalations ADD COLUMN account TEXT;
`;

/**
 * Rows of one account (parameters: is-first, name) over `escalations e`: its sessions', and for
 * the first account of its agent those of no recorded account.
 */
export const OF_ACCOUNT = `(CASE WHEN e.account IS NULL THEN ? = 1 ELSE e.account = ? END)`;

/**
 * The account of a token event `t` (its escalation `e` joined): the session's recorded account,
 * else the account whose own folder holds the event's file (its source's path; the longest matching prefix of the
 * parameter, a JSON array of `[prefix, account, agent]`), else NULL (the agent's first account).
 */
export const EVENT_ACCOUNT = `coalesce(e.account, ${folderAccount(eventPath('t'), 't.agent')})`;

/** The account whose folder (parameter: folders JSON) holds `path`, of the agent `agent`. */
function folderAccount(path: string, agent: string): string {
  return `(SELECT f.value ->> 1 FROM json_each(?) f
  WHERE f.value ->> 2 = ${agent} AND substr(${path}, 1, length(f.value ->> 0)) = f.value ->> 0
  ORDER BY length(f.value ->> 0) DESC LIMIT 1)`;
}

/**
 * Rate-limit samples `t` of one account (the parameters of EVENT_OF_ACCOUNT): those read from its
 * folder, and for the first account those read from no account's folder.
 */
export const SAMPLE_OF_ACCOUNT = `(coalesce(${folderAccount('t.source_path', 't.provider')}, CASE WHEN ? = 1 THEN ? END) = ?)`;

/**
 * Token events `t` of one account (parameters: folders JSON, is-first, name, name): those whose
 * EVENT_ACCOUNT is its, and for the first account those of none.
 */
export const EVENT_OF_ACCOUNT = `(coalesce(${EVENT_ACCOUNT}, CASE WHEN ? = 1 THEN ? END) = ?)`;

/** The parameters of EVENT_OF_ACCOUNT for a scope. */
export function eventScopeParams(account: {
  name: string;
  first: boolean;
  folders?: readonly { prefix: string; account: string; agent: string }[];
}): [string, number, string, string] {
  return [foldersJson(account.folders), account.first ? 1 : 0, account.name, account.name];
}

/** Account folders as EVENT_ACCOUNT's parameter. */
export function foldersJson(
  folders: readonly { prefix: string; account: string; agent: string }[] | undefined,
): string {
  return JSON.stringify((folders ?? []).map((f) => [f.prefix, f.account, f.agent]));
}

/**
 * Migration 22: `radar resume --model <agent>` is recorded, so a hold for a run on a model
 * outside the allowlist stays resolved across processes: runs before `at` no longer hold the
 * agent back.
 */
export const MODEL_RESOLUTIONS = `
CREATE TABLE model_resolutions (
  id INTEGER PRIMARY KEY,
  agent TEXT NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT
);
CREATE INDEX model_resolutions_agent ON model_resolutions(agent, at);
`;

/**
 * Migration 21: a session's run log is tied to its escalation by the ingest that reads it. The
 * escalation row names its run log before the agent starts (`started`); the inserting
 * transaction ties the batch's new events read from that path (TIE_PENDING_LOG_EVENTS), as it
 * ties events of an escalation's runs (TIE_PENDING_EVENTS). The index finds the escalation of a
 * path.
 */
export const ESCALATION_RUN_LOGS = `
CREATE INDEX escalations_run_log ON escalations(run_log) WHERE run_log IS NOT NULL;
`;

/**
 * Ties the events inserted in this transaction (rowids from the parameter on) that were read
 * from an escalation's run log (their source's path is the log's) to that escalation (the
 * newest, should two name the same path). The run logs' sources are listed once per statement;
 * only the events read from one look their escalation up.
 */
export const TIE_PENDING_LOG_EVENTS = `
UPDATE token_events SET (escalation_id, repo, pr) = (
  SELECT e.id, e.repo, e.number FROM escalations e JOIN token_sources s ON s.path = e.run_log
  WHERE s.id = token_events.source_id ORDER BY e.id DESC LIMIT 1)
WHERE token_events.id >= ?
  AND source_id IN (SELECT s.id FROM escalations e JOIN token_sources s ON s.path = e.run_log)`;

/**
 * Migration 23: session leases. A `running` escalation records the machine id of the radar that
 * runs it and `lease_until` (ms), which that radar renews while the agent runs. On one machine
 * the session's processes still decide whether it is alive; a radar on another machine sharing
 * the ledger takes it for dead once its lease has expired (dispatch/liveness.ts).
 */
export const SESSION_LEASES = `
ALTER TABLE escalations ADD COLUMN machine TEXT;
ALTER TABLE escalations ADD COLUMN lease_until INTEGER;
`;

/**
 * `radar escalations` lists the newest sessions first, and outcomes are judged from a start time
 * on: both read escalations in the order of their start, which this index gives without sorting
 * the whole table.
 */
export const ESCALATIONS_BY_START = `
CREATE INDEX IF NOT EXISTS escalations_started ON escalations(started_at, id);
`;
