import type { Escalation } from '../../core/verdict.js';
import type { AgentName } from '../../core/agents.js';
import type { PermissionBoundary } from '../../core/history.js';
import type { ActionRecord, SessionWork } from '../../core/actions.js';
import type {
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
} from '../../core/dispatch.js';
import type { DispatchLedger } from '../ports.js';
import { toApproval } from '../dispatch-store.js';
import { foldersJson } from '../dispatch-schema.js';
import { pgEventOfAccount } from './dispatch-schema.js';
import { ledgerXactLock } from './lock.js';
import { boundaryFromRow, escalationFromRow } from '../rules-store.js';
import type { PgDb } from './db.js';

/**
 * The advisory lock every claim (and every move of a running session to another agent) holds
 * for its transaction ("RDSP"). Claims from every machine queue on it, as SQLite's write lock
 * queues them on one machine: the concurrency cap and an agent's week are sums over every
 * running session, so two claims of different PRs must see each other, which row locks on the
 * PRs' own rows cannot give. A claim is a few statements, a few per scan: they wait, never fail
 * and retry as SERIALIZABLE transactions would.
 */
export const CLAIM_LOCK = 0x52445350;

/** Rows of one account (parameters $n: is-first, $n+1: name) over `escalations e`. */
const ofAccount = (n: number) =>
  `(CASE WHEN e.account IS NULL THEN $${n}::int = 1 ELSE e.account = $${n + 1}::text END)`;

const RUNNING = `SELECT id, node_id AS "nodeId", repo, number, run_log AS "runLog",
  radar_pid AS "radarPid", agent_pgid AS "agentPgid", machine, lease_until AS "leaseUntil"
  FROM escalations WHERE outcome = 'running' ORDER BY id`;

/**
 * The dispatch family on PostgreSQL: the same results as the SQLite DispatchStore. A claim and
 * the escalation row it creates are one transaction under CLAIM_LOCK; an approval is claimed by
 * the one conditional UPDATE that checks it is pending (a competing UPDATE waits for the row and
 * finds it no longer pending).
 */
export class PgDispatchStore implements DispatchLedger {
  constructor(private readonly db: PgDb) {}

  runningSessions(): RunningSession[] {
    return this.db.all<RunningSession>(RUNNING);
  }

  markFailed(ids: readonly number[], now: number, reason: string): Reaped[] {
    if (ids.length === 0) return [];
    return this.db.all<Reaped>(
      `UPDATE escalations SET outcome = 'failed', ended_at = $1, reason = $2
       WHERE id = ANY($3::bigint[]) AND outcome = 'running'
       RETURNING id, repo, number, run_log AS "runLog"`,
      [now, reason, ids],
    );
  }

  setTokens(id: number, tokens: number | null): void {
    this.db.run(`UPDATE escalations SET tokens = $1 WHERE id = $2`, [tokens, id]);
  }

  releaseClaims(ids: readonly number[]): number {
    if (ids.length === 0) return 0;
    return this.db.run(
      `UPDATE signal_candidates SET acted_at = NULL, escalation_id = NULL
       WHERE escalation_id = ANY($1::bigint[]) AND acted_at IS NOT NULL`,
      [ids],
    ).rowCount;
  }

  renewLease(id: number, until: number): boolean {
    return (
      this.db.run(`UPDATE escalations SET lease_until = $1 WHERE id = $2 AND outcome = 'running'`, [
        until,
        id,
      ]).rowCount === 1
    );
  }

  runningCount(live: (session: RunningSession) => boolean): number {
    return this.runningSessions().filter(live).length;
  }

