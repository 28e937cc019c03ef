import type { Db } from './open.js';
import type { Escalation } from '../core/verdict.js';
import type { AgentName } from '../core/agents.js';
import { boundaryFromRow, escalationFromRow } from './rules-store.js';
import type { PermissionBoundary } from '../core/history.js';
import { EVENT_OF_ACCOUNT, OF_ACCOUNT, eventScopeParams } from './dispatch-schema.js';
import type { DispatchLedger } from './ports.js';
import type { ActionRecord, SessionWork } from '../core/actions.js';
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
} from '../core/dispatch.js';

/**
 * All SQL for escalations, fingerprint claims, approvals and permission boundaries. A claim and
 * the escalation row it creates are one transaction: however many radar processes dispatch at
 * once, a fingerprint is acted on once and a PR has at most one running session.
 */

export class DispatchStore implements DispatchLedger {
  constructor(private readonly db: Db) {}

  /** Every `running` escalation, with the processes that may still be working on it. */
  runningSessions(): RunningSession[] {
    return this.db
      .prepare(
        `SELECT id, node_id AS nodeId, repo, number, run_log AS runLog, radar_pid AS radarPid,
           agent_pgid AS agentPgid, machine, lease_until AS leaseUntil
         FROM escalations WHERE outcome = 'running'`,
      )
      .all() as RunningSession[];
  }

  /** Marks these escalations failed, those still `running`: returns the ones it marked. */
  markFailed(ids: readonly number[], now: number, reason: string): Reaped[] {
    const mark = this.db.prepare(
      `UPDATE escalations SET outcome = 'failed', ended_at = ?, reason = ?
       WHERE id = ? AND outcome = 'running'
       RETURNING id, repo, number, run_log AS runLog`,
    );
    return this.db.transaction(() => ids.flatMap((id) => mark.all(now, reason, id) as Reaped[]))();
  }

  /** Tokens of an escalation found after it ended (a reaped session's run log). */
  setTokens(id: number, tokens: number | null): void {
    this.db.prepare(`UPDATE escalations SET tokens = ? WHERE id = ?`).run(tokens, id);
  }

  releaseClaims(ids: readonly number[]): number {
    const free = this.db.prepare(
      `UPDATE signal_candidates SET acted_at = NULL, escalation_id = NULL
       WHERE escalation_id = ? AND acted_at IS NOT NULL`,
    );
    return this.db.transaction(() => ids.reduce((n, id) => n + free.run(id).changes, 0))();
  }

  renewLease(id: number, until: number): boolean {
    return (
      this.db
        .prepare(`UPDATE escalations SET lease_until = ? WHERE id = ? AND outcome = 'running'`)
        .run(until, id).changes === 1
    );
  }

  /** Sessions running now that `live` says are being worked on, in any radar process. */
  runningCount(live: (session: RunningSession) => boolean): number {
    return this.runningSessions().filter(live).length;
  }

