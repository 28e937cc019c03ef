import type { AgentName } from '../core/agents.js';
import type {
  CandidateRecord,
  ControlRecord,
  PermissionBoundary,
  JudgedHistory,
  PrHistory,
} from '../core/history.js';
import type { FieldChange, StoredPr } from '../core/pr.js';
import type { ActionRecord, SessionWork } from '../core/actions.js';
import type { OutcomeRow, OutcomeWrite } from '../core/outcome.js';
import type { Machine } from '../core/machine.js';
import type {
  KnownSource,
  RateLimitSample,
  RunDecision,
  RunEvent,
  SourceStat,
  TokenEvent,
} from '../core/tokens.js';
import type {
  AccountFolder,
  AccountScope,
  Approval,
  ApprovalStatus,
  ClaimRequest,
  ClaimResult,
  Committed,
  Finish,
  Reaped,
  Rereserved,
  Reservation,
  RunningSession,
} from '../core/dispatch.js';
import type {
  AggregateRow,
  ColumnDimension,
  Group,
  Period,
  Range,
  Rates,
} from '../core/token-report.js';
import type { Escalation, Verdict, VerdictRecord, VerdictTrail } from '../core/verdict.js';

export type { AccountScope } from '../core/dispatch.js';

/**
 * The ledger as the rest of radar sees it: one small interface per family of tables. Stores
 * persist and query; every decision (which line of a response wins, how a run is counted, which
 * candidates cleared) is made by the caller, in its feature folder, with plain data in and out.
 * SQLite implements them (the stores beside this file), and so does PostgreSQL (pg/); both pass
 * the same contract suite (test/ledger/contract/).
 *
 * Synchronous or not: the families read once per command (budget usage, the price cache) return
 * promises, which costs SQLite nothing and lets a networked engine answer in its own time. The
 * families on the hot paths (ingest writes a million events in a few transactions, a scan writes
 * every PR of the queue) stay synchronous inside a `transaction(fn)`: awaiting each statement
 * would cost more than the statement itself on SQLite. PostgreSQL implements them with a
 * synchronous client (pg/sync-client.ts), and the hot paths call the batched methods below
 * (docs/one-way-house.md).
 */

/**
 * A token source as it is written: what identifies the file and where its reading stopped (a
 * KnownSource read back), with the time it was read.
 */
export interface NewSource extends Omit<
  KnownSource,
  'id' | 'dev' | 'ino' | 'family' | 'mtimeMs' | 'machine'
> {
  /** The machine that read it (a machine id): the same path on two machines is two sources. */
  machine: string;
  dev: number;
  ino: number;
  family: string | undefined;
  mtimeMs: number;
  now: number;
}

/** Where an event is recorded: its bucket and the source it was read from (the file's path is the source's). */
export interface EventPlace {
  bucket: string;
  sourceId: number;
}

/** A file whose lineage is looked up: its identity, path and first bytes (raw, decoded). */
export interface SourceProbe {
  path: string;
  dev: number;
  ino: number;
  heads: readonly Buffer[];
}

/** What the ledger keeps of a recorded event, for the largest line of a response to win. */
export interface RecordedEvent {
  total: number;
  model: string | undefined;
}

/** What an ingest run did, kept for `radar doctor`. */
export interface IngestRunRecord {
  filesRead: number;
  newEvents: number;
  newTokens: number;
  linesSkipped: number;
}