  claim(req: ClaimRequest): ClaimResult {
    const nothing = new Error('nothing to claim');
    try {
      return this.db.transaction((): ClaimResult => {
        this.db.one(ledgerXactLock(CLAIM_LOCK));
        const running = this.runningSessions().filter(req.live);
        const mine = running.find((r) => r.nodeId === req.nodeId);
        if (mine) return { kind: 'busy', escalationId: mine.id };
        if (running.length >= req.concurrency) return { kind: 'full', running: running.length };
        const r = req.reservation;
        if (r) {
          const committed = this.committed(req.agent as AgentName, r.since, r.until, r.account);
          if (!r.fits(committed)) return { kind: 'budget', committed, tokens: r.tokens };
        }
        const id = this.db.one<{ id: number }>(
          `INSERT INTO escalations (node_id, repo, number, fingerprints, agent, argv, started_at,
             outcome, head_sha, reason, radar_pid, reserved, account, machine, lease_until)
           VALUES ($1, $2, $3, '[]', $4, $5, $6, 'running', $7, $8, $9, $10, $11, $12, $13)
           RETURNING id`,
          [
            req.nodeId,
            req.repo,
            req.number,
            req.agent,
            JSON.stringify(req.argv),
            req.now,
            req.headSha,
            req.reason,
            req.radarPid,
            r?.tokens ?? null,
            r?.account?.name ?? null,
            req.machine ?? null,
            req.leaseUntil ?? null,
          ],
        )!.id;
        const fingerprints = [...req.fingerprints.keys()];
        this.insertCandidates(req.nodeId, req.fingerprints, req.now);
        // A fingerprint another claim acted on (even one not holding the lock) is left alone:
        // the row's update waits for that claim and then finds acted_at set.
        const claimed = this.db
          .all<{ fingerprint: string }>(
            `UPDATE signal_candidates SET acted_at = $1, escalation_id = $2
             WHERE node_id = $3 AND fingerprint = ANY($4::text[]) AND acted_at IS NULL
             RETURNING fingerprint`,
            [req.now, id, req.nodeId, fingerprints],
          )
          .map((row) => row.fingerprint);
        // Roll the escalation row back: nothing new to act on.
        if (claimed.length === 0) throw nothing;
        // In the request's order, as SQLite records them.
        const ordered = fingerprints.filter((f) => claimed.includes(f));
        this.db.run(`UPDATE escalations SET fingerprints = $1 WHERE id = $2`, [
          JSON.stringify(ordered),
          id,
        ]);
        return { kind: 'claimed', escalationId: id, fingerprints: ordered };
      });
    } catch (error) {
      if (error === nothing) return { kind: 'acted' };
      throw error;
    }
  }

  /** The PR's candidate rows that are missing (a manual run's), in one statement. */
  private insertCandidates(
    nodeId: string,
    fingerprints: ReadonlyMap<string, string>,
    now: number,
  ): void {
    if (fingerprints.size === 0) return;
    this.db.run(
      `INSERT INTO signal_candidates (node_id, fingerprint, kind, first_seen_at, last_seen_at)
       SELECT $1, f, k, $4, $4 FROM unnest($2::text[], $3::text[]) AS u(f, k)
       ON CONFLICT (node_id, fingerprint) DO NOTHING`,
      [nodeId, [...fingerprints.keys()], [...fingerprints.values()], now],
    );
  }

  started(
    id: number,
    agent: string,
    argv: readonly string[],
    pgid: number | null,
    runLog: string,
  ): void {
    this.db.run(
      `UPDATE escalations SET agent = $1, argv = $2, agent_pgid = $3, run_log = $4 WHERE id = $5`,
      [agent, JSON.stringify(argv), pgid, runLog, id],
    );
  }

  account(id: number, account: string | null): void {
    this.db.run(`UPDATE escalations SET account = $1 WHERE id = $2`, [account, id]);
  }

  finish(id: number, f: Finish): void {
    this.db.run(
      `UPDATE escalations SET ended_at = $1, exit_code = $2, outcome = $3, session_id = $4,
         tokens = $5, run_log = $6, reason = $7, tokens_estimated = $8 WHERE id = $9`,
      [
        f.endedAt,
        f.exitCode,
        f.outcome,
        f.sessionId,
        f.tokens,
        f.runLog,
        f.reason,
        f.estimated ? 1 : 0,
        id,
      ],
    );
  }

  liveTokens(id: number, tokens: number): void {
    this.db.run(`UPDATE escalations SET live_tokens = $1 WHERE id = $2 AND outcome = 'running'`, [
      tokens,
      id,
    ]);
  }

  reserveAgain(id: number, agent: AgentName, reservation: Reservation | undefined): Rereserved {
    return this.db.transaction((): Rereserved => {
      this.db.one(ledgerXactLock(CLAIM_LOCK));
      if (reservation) {
        const committed = this.committed(
          agent,
          reservation.since,
          reservation.until,
          reservation.account,
        );
        if (!reservation.fits(committed))
          return { kind: 'budget', committed, tokens: reservation.tokens };
      }
      this.db.run(
        `UPDATE escalations SET agent = $1, reserved = $2, live_tokens = NULL, account = $3
         WHERE id = $4`,
        [agent, reservation?.tokens ?? null, reservation?.account?.name ?? null, id],
      );
      return { kind: 'reserved' };
    });
  }

  resolveModelHold(agent: AgentName, at: number, reason: string | null): void {
    this.db.run(`INSERT INTO model_resolutions (agent, at, reason) VALUES ($1, $2, $3)`, [
      agent,
      at,
      reason,
    ]);
  }

  modelResolutions(): Map<AgentName, number> {
    const rows = this.db.all<{ agent: AgentName; at: number }>(
      `SELECT agent, max(at) AS at FROM model_resolutions GROUP BY agent ORDER BY agent COLLATE "C"`,
    );
    return new Map(rows.map((r) => [r.agent, r.at]));
  }

