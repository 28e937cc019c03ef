import type { Db } from './open.js';
import {
  emptyHistory,
  type CandidateRecord,
  type ControlRecord,
  type FieldChangeRecord,
  type JudgedHistory,
  type PermissionBoundary,
  type PrHistory,
} from '../core/history.js';
import type {
  Escalation,
  SuppressionReason,
  Verdict,
  VerdictRecord,
  VerdictTrail,
} from '../core/verdict.js';
import type { RulesLedger, StoredVerdict } from './ports.js';
import type { Outcome, OutcomeRecord } from '../core/outcome.js';
import type { SessionWork } from '../core/actions.js';

/** All SQL for verdicts, signal candidates, radar's own actions and a PR's typed history. */

type Row = Record<string, unknown>;

export const escalationFromRow = (r: Row): Escalation => ({
  id: r.id as number,
  nodeId: r.node_id as string,
  repo: r.repo as string,
  number: r.number as number,
  fingerprints: JSON.parse(r.fingerprints as string) as string[],
  agent: r.agent as string,
  argv: JSON.parse(r.argv as string) as string[],
  startedAt: r.started_at as number,
  endedAt: r.ended_at as number | null,
  exitCode: r.exit_code as number | null,
  outcome: r.outcome as Escalation['outcome'],
  sessionId: r.session_id as string | null,
  tokens: r.tokens as number | null,
  runLog: r.run_log as string | null,
  headSha: r.head_sha as string | null,
  reason: r.reason as string | null,
  work: typeof r.work === 'string' ? (JSON.parse(r.work) as SessionWork) : null,
});

export const boundaryFromRow = (r: Row): PermissionBoundary => ({
  repo: r.repo as string,
  action: r.action as string,
  deniedAt: r.denied_at as number,
  status: r.status as number,
  message: r.message as string | null,
});

export const candidateFromRow = (r: Row): CandidateRecord => ({
  fingerprint: r.fingerprint as string,
  kind: r.kind as string,
  firstSeenAt: r.first_seen_at as number,
  lastSeenAt: r.last_seen_at as number,
  seenCount: r.seen_count as number,
  clearedAt: r.cleared_at as number | null,
  actedAt: r.acted_at as number | null,
  escalationId: r.escalation_id as number | null,
  suppressed: r.suppressed as SuppressionReason | null,
});

/**
 * A verdict row with the latest judging scan beside it (`judged_scan`, `judged_at`: null when the
 * row was written after it). Every scan judges every PR, but rewrites only the verdicts that
 * changed: the scan and time a verdict was last judged are that scan's when it is the newer.
 */
const SELECT_VERDICTS = `SELECT v.*, judged.id AS judged_scan, judged.judged_at FROM verdicts AS v
  ${judgedJoin('v')}`;

/**
 * The latest judging scan (`judged`: id, judged_at) beside each verdict row `alias` written
 * before it; PostgreSQL rewrites every verdict each scan instead, so a copy into it takes the
 * verdict's scan and time from here.
 */
export function judgedJoin(alias: string): string {
  return `LEFT JOIN (SELECT id, judged_at FROM scan_runs WHERE judged_at IS NOT NULL ORDER BY id DESC LIMIT 1)
    AS judged ON judged.judged_at > ${alias}.evaluated_at`;
}

export const controlFromRow = (r: Row): ControlRecord => ({
  at: r.at as number,
  action: r.action as ControlRecord['action'],
  by: r.by as ControlRecord['by'],
  reason: r.reason as string | null,
});

export const outcomeFromRow = (r: Row): OutcomeRecord => ({
  escalationId: r.escalation_id as number,
  outcome: r.outcome as Outcome,
  reason: r.reason as string,
  firstJudgedAt: r.first_judged_at as number,
  settledAt: r.settled_at as number | null,
});

export const verdictFromRow = (r: Row): StoredVerdict => ({
  nodeId: r.node_id as string,
  scanId: (r.judged_scan ?? r.scan_id) as number | null,
  evaluatedAt: (r.judged_at ?? r.evaluated_at) as number,
  tier: r.tier as Verdict['tier'],
  score: r.score as number,
  route: r.route as Verdict['route'],
  signals: JSON.parse(r.signals as string) as Verdict['signals'],
  pending: JSON.parse(r.pending as string) as string[],
  reasons: JSON.parse(r.reasons as string) as string[],
  suppressed: r.suppressed as Verdict['suppressed'],
  recommendation: r.recommendation as Verdict['recommendation'],
});