/** Token sources, events, runs and rate-limit samples: the ingest's side of the ledger. */
export interface TokenLedger {
  /**
   * Runs `fn` as one unit of work: everything it writes commits together, with the roll-ups,
   * or not at all.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Records the machine that ingests (its id and its current name). Sources recorded before
   * machines were known become this machine's.
   */
  registerMachine(machine: Machine, now: number): void;
  /** This machine's source with this file's identity or path that was read last, if any. */
  firstCandidate(path: string, dev: number, ino: number, machine: string): SourceStat | undefined;
  /** firstCandidate of each of these files (in one read of the sources, when there are many). */
  firstCandidates(
    files: readonly { path: string; dev: number; ino: number }[],
    machine: string,
  ): (SourceStat | undefined)[];
  /**
   * Every source that may be this file's lineage: this machine's with the same identity or path,
   * newest first, then those of any machine whose recorded first bytes hash (with `hash`) like
   * the start of one of `heads` (a file synced from another machine continues its lineage).
   */
  knownSources(
    path: string,
    dev: number,
    ino: number,
    heads: readonly Buffer[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[];
  /** knownSources of each file, in order (one query where the engine has round trips). */
  knownSourcesOf(
    files: readonly SourceProbe[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[][];
  insertSource(source: NewSource): number;
  /** insertSource of each, in order (one statement where the engine has round trips): their ids. */
  insertSources(sources: readonly NewSource[]): number[];
  updateSource(id: number, source: NewSource): void;
  /** Inserts an event unless its fingerprint is recorded: whether it was inserted. */
  insertEvent(event: TokenEvent, where: EventPlace): boolean;
  /**
   * insertEvent of each row, in order (a fingerprint twice: the first is inserted), as one
   * statement where the engine has a round trip per statement.
   */
  insertEvents(rows: readonly { event: TokenEvent; where: EventPlace }[]): boolean[];
  /** The recorded total and model of the event with this fingerprint. */
  recordedEvent(fingerprint: string): RecordedEvent | undefined;
  /** recordedEvent of each of these fingerprints (those recorded only), in one read. */
  recordedEvents(fingerprints: readonly string[]): Map<string, RecordedEvent>;
  /** Replaces the amounts of a recorded event (a larger line of the same response). */
  replaceAmounts(fingerprint: string, line: TokenEvent): void;
  /** Removes events by fingerprint; how many, their counted tokens and their runs. */
  deleteEvents(fingerprints: readonly string[]): {
    events: number;
    tokens: number;
    runKeys: string[];
  };
  /** Every event of one run (any source), as run reconciliation weighs them. */
  runEvents(runKey: string): RunEvent[];
  /**
   * Whether every event of the run was read from a session file and is counted under the bucket
   * of its own file (then reconciliation has nothing to change).
   */
  onlyOwnSessionEvents(runKey: string): boolean;
  /** The runs among these for which onlyOwnSessionEvents holds, in one read. */
  settledRuns(runKeys: readonly string[]): Set<string>;
  /** The run headers (JSON) of logged Codex runs that name no session and are tied to none. */
  untiedLogRuns(): string[];
  /** Every rollout's run key and run header (JSON), from its first event. */
  rolloutStarts(): { runKey: string; header: string }[];
  /** Puts a logged run's markers (by their run header) in a rollout's run. */
  tieLogRun(header: string, runKey: string, sessionId: string): void;
  /** Applies one reconciliation decision to its event. */
  applyRunDecision(decision: RunDecision): void;
  /** Records a rate-limit sample unless the same one is recorded: whether it was new. */
  writeSample(sample: RateLimitSample, sourcePath: string): boolean;
  /** writeSample of each row, in order, whatever its file (one statement): how many were new. */
  writeSampleRows(rows: readonly { sample: RateLimitSample; sourcePath: string }[]): number;
  recordRun(startedAt: number, finishedAt: number, summary: IngestRunRecord): void;
}

/** A provider's latest reported weekly window. */
export interface RateLimitReading {
  usedPercent: number;
  resetsAt: number | null;
  at: number;
}

/** What the budget asks of the ledger. */
export interface UsageLedger {
  /**
   * The latest sample of this provider's window of this many minutes (of one of its accounts,
   * when given: samples read from its own folder; for the first, from no account's folder).
   */
  latestRateLimit(
    provider: AgentName,
    windowMinutes: number,
    account?: AccountScope,
  ): Promise<RateLimitReading | undefined>;
  /** Counted tokens of one agent (of one of its accounts, when given) in [since, until). */
  countedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<number>;
  /**
   * Sessions of one agent (account) started in [since, until) that reported no usage, and the
   * tokens their reservations stand for (estimates, never in the counted tokens).
   */
  estimatedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<Estimated>;
}

/** What one escalation's session ran on: its counted tokens of one model. */
export interface EscalationModel {
  escalationId: number;
  account: string | null;
  agent: string;
  model: string | null;
  tokens: number;
  events: number;
}

/** Sessions that reported no usage: how many, and their reservations' total. */
export interface Estimated {
  tokens: number;
  sessions: number;
}

/** Per-model rates, cached per version of the price table (undefined: the model has no price). */
export interface PriceCache {
  /** The cached rates of these models for this table version; models not cached are absent. */
  cachedRates(
    models: readonly string[],
    tableVersion: string,
  ): Promise<Map<string, Rates | undefined>>;
  cacheRates(rates: ReadonlyMap<string, Rates | undefined>, tableVersion: string): Promise<void>;
}

/** What dispatch asks of the ledger to claim, reserve and settle sessions. */
export interface DispatchLedger {
  /**
   * Claims the PR's unacted fingerprints for a new `running` escalation and reserves its expected
   * cost, in one write transaction (immediate), so concurrent claims see each other.
   */
  claim(req: ClaimRequest): ClaimResult;
  finish(id: number, f: Finish): void;
  /** A running session's tokens so far: the week counts them once they pass its reservation. */
  liveTokens(id: number, tokens: number): void;
  /** Moves a running escalation to another agent when that agent's reservation fits. */
  reserveAgain(id: number, agent: AgentName, reservation: Reservation | undefined): Rereserved;
  /** What the agent's week [since, until) has committed: counted tokens, reservations, estimates. */
  committed(agent: AgentName, since: number, until: number): Committed;
  /** Measured tokens of this agent's ended sessions that acted on this signal kind, newest first. */
  sessionTokens(agent: AgentName, kind: string, limit: number): number[];
  /** Every `running` escalation, with the processes that may still be working on it. */
  runningSessions(): RunningSession[];
  /** Sessions running now that `live` says are being worked on, in any radar process. */
  runningCount(live: (session: RunningSession) => boolean): number;
  /** Marks these escalations failed, those still `running`: returns the ones it marked. */
  markFailed(ids: readonly number[], now: number, reason: string): Reaped[];
  /** Tokens of an escalation found after it ended (a reaped session's run log). */
  setTokens(id: number, tokens: number | null): void;
  /**
   * The fingerprints these (closed) escalations claimed are free again: another claim may act
   * on them (a session whose machine died is taken over). Returns how many were freed.
   */
  releaseClaims(ids: readonly number[]): number;
  /** Extends a running session's lease to `until`; false when it is no longer running. */
  renewLease(id: number, until: number): boolean;
  /** The agent that actually started: its argv, process group and run log. */
  started(
    id: number,
    agent: string,
    argv: readonly string[],
    pgid: number | null,
    runLog: string,
  ): void;
  /** The reservation an escalation was started with (null: none). */
  reservedFor(id: number): number | null;
  /** Records that the user resolved an agent's model hold (`radar resume --model`). */
  resolveModelHold(agent: AgentName, at: number, reason: string | null): void;
  /** Each agent's latest model-hold resolution (ms). */
  modelResolutions(): Map<AgentName, number>;
  /** Records the account (an entry of `budget.providers`) a session runs under. */
  account(id: number, account: string | null): void;
  /** An escalation that never claims anything: a rehearsal (`dry_run`) or a refusal. */
  recordUnclaimed(
    req: Pick<ClaimRequest, 'nodeId' | 'repo' | 'number' | 'headSha' | 'agent' | 'argv' | 'now'> & {
      fingerprints: readonly string[];
      outcome: 'dry_run' | 'refused';
      reason: string | null;
    },
  ): number;
  /** Marks unacted candidates as held back (e.g. by budget) so the funnel can count them. */
  suppress(
    nodeId: string,
    fingerprints: ReadonlyMap<string, string>,
    reason: string,
    now: number,
  ): void;
  escalation(id: number): Escalation | undefined;
  /** Newest first. */
  escalations(limit?: number): Escalation[];
  /**
   * Queues a risky action for a human. Returns its id, or undefined when the same action is
   * already pending, or the same comment was posted on this PR before.
   */
  queueApproval(
    a: Pick<
      Approval,
      'nodeId' | 'repo' | 'number' | 'action' | 'body' | 'bodyHash' | 'reason' | 'fingerprint'
    > &
      Partial<Pick<Approval, 'escalationId' | 'payload'>> & { now: number },
  ): number | undefined;
  approvals(status?: ApprovalStatus): Approval[];
  /** Every queued action, as the reports read them (oldest first). */
  actions(): ActionRecord[];
  /** What a session left behind, recorded when it ended. */
  recordWork(id: number, work: SessionWork): void;
  approval(id: number): Approval | undefined;
  /** Closes an approval that is still `from`; false when it was not (decided elsewhere). */
  decide(
    id: number,
    status: Exclude<ApprovalStatus, 'pending' | 'performing'>,
    result: string | null,
    now: number,
    from?: 'pending' | 'performing',
  ): boolean;
  /** Claims a pending approval for its write; false when it was not pending. */
  claimApproval(id: number, by: number, now: number): boolean;
  /** Takes over a performing approval from the claim it had when read; false if that changed. */
  takeOverApproval(
    id: number,
    seen: Pick<Approval, 'claimedBy' | 'claimedAt'>,
    by: number,
    now: number,
  ): boolean;
  /** The claimant leaves a performing approval (back to pending when nothing was written). */
  releaseApproval(id: number, by: number, written: 'nothing' | 'unknown'): void;
  wasPosted(nodeId: string, bodyHash: string): boolean;
  recordPosted(nodeId: string, bodyHash: string, now: number, approvalId: number | null): void;
  recordBoundary(b: PermissionBoundary): void;
  boundary(repo: string, action: string): PermissionBoundary | undefined;
}

/**
 * What a dispatched session's accounting asks beyond the ingest (dispatch/tokens.ts decides):
 * its run log's events, which escalation owns a run, re-keying one log's events of a run, and
 * recording the runs an escalation produced.
 */
export interface SessionLedger {
  /** Run keys of the events read from this path. */
  runKeysOf(sourcePath: string): string[];
  /** The newest token source recorded for this path. */
  sourceId(path: string): number | undefined;
  /** Whether an event with this fingerprint was read from this path. */
  hasEvent(fingerprint: string, sourcePath: string): boolean;
  /** The escalation a run key is tied to, if any. */
  ownerOf(runKey: string): number | undefined;
  /** This path's events of run `from` move to run `to`. */
  rekey(sourcePath: string, from: string, to: string): void;
  /** Records an escalation's runs and ties their events recorded so far. */
  ownRuns(
    escalationId: number,
    pr: { repo: string; number: number },
    runKeys: readonly string[],
  ): void;
  /** The tokens of the events read from this path; null when there are none. */
  tokensOf(sourcePath: string): number | null;
  /** A write transaction that reads before it writes. */
  transaction<T>(fn: () => T): T;
}

/** Row counts for `radar doctor`. */
export interface LedgerStats {
  schema: number;
  tokenEvents: number;
  tokenSources: number;
  scanRuns: number;
}

/** What `radar doctor` asks of the ledger's storage. */
export interface MaintenanceLedger {
  /** The engine's own consistency check: `['ok']` when sound, else what it found. */
  integrity(): string[];
  stats(): LedgerStats;
  /** The engine and its version (`SQLite` 3.46.1, `PostgreSQL` 16.4). */
  engine(): { name: string; version: string };
}

/** What `radar report tokens` reads: counted tokens summed by period or by a column. */
export interface ReportLedger {
  /** The first and last instants that hold counted tokens, or undefined when none. */
  eventSpan(): Promise<{ first: number; last: number } | undefined>;
  /** Every model the ledger has counted tokens for. */
  models(): Promise<string[]>;
  /** Each period's sums, priced with these rates (models without rates are unpriced). */
  periodTotals(
    periods: readonly Period[],
    range: Range,
    rates: ReadonlyMap<string, Rates>,
  ): Promise<Group[]>;
  /** Sums per value of a non-time dimension, agent and model. */
  aggregateByColumn(by: ColumnDimension, range: Range): Promise<AggregateRow[]>;
  /**
   * Sums per account, agent and model (of one agent, when given): the key is the event's
   * session's account, else the account whose folder it was read from, else null (the agent's
   * first account).
   */
  aggregateByAccount(
    range: Range,
    folders: readonly AccountFolder[],
    agent?: string,
  ): Promise<AggregateRow[]>;
  /** The counted tokens of these escalations, per escalation, account, agent and model. */
  escalationModels(ids: readonly number[]): Promise<EscalationModel[]>;
  /** Sums per bucket of the counted events tied to an escalation (its agent session's tokens). */
  escalationByBucket(range: Range): Promise<AggregateRow[]>;
  /**
   * Agent sessions started in the range that reported no usage, per agent: their reservations
   * stand as estimates, never in the counted tokens.
   */
  estimated(range: Range): Promise<(Estimated & { agent: string })[]>;
}

/** One scan run as recorded for `radar doctor` and `radar queue`. */
export interface ScanRunRecord {
  startedAt: number;
  finishedAt: number;
  status: string;
  requests: number;
  points: number;
  remaining: number | null;
  resetAt: number | null;
  prsSeen: number;
  changes: number;
  errors: string[];
}

/** PRs, their field changes and the scan runs. */
export interface PrLedger {
  all(): StoredPr[];
  byNodeId(nodeId: string): StoredPr | undefined;
  /** PRs with this number (in any repo, or in `repo` when given; case-insensitive). */
  byNumber(number: number, repo?: string): StoredPr[];
  /**
   * Writes a scan as one unit of work: the run, the PRs that differ, their changes, and
   * whatever `alsoInTransaction` writes (verdicts).
   */
  recordScan(
    run: ScanRunRecord,
    prs: readonly StoredPr[],
    changes: ReadonlyMap<string, FieldChange[]>,
    alsoInTransaction?: (scanId: number) => void,
  ): number;
  lastScan(): { started_at: number; finished_at: number; status: string } | undefined;
}

/** A verdict as recorded, with the scan that produced it. */
export interface StoredVerdict extends Verdict {
  nodeId: string;
  scanId: number | null;
  evaluatedAt: number;
}

/** Verdicts, signal candidates, controls, escalations as history, permission boundaries. */
export interface RulesLedger {
  /** Every PR's history (or one PR's). */
  histories(nodeId?: string): Map<string, PrHistory>;
  /** Every PR's history as far as judging it reads it (what a scan reads for its queue). */
  judgedHistories(): Map<string, JudgedHistory>;
  funnelRows(since: number): {
    candidates: (CandidateRecord & { nodeId: string })[];
    escalations: Escalation[];
  };
  permissions(): PermissionBoundary[];
  /** Forgets the denied writes of a repository; how many. */
  clearPermissions(repo: string): number;
  verdicts(): Map<string, StoredVerdict>;
  /** Every PR's verdict as far as the next judgement needs it (tier, route, fingerprints). */
  trails(): Map<string, VerdictTrail>;
  verdict(nodeId: string): StoredVerdict | undefined;
  addControl(nodeId: string, control: ControlRecord): void;
  /**
   * Records verdicts, the history lines each record carries, candidates and stops (inside a
   * scan's unit of work).
   */
  recordVerdicts(scanId: number | null, now: number, records: readonly VerdictRecord[]): void;
}

/** What escalations bought: the actions they wait on, the judgements, the report's rows. */
export interface OutcomeLedger {
  /** The queued actions of every escalation whose outcome is not settled, by escalation. */
  unsettledActions(): Map<number, ActionRecord[]>;
  /** Records judgements; a settled outcome is final and never rewritten. */
  recordOutcomes(now: number, judgements: readonly OutcomeWrite[]): void;
  /** Escalations started at or after `since`, with their outcome (`pending` until judged). */
  outcomeRows(since: number): OutcomeRow[];
  /** Per PR, its newest session not settled: the session's state and the last scan's reason. */
  openEscalations(): Map<string, { id: number; session: string; reason: string | null }>;
}

/** Every family of the ledger, from one engine. */
export interface Ledger {
  tokens: TokenLedger;
  usage: UsageLedger;
  prices: PriceCache;
  reports: ReportLedger;
  prs: PrLedger;
  rules: RulesLedger;
  dispatch: DispatchLedger;
  outcomes: OutcomeLedger;
  sessions: SessionLedger;
  maintenance: MaintenanceLedger;
  /** One unit of work across families (a control and the verdict it leads to). */
  transaction<T>(fn: () => T): T;
}

/** A ledger opened by radar: its ports, its job locks, and closing it. */
export interface OpenLedger extends Ledger {
  /**
   * Takes the ledger's lock for a job (`scan`): one holder at a time for this ledger, wherever
   * it runs (a SQLite ledger's lock file on this machine; a PostgreSQL ledger's advisory lock on
   * its server, for every machine). Throws LockedError naming `what` when another holds it;
   * returns the release, which may be called more than once. A holder that dies releases it.
   */
  lock(job: string, what: string): () => void;
  close(): void;
}

/** What `radar ledger copy` did: the rows copied into each table, in the order copied. */
export interface LedgerCopy {
  tables: { table: string; rows: number }[];
  /** Sources recorded before machines existed, now this machine's (as the next ingest would). */
  adoptedSources: number;
}