  reservedFor(id: number): number | null {
    return (
      this.db.one<{ reserved: number | null }>(`SELECT reserved FROM escalations WHERE id = $1`, [
        id,
      ])?.reserved ?? null
    );
  }

  /** What the week of an agent (of one of its accounts, when given) has committed. */
  committed(agent: AgentName, since: number, until: number, account?: AccountScope): Committed {
    const scope = [account ? 1 : 0, account?.first ? 1 : 0, account?.name ?? null];
    const counted = this.db.one<{ n: number }>(
      `SELECT coalesce(sum(t.total), 0) AS n FROM token_events t
       LEFT JOIN escalations e ON e.id = t.escalation_id
       WHERE t.agent = $1 AND t.at >= $2 AND t.at < $3 AND t.counted = 1
         AND ($4::int = 0 OR ${pgEventOfAccount(5)})`,
      [
        agent,
        since,
        until,
        account ? 1 : 0,
        foldersJson(account?.folders),
        account?.first ? 1 : 0,
        account?.name ?? null,
      ],
    )!;
    // As on SQLite: running sessions reserve whenever they started, each the larger of its
    // reservation and its tokens so far; ended sessions with no usage count their estimate in
    // the week they started.
    const reserved = this.db.one<{ n: number }>(
      `SELECT coalesce(sum(CASE WHEN outcome = 'running'
                  THEN GREATEST(coalesce(reserved, 0), coalesce(live_tokens, 0))
                  ELSE reserved END), 0) AS n
       FROM escalations e
       WHERE agent = $1 AND ((outcome = 'running' AND (reserved IS NOT NULL OR live_tokens IS NOT NULL))
         OR (tokens_estimated = 1 AND started_at >= $2 AND started_at < $3))
         AND ($4::int = 0 OR ${ofAccount(5)})`,
      [agent, since, until, ...scope],
    )!;
    return { counted: counted.n, reserved: reserved.n };
  }

  sessionTokens(agent: AgentName, kind: string, limit: number): number[] {
    return this.db
      .all<{ tokens: number }>(
        `SELECT e.tokens AS tokens FROM escalations e
         WHERE e.agent = $1 AND e.tokens IS NOT NULL AND e.tokens_estimated = 0
           AND e.outcome IN ('succeeded', 'failed', 'timed_out')
           AND EXISTS (SELECT 1 FROM signal_candidates s WHERE s.escalation_id = e.id AND s.kind = $2)
         ORDER BY e.id DESC LIMIT $3`,
        [agent, kind, limit],
      )
      .map((r) => r.tokens);
  }

  recordUnclaimed(
    req: Pick<ClaimRequest, 'nodeId' | 'repo' | 'number' | 'headSha' | 'agent' | 'argv' | 'now'> & {
      fingerprints: readonly string[];
      outcome: 'dry_run' | 'refused';
      reason: string | null;
    },
  ): number {
    return this.db.one<{ id: number }>(
      `INSERT INTO escalations (node_id, repo, number, fingerprints, agent, argv, started_at,
         ended_at, outcome, head_sha, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10) RETURNING id`,
      [
        req.nodeId,
        req.repo,
        req.number,
        JSON.stringify(req.fingerprints),
        req.agent,
        JSON.stringify(req.argv),
        req.now,
        req.outcome,
        req.headSha,
        req.reason,
      ],
    )!.id;
  }

  suppress(
    nodeId: string,
    fingerprints: ReadonlyMap<string, string>,
    reason: string,
    now: number,
  ): void {
    this.db.transaction(() => {
      this.insertCandidates(nodeId, fingerprints, now);
      this.db.run(
        `UPDATE signal_candidates SET suppressed = $1
         WHERE node_id = $2 AND fingerprint = ANY($3::text[]) AND acted_at IS NULL`,
        [reason, nodeId, [...fingerprints.keys()]],
      );
    });
  }

  /** One row by its key, not every PR's history. */
  escalation(id: number): Escalation | undefined {
    const row = this.db.one(`SELECT * FROM escalations WHERE id = $1`, [id]);
    return row && escalationFromRow(row);
  }

  /** Newest first, at most `limit` rows read (a top-N sort of the escalations, nothing else). */
  escalations(limit = 50): Escalation[] {
    return this.db
      .all(`SELECT * FROM escalations ORDER BY started_at DESC, id DESC LIMIT $1`, [limit])
      .map(escalationFromRow);
  }

  // ---- approvals ------------------------------------------------------------------------------

