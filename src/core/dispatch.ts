import type { EscalationOutcome } from './verdict.js';
import type { ActionKind, ActionState } from './actions.js';

/**
 * What dispatching agents and the human gate exchange with the ledger: a session's claim, its
 * reservation and its end, a reaped session, an approval. The escalation itself is in verdict.ts
 * (a PR's history holds its escalations).
 */

/**
 * An escalation recorded as `running`, with the processes that may still work on it, the machine
 * they run on and the lease that machine's radar renews while the agent runs.
 */
export interface RunningSession {
  id: number;
  nodeId: string;
  repo: string;
  number: number;
  runLog: string | null;
  radarPid: number | null;
  agentPgid: number | null;
  /** The machine id of the radar that claimed it (null: recorded before machines were). */
  machine: string | null;
  /** Until when (ms) the session is taken for alive on other machines (null: no lease). */
  leaseUntil: number | null;
}

export interface ClaimRequest {
  nodeId: string;
  repo: string;
  number: number;
  headSha: string | null;
  /** Fingerprint → signal kind; rows missing from signal_candidates are created (manual runs). */
  fingerprints: ReadonlyMap<string, string>;
  agent: string;
  argv: readonly string[];
  now: number;
  /** Sessions allowed at once across every radar process using this ledger. */
  concurrency: number;
  radarPid: number;
  /** The machine this radar runs on, and the session's first lease (renewed while it runs). */
  machine?: string;
  leaseUntil?: number;
  reason: string | null;
  /** Which `running` sessions are still being worked on (dispatch/liveness.ts decides). */
  live: (session: RunningSession) => boolean;
  /** The session's expected cost, reserved against its agent's week when it fits. */
  reservation?: Reservation;
}

/** A reservation asked for with a claim: `fits` decides on what the week has committed. */
export interface Reservation {
  tokens: number;
  /** The quota week: [since, until). */
  since: number;
  until: number;
  /** The account reserved against (undefined: the agent's only one, its whole week). */
  account?: AccountScope;
  fits: (committed: Committed) => boolean;
}

/**
 * One account of an agent that has several: a session's tokens are its recorded account's;
 * tokens read from an account's own folder (its CLAUDE_CONFIG_DIR or CODEX_HOME) are that
 * account's; the rest are the first account's.
 */
export interface AccountScope {
  name: string;
  first: boolean;
  /** The accounts' own folders (every account of the agent's, not only this one's). */
  folders?: readonly AccountFolder[];
}

/** An account's own agent home: events read from a path under `prefix` are its. */
export interface AccountFolder {
  agent: string;
  account: string;
  /** An absolute folder path ending in `/`. */
  prefix: string;
}

/** What an agent's week has committed, read in the claiming transaction. */
export interface Committed {
  /** Counted token events of the agent in the week. */
  counted: number;
  /** Reservations of running sessions, and estimates of ended sessions that reported no usage. */
  reserved: number;
}

/** A reservation asked for again, for the agent a running escalation falls back to. */
export type Rereserved =
  { kind: 'reserved' } | { kind: 'budget'; committed: Committed; tokens: number };

export type ClaimResult =
  | { kind: 'claimed'; escalationId: number; fingerprints: string[] }
  /** Every fingerprint was already acted on. */
  | { kind: 'acted' }
  /** A session for this PR is running now. */
  | { kind: 'busy'; escalationId: number }
  /** `concurrency` sessions are running already. */
  | { kind: 'full'; running: number }
  /** The reservation does not fit in what is left of the agent's week. */
  | { kind: 'budget'; committed: Committed; tokens: number };

export interface Finish {
  endedAt: number;
  exitCode: number | null;
  outcome: Exclude<EscalationOutcome, 'running'>;
  sessionId: string | null;
  tokens: number | null;
  runLog: string | null;
  reason: string | null;
  /** The session reported no usage: its reservation stays as the week's estimate of it. */
  estimated?: boolean;
}

/** A session whose radar died: marked failed, its run log still to be counted. */
export interface Reaped {
  id: number;
  repo: string;
  number: number;
  runLog: string | null;
}

export type ApprovalAction = ActionKind;
export type ApprovalStatus = ActionState;

export interface Approval {
  id: number;
  nodeId: string;
  repo: string;
  number: number;
  action: ApprovalAction;
  body: string | null;
  bodyHash: string;
  reason: string | null;
  fingerprint: string | null;
  createdAt: number;
  status: ApprovalStatus;
  decidedAt: number | null;
  result: string | null;
  /** The process performing it, and since when (status `performing`). */
  claimedBy: number | null;
  claimedAt: number | null;
  /** The escalation whose session produced it (null: queued from a verdict). */
  escalationId: number | null;
  /** What a push sends where, the body an edit replaces (JSON as queued); null for the others. */
  payload: Record<string, unknown> | null;
}