/** The part of a history both reads fill in the same way. */
type Decisions = Pick<PrHistory, 'controls' | 'escalations' | 'outcomes' | 'tokens'>;

/** A `JudgedHistory` being read (its lists still growing). */
interface Judging extends Decisions {
  pushes: Pick<FieldChangeRecord, 'at'>[];
  reviewChanges: Pick<FieldChangeRecord, 'at' | 'to'>[];
  candidates: Pick<CandidateRecord, 'fingerprint' | 'kind' | 'clearedAt' | 'actedAt'>[];
}

/** A PR's history in `map`, made empty on its first row. */
export function historyOf<H>(map: Map<string, H>, empty: () => H): (nodeId: string) => H {
  return (nodeId) => {
    let h = map.get(nodeId);
    if (!h) map.set(nodeId, (h = empty()));
    return h;
  };
}

export class RulesStore implements RulesLedger {
  constructor(private readonly db: Db) {}

  /**
   * Every PR's history in a few set-based reads (or one PR's): pushes and review decisions from
   * `pr_changes`, candidates, controls, escalations, and the tokens of its escalations.
   */
  histories(nodeId?: string): Map<string, PrHistory> {
    const where = nodeId === undefined ? '' : ' AND node_id = @nodeId';
    const params = nodeId === undefined ? {} : { nodeId };
    const map = new Map<string, PrHistory>();
    const of = historyOf(map, emptyHistory);
    // The two biggest reads come as arrays (no object per row from the driver), in the order of
    // their index: one PR's rows come together (no sort, and a history is looked up once per PR,
    // not once per row), each PR's changes of a field in time order. Rows are read one at a time:
    // each dies young, where a list of all of them would outlive collections that copy it.
    const changes = this.db
      .prepare(
        `SELECT node_id, at, field, old_value, new_value FROM pr_changes
         WHERE field IN ('headSha', 'review')${where} ORDER BY field, node_id, at, id`,
      )
      .raw(true)
      .iterate(params) as IterableIterator<[string, number, string, string | null, string | null]>;
    let list: FieldChangeRecord[] = [];
    let listOf = '';
    let listField = '';
    // Indexed, not destructured: destructuring a row goes through the array iterator (a fifth
    // more CPU for 30,000 rows).
    for (const row of changes) {
      const id = row[0];
      const field = row[2];
      if (id !== listOf || field !== listField) {
        const h = of(id);
        list = field === 'headSha' ? h.pushes : h.reviewChanges;
        listOf = id;
        listField = field;
      }
      list.push({ at: row[1], field: listField, from: row[3], to: row[4] });
    }
    const candidates = this.db
      .prepare(
        `SELECT node_id, fingerprint, kind, first_seen_at, last_seen_at, seen_count, cleared_at,
           acted_at, escalation_id, suppressed FROM signal_candidates WHERE 1 = 1${where}`,
      )
      .raw(true)
      .iterate(params) as IterableIterator<
      [
        string,
        string,
        string,
        number,
        number,
        number,
        number | null,
        number | null,
        number | null,
        SuppressionReason | null,
      ]
    >;
    let seenOf = '';
    let seen: CandidateRecord[] = [];
    for (const row of candidates) {
      if (row[0] !== seenOf) {
        seenOf = row[0];
        seen = of(seenOf).candidates;
      }
      seen.push({
        fingerprint: row[1],
        kind: row[2],
        firstSeenAt: row[3],
        lastSeenAt: row[4],
        seenCount: row[5],
        clearedAt: row[6],
        actedAt: row[7],
        escalationId: row[8],
        suppressed: row[9],
      });
    }
    this.readDecisions(of, where, params);
    return map;
  }