  queueApproval(
    a: Pick<
      Approval,
      'nodeId' | 'repo' | 'number' | 'action' | 'body' | 'bodyHash' | 'reason' | 'fingerprint'
    > &
      Partial<Pick<Approval, 'escalationId' | 'payload'>> & { now: number },
  ): number | undefined {
    return this.db.transaction(() => {
      if (a.action === 'comment' && this.wasPosted(a.nodeId, a.bodyHash)) return undefined;
      // The partial unique index (one pending or performing action of a kind per PR and body)
      // turns a second machine's insert into nothing.
      return this.db.one<{ id: number }>(
        `INSERT INTO approvals (node_id, repo, number, action, body, body_hash, reason, fingerprint,
           created_at, escalation_id, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          a.nodeId,
          a.repo,
          a.number,
          a.action,
          a.body,
          a.bodyHash,
          a.reason,
          a.fingerprint,
          a.now,
          a.escalationId ?? null,
          a.payload ? JSON.stringify(a.payload) : null,
        ],
      )?.id;
    });
  }

  approvals(status?: ApprovalStatus): Approval[] {
    const rows = status
      ? this.db.all(`SELECT * FROM approvals WHERE status = $1 ORDER BY id`, [status])
      : this.db.all(`SELECT * FROM approvals ORDER BY id`);
    return rows.map(toApproval);
  }

  actions(): ActionRecord[] {
    return this.db.all<ActionRecord>(
      `SELECT id, action AS kind, status AS state, escalation_id AS "escalationId",
         created_at AS "createdAt", decided_at AS "decidedAt" FROM approvals ORDER BY id`,
    );
  }

  recordWork(id: number, work: SessionWork): void {
    this.db.run(`UPDATE escalations SET work = $1 WHERE id = $2`, [JSON.stringify(work), id]);
  }

  approval(id: number): Approval | undefined {
    const row = this.db.one(`SELECT * FROM approvals WHERE id = $1`, [id]);
    return row && toApproval(row);
  }

  decide(
    id: number,
    status: Exclude<ApprovalStatus, 'pending' | 'performing'>,
    result: string | null,
    now: number,
    from: 'pending' | 'performing' = 'pending',
  ): boolean {
    return (
      this.db.run(
        `UPDATE approvals SET status = $1, result = $2, decided_at = $3 WHERE id = $4 AND status = $5`,
        [status, result, now, id, from],
      ).rowCount === 1
    );
  }

  claimApproval(id: number, by: number, now: number): boolean {
    return (
      this.db.run(
        `UPDATE approvals SET status = 'performing', claimed_by = $1, claimed_at = $2
         WHERE id = $3 AND status = 'pending'`,
        [by, now, id],
      ).rowCount === 1
    );
  }

  takeOverApproval(
    id: number,
    seen: Pick<Approval, 'claimedBy' | 'claimedAt'>,
    by: number,
    now: number,
  ): boolean {
    return (
      this.db.run(
        `UPDATE approvals SET claimed_by = $1, claimed_at = $2
         WHERE id = $3 AND status = 'performing'
           AND claimed_by IS NOT DISTINCT FROM $4::int AND claimed_at IS NOT DISTINCT FROM $5::bigint`,
        [by, now, id, seen.claimedBy, seen.claimedAt],
      ).rowCount === 1
    );
  }

  releaseApproval(id: number, by: number, written: 'nothing' | 'unknown'): void {
    this.db.run(
      `UPDATE approvals SET claimed_by = NULL,
         status = CASE WHEN $1::text = 'nothing' THEN 'pending' ELSE status END,
         claimed_at = CASE WHEN $1::text = 'nothing' THEN NULL ELSE claimed_at END
       WHERE id = $2 AND status = 'performing' AND claimed_by = $3`,
      [written, id, by],
    );
  }

  wasPosted(nodeId: string, bodyHash: string): boolean {
    return (
      this.db.one(`SELECT 1 FROM posted_comments WHERE node_id = $1 AND body_hash = $2`, [
        nodeId,
        bodyHash,
      ]) !== undefined
    );
  }

  recordPosted(nodeId: string, bodyHash: string, now: number, approvalId: number | null): void {
    this.db.run(
      `INSERT INTO posted_comments (node_id, body_hash, posted_at, approval_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [nodeId, bodyHash, now, approvalId],
    );
  }

  // ---- permission boundaries ------------------------------------------------------------------

  recordBoundary(b: PermissionBoundary): void {
    this.db.run(
      `INSERT INTO permission_boundaries (repo, action, denied_at, status, message)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (repo, action) DO UPDATE SET denied_at = excluded.denied_at,
         status = excluded.status, message = excluded.message`,
      [b.repo, b.action, b.deniedAt, b.status, b.message],
    );
  }

  boundary(repo: string, action: string): PermissionBoundary | undefined {
    const r = this.db.one(`SELECT * FROM permission_boundaries WHERE repo = $1 AND action = $2`, [
      repo,
      action,
    ]);
    return r && boundaryFromRow(r);
  }
}
