import type { Db } from './open.js';
import type { ActionRecord } from '../core/actions.js';
import type { Outcome, OutcomeRow, OutcomeWrite } from '../core/outcome.js';
import type { OutcomeLedger } from './ports.js';

/** All SQL for escalation outcomes: the actions they wait on, the judgements, the report rows. */

type Row = Record<string, unknown>;

/** A report row from a row of the outcome rows' query (either engine's). */
export const outcomeRowFromRow = (r: Row): OutcomeRow => ({
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
});

export class OutcomeStore implements OutcomeLedger {
  constructor(private readonly db: Db) {}

  /** The queued actions of every escalation not settled yet, by escalation. */
  unsettledActions(): Map<number, ActionRecord[]> {
    const map = new Map<number, ActionRecord[]>();
    const rows = this.db
      .prepare(
        `SELECT a.id, a.action, a.status, a.escalation_id, a.created_at, a.decided_at
         FROM approvals AS a LEFT JOIN escalation_outcomes AS o ON o.escalation_id = a.escalation_id
         WHERE a.escalation_id IS NOT NULL AND o.settled_at IS NULL ORDER BY a.id`,
      )
      .all() as Row[];
    for (const r of rows) {
      const id = r.escalation_id as number;
      map.set(id, [
        ...(map.get(id) ?? []),
        {
          id: r.id as number,
          kind: r.action as ActionRecord['kind'],
          state: r.status as ActionRecord['state'],
          escalationId: id,
          createdAt: r.created_at as number,
          decidedAt: r.decided_at as number | null,
        },
      ]);
    }
    return map;
  }

  /**
   * Records judgements (call inside the scan's unit of work): a settled outcome is final, so a
   * row already settled is never rewritten; a pending one keeps when it was first judged.
   */
  recordOutcomes(now: number, judgements: readonly OutcomeWrite[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO escalation_outcomes (escalation_id, outcome, reason, first_judged_at, settled_at)
       VALUES (@id, @outcome, @reason, @now, @settledAt)
       ON CONFLICT (escalation_id) DO UPDATE SET outcome = excluded.outcome,
         reason = excluded.reason, settled_at = excluded.settled_at
       WHERE escalation_outcomes.settled_at IS NULL`,
    );
    const run = () => {
      for (const j of judgements)
        upsert.run({
          id: j.escalationId,
          outcome: j.outcome,
          reason: j.reason,
          now,
          settledAt: j.outcome === 'pending' ? null : now,
        });
    };
    if (this.db.inTransaction) run();
    else this.db.transaction(run)();
  }

  /** Escalations started at or after `since`, with their outcome and the model of their tokens. */
  outcomeRows(since: number): OutcomeRow[] {
    return (
      this.db
        .prepare(
          `SELECT e.id, e.node_id, e.repo, e.number, e.agent, e.fingerprints, e.started_at,
             e.outcome AS session, e.tokens, o.outcome, o.reason, o.settled_at,
             (SELECT t.model FROM token_events AS t WHERE t.escalation_id = e.id AND t.model IS NOT NULL
              GROUP BY t.model ORDER BY sum(t.total) DESC, t.model LIMIT 1) AS model
           FROM escalations AS e LEFT JOIN escalation_outcomes AS o ON o.escalation_id = e.id
           WHERE e.started_at >= ? ORDER BY e.started_at, e.id`,
        )
        .all(since) as Row[]
    ).map(outcomeRowFromRow);
  }

  /**
   * Per PR, its newest session whose outcome is not settled: how the session stands and what the
   * last scan said it waits for (null: no scan judged it yet).
   */
  openEscalations(): Map<string, { id: number; session: string; reason: string | null }> {
    const map = new Map<string, { id: number; session: string; reason: string | null }>();
    const rows = this.db
      .prepare(
        `SELECT e.node_id, e.id, e.outcome AS session, o.reason
         FROM escalations AS e LEFT JOIN escalation_outcomes AS o ON o.escalation_id = e.id
         WHERE e.outcome NOT IN ('dry_run', 'refused') AND o.settled_at IS NULL
         ORDER BY e.started_at, e.id`,
      )
      .raw(true)
      .all() as [string, number, string, string | null][];
    for (const [nodeId, id, session, reason] of rows) map.set(nodeId, { id, session, reason });
    return map;
  }
}