  /**
   * `histories()` narrowed to what judging reads: a push's time (read from the `pr_changes_field`
   * index alone), a review change's time and decision, a candidate's fingerprint, kind and
   * whether it cleared or was acted on. Half the values of the full read for the same rows.
   */
  judgedHistories(): Map<string, JudgedHistory> {
    const map = new Map<string, Judging>();
    // Empty lists (of any records), in the shape every history has.
    const of = historyOf<Judging>(map, emptyHistory);
    // One PR's rows come together (the order of their index): its list is looked up once.
    let listOf = '';
    let pushes: Judging['pushes'] = [];
    for (const row of this.db
      .prepare(
        `SELECT node_id, at FROM pr_changes WHERE field = 'headSha' ORDER BY field, node_id, at, id`,
      )
      .raw(true)
      .iterate() as IterableIterator<[string, number]>) {
      if (row[0] !== listOf) pushes = of((listOf = row[0])).pushes;
      pushes.push({ at: row[1] });
    }
    for (const row of this.db
      .prepare(
        `SELECT node_id, at, new_value FROM pr_changes WHERE field = 'review'
         ORDER BY field, node_id, at, id`,
      )
      .raw(true)
      .iterate() as IterableIterator<[string, number, string | null]>)
      of(row[0]).reviewChanges.push({ at: row[1], to: row[2] });
    listOf = '';
    let candidates: Judging['candidates'] = [];
    for (const row of this.db
      .prepare(
        `SELECT node_id, fingerprint, kind, cleared_at, acted_at FROM signal_candidates
         ORDER BY node_id, fingerprint`,
      )
      .raw(true)
      .iterate() as IterableIterator<[string, string, string, number | null, number | null]>) {
      if (row[0] !== listOf) candidates = of((listOf = row[0])).candidates;
      candidates.push({ fingerprint: row[1], kind: row[2], clearedAt: row[3], actedAt: row[4] });
    }
    this.readDecisions(of, '', {});
    return map;
  }

  /** Controls, escalations with their tokens, and outcomes, into each PR's history. */
  private readDecisions(
    of: (nodeId: string) => Decisions,
    where: string,
    params: Record<string, unknown>,
  ): void {
    for (const r of this.db
      .prepare(`SELECT * FROM pr_controls WHERE 1 = 1${where} ORDER BY at, id`)
      .all(params) as Row[])
      of(r.node_id as string).controls.push(controlFromRow(r));
    for (const r of this.db
      .prepare(`SELECT * FROM escalations WHERE 1 = 1${where} ORDER BY started_at, id`)
      .all(params) as Row[]) {
      const h = of(r.node_id as string);
      const e = escalationFromRow(r);
      h.escalations.push(e);
      h.tokens += e.tokens ?? 0;
    }
    for (const r of this.db
      .prepare(
        `SELECT o.*, e.node_id FROM escalation_outcomes AS o JOIN escalations AS e ON e.id = o.escalation_id
         WHERE 1 = 1${where.replace('node_id', 'e.node_id')} ORDER BY o.escalation_id`,
      )
      .all(params) as Row[])
      of(r.node_id as string).outcomes.push(outcomeFromRow(r));
  }

  /** Candidates seen and escalations started since a time, for the funnel. */
  funnelRows(since: number): {
    candidates: (CandidateRecord & { nodeId: string })[];
    escalations: Escalation[];
  } {
    return {
      candidates: (
        this.db
          .prepare(`SELECT * FROM signal_candidates WHERE last_seen_at >= ?`)
          .all(since) as Row[]
      ).map((r) => ({ ...candidateFromRow(r), nodeId: r.node_id as string })),
      escalations: (
        this.db
          .prepare(`SELECT * FROM escalations WHERE started_at >= ? ORDER BY started_at, id`)
          .all(since) as Row[]
      ).map(escalationFromRow),
    };
  }

  permissions(): PermissionBoundary[] {
    return (
      this.db.prepare(`SELECT * FROM permission_boundaries ORDER BY repo, action`).all() as Row[]
    ).map(boundaryFromRow);
  }

  /** Forgets the denied writes of a repository (`radar resume --permissions`); how many. */
  clearPermissions(repo: string): number {
    return this.db
      .prepare(`DELETE FROM permission_boundaries WHERE lower(repo) = lower(?)`)
      .run(repo).changes;
  }

  verdicts(): Map<string, StoredVerdict> {
    return new Map(
      (this.db.prepare(SELECT_VERDICTS).all() as Row[]).map((r) => {
        const v = verdictFromRow(r);
        return [v.nodeId, v] as const;
      }),
    );
  }

  /** Tier, route and signal fingerprints only: no reasons, pending list or signal details. */
  trails(): Map<string, VerdictTrail> {
    const map = new Map<string, VerdictTrail>();
    const rows = this.db
      .prepare(`SELECT node_id, tier, route, fingerprints FROM verdicts`)
      .raw(true)
      .iterate() as IterableIterator<[string, Verdict['tier'], Verdict['route'], string]>;
    for (const row of rows) {
      const fingerprints = row[3];
      map.set(row[0], {
        tier: row[1],
        route: row[2],
        signals:
          fingerprints === '[]'
            ? []
            : (JSON.parse(fingerprints) as string[]).map((fingerprint) => ({ fingerprint })),
      });
    }
    return map;
  }