  /**
   * Claims the PR's unacted fingerprints for a new escalation, in one write transaction: the
   * escalation row (`running`) and `acted_at` on each fingerprint claimed.
   */
  claim(req: ClaimRequest): ClaimResult {
    const insertCandidate = this.db.prepare(
      `INSERT OR IGNORE INTO signal_candidates (node_id, fingerprint, kind, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const act = this.db.prepare(
      `UPDATE signal_candidates SET acted_at = ?, escalation_id = ?
       WHERE node_id = ? AND fingerprint = ? AND acted_at IS NULL`,
    );
    const insert = this.db.prepare(
      `INSERT INTO escalations (node_id, repo, number, fingerprints, agent, argv, started_at, outcome,
         head_sha, reason, radar_pid, reserved, account, machine, lease_until)
       VALUES (?, ?, ?, '[]', ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const setFingerprints = this.db.prepare(`UPDATE escalations SET fingerprints = ? WHERE id = ?`);
    const nothing = new Error('nothing to claim');
    try {
      return this.db
        .transaction((): ClaimResult => {
          const running = this.runningSessions().filter(req.live);
          const mine = running.find((r) => r.nodeId === req.nodeId);
          if (mine) return { kind: 'busy', escalationId: mine.id };
          if (running.length >= req.concurrency) return { kind: 'full', running: running.length };
          const r = req.reservation;
          if (r) {
            const committed = this.committed(req.agent as AgentName, r.since, r.until, r.account);
            if (!r.fits(committed)) return { kind: 'budget', committed, tokens: r.tokens };
          }
          const id = Number(
            insert.run(
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
            ).lastInsertRowid,
          );
          const claimed: string[] = [];
          for (const [fingerprint, kind] of req.fingerprints) {
            insertCandidate.run(req.nodeId, fingerprint, kind, req.now, req.now);
            if (act.run(req.now, id, req.nodeId, fingerprint).changes === 1)
              claimed.push(fingerprint);
          }
          // Roll the escalation row back: nothing new to act on.
          if (claimed.length === 0) throw nothing;
          setFingerprints.run(JSON.stringify(claimed), id);
          return { kind: 'claimed', escalationId: id, fingerprints: claimed };
        })
        .immediate();
    } catch (error) {
      if (error === nothing) return { kind: 'acted' };
      throw error;
    }
  }

  /**
   * The agent actually started (after a fallback, another one): its argv, process group and run
   * log (recorded now, so a session whose radar is killed still has its log found).
   */
  started(
    id: number,
    agent: string,
    argv: readonly string[],
    pgid: number | null,
    runLog: string,
  ): void {
    this.db
      .prepare(
        `UPDATE escalations SET agent = ?, argv = ?, agent_pgid = ?, run_log = ? WHERE id = ?`,
      )
      .run(agent, JSON.stringify(argv), pgid, runLog, id);
  }

  /** The account the session runs under (null: the agent has none configured). */
  account(id: number, account: string | null): void {
    this.db.prepare(`UPDATE escalations SET account = ? WHERE id = ?`).run(account, id);
  }

  finish(id: number, f: Finish): void {
    this.db
      .prepare(
        `UPDATE escalations SET ended_at = ?, exit_code = ?, outcome = ?, session_id = ?, tokens = ?,
           run_log = ?, reason = ?, tokens_estimated = ? WHERE id = ?`,
      )
      .run(
        f.endedAt,
        f.exitCode,
        f.outcome,
        f.sessionId,
        f.tokens,
        f.runLog,
        f.reason,
        f.estimated ? 1 : 0,
        id,
      );
  }

  /** A running session's tokens so far (from its live output). */
  liveTokens(id: number, tokens: number): void {
    this.db
      .prepare(`UPDATE escalations SET live_tokens = ? WHERE id = ? AND outcome = 'running'`)
      .run(tokens, id);
  }

  /**
   * A running escalation moves to another agent (its first could not start): in one write
   * transaction, the new agent's reservation is checked against that agent's week and, when it
   * fits, replaces the old one (none: not reserved against).
   */
  reserveAgain(id: number, agent: AgentName, reservation: Reservation | undefined): Rereserved {
    return this.db
      .transaction((): Rereserved => {
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
        this.db
          .prepare(
            `UPDATE escalations SET agent = ?, reserved = ?, live_tokens = NULL, account = ? WHERE id = ?`,
          )
          .run(agent, reservation?.tokens ?? null, reservation?.account?.name ?? null, id);
        return { kind: 'reserved' };
      })
      .immediate();
  }

  resolveModelHold(agent: AgentName, at: number, reason: string | null): void {
    this.db
      .prepare(`INSERT INTO model_resolutions (agent, at, reason) VALUES (?, ?, ?)`)
      .run(agent, at, reason);
  }

  modelResolutions(): Map<AgentName, number> {
    const rows = this.db
      .prepare(`SELECT agent, max(at) AS at FROM model_resolutions GROUP BY agent`)
      .all() as { agent: AgentName; at: number }[];
    return new Map(rows.map((r) => [r.agent, r.at]));
  }

  /** The reservation an escalation was started with (null: none). */
  reservedFor(id: number): number | null {
    const row = this.db.prepare(`SELECT reserved FROM escalations WHERE id = ?`).get(id) as
      { reserved: number | null } | undefined;
    return row?.reserved ?? null;
  }

  /** What the week of an agent (of one of its accounts, when given) has committed. */
  committed(agent: AgentName, since: number, until: number, account?: AccountScope): Committed {
    const scope = [account ? 1 : 0, account?.first ? 1 : 0, account?.name ?? null];
    const counted = this.db
      .prepare(
        `SELECT total(t.total) AS n FROM token_events t
         LEFT JOIN escalations e ON e.id = t.escalation_id
         WHERE t.agent = ? AND t.at >= ? AND t.at < ? AND t.counted = 1
           AND (? = 0 OR ${EVENT_OF_ACCOUNT})`,
      )
      .get(
        agent,
        since,
        until,
        account ? 1 : 0,
        ...(account ? eventScopeParams(account) : ['[]', 0, null, null]),
      ) as { n: number };
    // Running sessions reserve whenever they started (a session may straddle the reset), each
    // the larger of its reservation and its tokens so far; ended sessions that reported no usage
    // count their estimate in the week they started.
    const reserved = this.db
      .prepare(
        `SELECT total(CASE WHEN outcome = 'running'
                      THEN max(coalesce(reserved, 0), coalesce(live_tokens, 0))
                      ELSE reserved END) AS n
         FROM escalations e
         WHERE agent = ? AND ((outcome = 'running' AND (reserved IS NOT NULL OR live_tokens IS NOT NULL))
           OR (tokens_estimated = 1 AND started_at >= ? AND started_at < ?))
           AND (? = 0 OR ${OF_ACCOUNT})`,
      )
      .get(agent, since, until, ...scope) as { n: number };
    return { counted: counted.n, reserved: reserved.n };
  }

  sessionTokens(agent: AgentName, kind: string, limit: number): number[] {
    const rows = this.db
      .prepare(
        `SELECT e.tokens AS tokens FROM escalations e
         WHERE e.agent = ? AND e.tokens IS NOT NULL AND e.tokens_estimated = 0
           AND e.outcome IN ('succeeded', 'failed', 'timed_out')
           AND EXISTS (SELECT 1 FROM signal_candidates s WHERE s.escalation_id = e.id AND s.kind = ?)
         ORDER BY e.id DESC LIMIT ?`,
      )
      .all(agent, kind, limit) as { tokens: number }[];
    return rows.map((r) => r.tokens);
  }

  /** An escalation that never claims anything: a rehearsal (`dry_run`) or a refusal. */
  recordUnclaimed(
    req: Pick<ClaimRequest, 'nodeId' | 'repo' | 'number' | 'headSha' | 'agent' | 'argv' | 'now'> & {
      fingerprints: readonly string[];
      outcome: 'dry_run' | 'refused';
      reason: string | null;
    },
  ): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO escalations (node_id, repo, number, fingerprints, agent, argv, started_at, ended_at,
             outcome, head_sha, reason)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          req.nodeId,
          req.repo,
          req.number,
          JSON.stringify(req.fingerprints),
          req.agent,
          JSON.stringify(req.argv),
          req.now,
          req.now,
          req.outcome,
          req.headSha,
          req.reason,
        ).lastInsertRowid,
    );
  }

  /** Marks unacted candidates as held back (e.g. by budget) so the funnel can count them. */
  suppress(
    nodeId: string,
    fingerprints: ReadonlyMap<string, string>,
    reason: string,
    now: number,
  ): void {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO signal_candidates (node_id, fingerprint, kind, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const s = this.db.prepare(
      `UPDATE signal_candidates SET suppressed = ? WHERE node_id = ? AND fingerprint = ? AND acted_at IS NULL`,
    );
    this.db.transaction(() => {
      for (const [f, kind] of fingerprints) {
        insert.run(nodeId, f, kind, now, now);
        s.run(reason, nodeId, f);
      }
    })();
  }

  /** One row by its key, however old. */
  escalation(id: number): Escalation | undefined {
    const row = this.db.prepare(`SELECT * FROM escalations WHERE id = ?`).get(id) as
      Record<string, unknown> | undefined;
    return row && escalationFromRow(row);
  }

  /** Newest first, at most `limit` rows read (the rules' row mapping, not their histories). */
  escalations(limit = 50): Escalation[] {
    return (
      this.db
        .prepare(`SELECT * FROM escalations ORDER BY started_at DESC, id DESC LIMIT ?`)
        .all(limit) as Record<string, unknown>[]
    ).map(escalationFromRow);
  }

  // ---- approvals ------------------------------------------------------------------------------

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
  ): number | undefined {
    const queue = this.db.transaction(() => {
      if (a.action === 'comment' && this.wasPosted(a.nodeId, a.bodyHash)) return undefined;
      const r = this.db
        .prepare(
          `INSERT OR IGNORE INTO approvals (node_id, repo, number, action, body, body_hash, reason, fingerprint,
             created_at, escalation_id, payload)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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
        );
      return r.changes === 1 ? Number(r.lastInsertRowid) : undefined;
    });
    // Immediate: it reads before it writes, and a deferred transaction whose snapshot another
    // process wrote past fails at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
    return queue.immediate();
  }

  approvals(status?: ApprovalStatus): Approval[] {
    const rows = (
      status
        ? this.db.prepare(`SELECT * FROM approvals WHERE status = ? ORDER BY id`).all(status)
        : this.db.prepare(`SELECT * FROM approvals ORDER BY id`).all()
    ) as Record<string, unknown>[];
    return rows.map(toApproval);
  }

  /** Every queued action, as the reports read them (oldest first). */
  actions(): ActionRecord[] {
    return this.db
      .prepare(
        `SELECT id, action AS kind, status AS state, escalation_id AS escalationId,
           created_at AS createdAt, decided_at AS decidedAt FROM approvals ORDER BY id`,
      )
      .all() as ActionRecord[];
  }

  /** What a session left behind, recorded when it ended. */
  recordWork(id: number, work: SessionWork): void {
    this.db.prepare(`UPDATE escalations SET work = ? WHERE id = ?`).run(JSON.stringify(work), id);
  }

  approval(id: number): Approval | undefined {
    const row = this.db.prepare(`SELECT * FROM approvals WHERE id = ?`).get(id) as
      Record<string, unknown> | undefined;
    return row && toApproval(row);
  }

  /**
   * Closes an approval that is still `from` (pending, or performing for the write's outcome);
   * false when it was not (decided elsewhere).
   */
  decide(
    id: number,
    status: Exclude<ApprovalStatus, 'pending' | 'performing'>,
    result: string | null,
    now: number,
    from: 'pending' | 'performing' = 'pending',
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE approvals SET status = ?, result = ?, decided_at = ? WHERE id = ? AND status = ?`,
        )
        .run(status, result, now, id, from).changes === 1
    );
  }

  /**
   * Claims a pending approval for its write, in the statement that checks it is pending: of two
   * processes claiming at once, one gets it. False when it was not pending.
   */
  claimApproval(id: number, by: number, now: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE approvals SET status = 'performing', claimed_by = ?, claimed_at = ?
           WHERE id = ? AND status = 'pending'`,
        )
        .run(by, now, id).changes === 1
    );
  }

  /**
   * Takes over a performing approval from the claim it had when read (`claimedBy`, `claimedAt`):
   * false when that claim changed meanwhile (someone else took it over, or finished).
   */
  takeOverApproval(
    id: number,
    seen: Pick<Approval, 'claimedBy' | 'claimedAt'>,
    by: number,
    now: number,
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE approvals SET claimed_by = ?, claimed_at = ?
           WHERE id = ? AND status = 'performing' AND claimed_by IS ? AND claimed_at IS ?`,
        )
        .run(by, now, id, seen.claimedBy, seen.claimedAt).changes === 1
    );
  }

  /**
   * The claimant leaves a performing approval: back to `pending` when nothing was written, or
   * `performing` with no claimant when the write may or may not have landed.
   */
  releaseApproval(id: number, by: number, written: 'nothing' | 'unknown'): void {
    this.db
      .prepare(
        `UPDATE approvals SET claimed_by = NULL,
           status = CASE WHEN ? = 'nothing' THEN 'pending' ELSE status END,
           claimed_at = CASE WHEN ? = 'nothing' THEN NULL ELSE claimed_at END
         WHERE id = ? AND status = 'performing' AND claimed_by = ?`,
      )
      .run(written, written, id, by);
  }

  wasPosted(nodeId: string, bodyHash: string): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM posted_comments WHERE node_id = ? AND body_hash = ?`)
        .get(nodeId, bodyHash) !== undefined
    );
  }

  recordPosted(nodeId: string, bodyHash: string, now: number, approvalId: number | null): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO posted_comments (node_id, body_hash, posted_at, approval_id) VALUES (?, ?, ?, ?)`,
      )
      .run(nodeId, bodyHash, now, approvalId);
  }

  // ---- permission boundaries ------------------------------------------------------------------

  recordBoundary(b: PermissionBoundary): void {
    this.db
      .prepare(
        `INSERT INTO permission_boundaries (repo, action, denied_at, status, message) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo, action) DO UPDATE SET denied_at = excluded.denied_at,
           status = excluded.status, message = excluded.message`,
      )
      .run(b.repo, b.action, b.deniedAt, b.status, b.message);
  }

  boundary(repo: string, action: string): PermissionBoundary | undefined {
    const r = this.db
      .prepare(`SELECT * FROM permission_boundaries WHERE repo = ? AND action = ?`)
      .get(repo, action) as Record<string, unknown> | undefined;
    return r && boundaryFromRow(r);
  }
}

/** An approvals row as the port returns it (both engines). */
export function toApproval(r: Record<string, unknown>): Approval {
  return {
    id: r.id as number,
    nodeId: r.node_id as string,
    repo: r.repo as string,
    number: r.number as number,
    action: r.action as Approval['action'],
    body: r.body as string | null,
    bodyHash: r.body_hash as string,
    reason: r.reason as string | null,
    fingerprint: r.fingerprint as string | null,
    createdAt: r.created_at as number,
    status: r.status as ApprovalStatus,
    decidedAt: r.decided_at as number | null,
    result: r.result as string | null,
    claimedBy: r.claimed_by as number | null,
    claimedAt: r.claimed_at as number | null,
    escalationId: (r.escalation_id as number | null | undefined) ?? null,
    payload:
      typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : null,
  };
}
