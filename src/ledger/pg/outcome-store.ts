import type { ActionRecord } from '../../core/actions.js';
import type { Outcome, OutcomeRow, OutcomeWrite } from '../../core/outcome.js';
import type { OutcomeLedger } from '../ports.js';
import type { PgDb } from './db.js';

/**
 * Escalation outcomes on PostgreSQL (the SQLite twin: ../outcome-store.ts): the actions they
 * wait on, the judgements (one statement per scan), the report's rows.
 */
export class PgOutcomeStore implements OutcomeLedger {
  constructor(private readonly db: PgDb) {}

  unsettledActions(): Map<number, ActionRecord[]> {
    const map = new Map<number, ActionRecord[]>();
    for (const r of this.db.all<{
      id: number;
      action: ActionRecord['kind'];
      status: ActionRecord['state'];
      escalation_id: number;
      created_at: number;
      decided_at: number | null;
    }>(
      `SELECT a.id, a.action, a.status, a.escalation_id, a.created_at, a.decided_at
       FROM approvals AS a LEFT JOIN escalation_outcomes AS o ON o.escalation_id = a.escalation_id
       WHERE a.escalation_id IS NOT NULL AND o.settled_at IS NULL ORDER BY a.id`,
    )) {
      const list = map.get(r.escalation_id) ?? [];
      list.push({
        id: r.id,
        kind: r.action,
        state: r.status,
        escalationId: r.escalation_id,
        createdAt: r.created_at,
        decidedAt: r.decided_at,
      });
      map.set(r.escalation_id, list);
    }
    return map;
  }

  /**
   * Records judgements (inside the scan's unit of work): a settled outcome is final, so a row
   * already settled is never rewritten; a pending one keeps when it was first judged. As on
   * SQLite's row-by-row loop, an escalation judged twice in one call keeps its first settled
   * outcome, else its last.
   */
  recordOutcomes(now: number, judgements: readonly OutcomeWrite[]): void {
    const byId = new Map<number, OutcomeWrite>();
    for (const j of judgements) {
      const earlier = byId.get(j.escalationId);
      if (!earlier || earlier.outcome === 'pending') byId.set(j.escalationId, j);
    }
    if (byId.size === 0) return;
    const rows = [...byId.values()];
    this.db.run(
      `INSERT INTO escalation_outcomes (escalation_id, outcome, reason, first_judged_at, settled_at)
       SELECT j.id, j.outcome, j.reason, $1, CASE WHEN j.outcome = 'pending' THEN NULL ELSE $1::bigint END
       FROM unnest($2::bigint[], $3::text[], $4::text[]) AS j(id, outcome, reason)
       ON CONFLICT (escalation_id) DO UPDATE SET outcome = excluded.outcome,
         reason = excluded.reason, settled_at = excluded.settled_at
       WHERE escalation_outcomes.settled_at IS NULL`,
      [now, rows.map((j) => j.escalationId), rows.map((j) => j.outcome), rows.map((j) => j.reason)],
    );
  }

  outcomeRows(since: number): OutcomeRow[] {
    return this.db
      .all(
        `SELECT e.id, e.node_id, e.repo, e.number, e.agent, e.fingerprints, e.started_at,
           e.outcome AS session, e.tokens, o.outcome, o.reason, o.settled_at,
           (SELECT t.model FROM token_events AS t WHERE t.escalation_id = e.id AND t.model IS NOT NULL
            GROUP BY t.model ORDER BY sum(t.total) DESC, t.model COLLATE "C" LIMIT 1) AS model
         FROM escalations AS e LEFT JOIN escalation_outcomes AS o ON o.escalation_id = e.id
         WHERE e.started_at >= $1 ORDER BY e.started_at, e.id`,
        [since],
      )
      .map((r) => ({
        id: r.id as number,
        nodeId: r.node_id as string,
        repo: r.repo as string,
        number: r.number as number,
        agent: r.agent as string,
        model: r.model as string | null,
        fingerprints: JSON.parse(r.fingerprints as string) as string[],
        startedAt: r.started_at as number,
        session: r.session as string,
        tokens: r.tokens as number | null,
        outcome: (r.outcome as Outcome | null) ?? 'pending',
        reason: r.reason as string | null,
        settledAt: r.settled_at as number | null,
      }));
  }

  openEscalations(): Map<string, { id: number; session: string; reason: string | null }> {
    const map = new Map<string, { id: number; session: string; reason: string | null }>();
    for (const r of this.db.all<{
      node_id: string;
      id: number;
      session: string;
      reason: string | null;
    }>(
      `SELECT e.node_id, e.id, e.outcome AS session, o.reason
       FROM escalations AS e LEFT JOIN escalation_outcomes AS o ON o.escalation_id = e.id
       WHERE e.outcome NOT IN ('dry_run', 'refused') AND o.settled_at IS NULL
       ORDER BY e.started_at, e.id`,
    ))
      map.set(r.node_id, { id: r.id, session: r.session, reason: r.reason });
    return map;
  }
}