  verdict(nodeId: string): StoredVerdict | undefined {
    const r = this.db.prepare(`${SELECT_VERDICTS} WHERE v.node_id = ?`).get(nodeId) as
      Row | undefined;
    return r ? verdictFromRow(r) : undefined;
  }

  addControl(nodeId: string, control: ControlRecord): void {
    this.db
      .prepare(`INSERT INTO pr_controls (node_id, at, action, by, reason) VALUES (?, ?, ?, ?, ?)`)
      .run(nodeId, control.at, control.action, control.by, control.reason);
  }

  /**
   * Records verdicts with their scan (call inside its transaction): the verdict rows, a history
   * line when tier, route or the set of signals changes, the candidates seen and cleared, and
   * stop-loss stops. `previous` is what the caller judged against (read once, not again here).
   * A scan marks itself as judged and rewrites only the verdicts that differ from their row; a
   * verdict recorded outside a scan (a stop, a resume) is written with its time whatever it is.
   */
  recordVerdicts(scanId: number | null, now: number, records: readonly VerdictRecord[]): void {
    const upsertVerdict = this.db.prepare(
      `INSERT INTO verdicts (node_id, scan_id, evaluated_at, tier, score, route, signals, fingerprints, pending, reasons, suppressed, recommendation)
       VALUES (@nodeId, @scanId, @now, @tier, @score, @route, @signals, @fingerprints, @pending, @reasons, @suppressed, @recommendation)
       ON CONFLICT(node_id) DO UPDATE SET scan_id = excluded.scan_id, evaluated_at = excluded.evaluated_at,
         tier = excluded.tier, score = excluded.score, route = excluded.route, signals = excluded.signals,
         fingerprints = excluded.fingerprints,
         pending = excluded.pending, reasons = excluded.reasons, suppressed = excluded.suppressed,
         recommendation = excluded.recommendation
       ${
         scanId === null
           ? ''
           : `WHERE (tier, score, route, signals, pending, reasons, suppressed, recommendation)
                IS NOT (excluded.tier, excluded.score, excluded.route, excluded.signals, excluded.pending,
                  excluded.reasons, excluded.suppressed, excluded.recommendation)`
       }`,
    );
    const judged = this.db.prepare(`UPDATE scan_runs SET judged_at = ? WHERE id = ?`);
    const insertChange = this.db.prepare(
      `INSERT INTO pr_changes (scan_id, node_id, at, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const seen = this.db.prepare(
      `INSERT INTO signal_candidates (node_id, fingerprint, kind, first_seen_at, last_seen_at, seen_count, suppressed)
       VALUES (@nodeId, @fingerprint, @kind, @now, @now, 1, @suppressed)
       ON CONFLICT (node_id, fingerprint) DO UPDATE SET last_seen_at = @now, seen_count = seen_count + 1,
         cleared_at = NULL, suppressed = CASE WHEN acted_at IS NULL THEN @suppressed ELSE suppressed END`,
    );
    const cleared = this.db.prepare(
      `UPDATE signal_candidates SET cleared_at = ? WHERE node_id = ? AND fingerprint = ? AND cleared_at IS NULL`,
    );
    const run = () => {
      if (scanId !== null) judged.run(now, scanId);
      for (const rec of records) {
        const v = rec.verdict;
        upsertVerdict.run({
          nodeId: rec.nodeId,
          scanId,
          now,
          tier: v.tier,
          score: v.score,
          route: v.route,
          signals: JSON.stringify(v.signals),
          fingerprints: JSON.stringify(v.signals.map((s) => s.fingerprint)),
          pending: JSON.stringify(v.pending),
          reasons: JSON.stringify(v.reasons),
          suppressed: v.suppressed,
          recommendation: v.recommendation,
        });
        for (const c of rec.changes)
          insertChange.run(scanId, rec.nodeId, now, c.field, c.from, c.to);
        for (const c of rec.candidates.seen)
          seen.run({
            nodeId: rec.nodeId,
            now,
            fingerprint: c.fingerprint,
            kind: c.kind,
            suppressed: c.suppressed,
          });
        for (const fp of rec.candidates.cleared) cleared.run(now, rec.nodeId, fp);
        if (rec.stopNow)
          this.addControl(rec.nodeId, {
            at: now,
            action: 'stop',
            by: 'stop-loss',
            reason: rec.stopNow,
          });
      }
    };
    if (this.db.inTransaction) run();
    else this.db.transaction(run)();
  }
}
