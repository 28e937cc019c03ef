import {
  emptyHistory,
  type CandidateRecord,
  type ControlRecord,
  type FieldChangeRecord,
  type JudgedHistory,
  type PermissionBoundary,
  type PrHistory,
} from '../../core/history.js';
import type {
  Escalation,
  SuppressionReason,
  Verdict,
  VerdictRecord,
  VerdictTrail,
} from '../../core/verdict.js';
import type { RulesLedger, StoredVerdict } from '../ports.js';
import {
  boundaryFromRow,
  candidateFromRow,
  controlFromRow,
  outcomeFromRow,
  escalationFromRow,
  historyOf,
  verdictFromRow,
} from '../rules-store.js';
import type { PgDb } from './db.js';
import { insertChanges } from './pr-store.js';

/**
 * Verdicts, signal candidates, controls and a PR's typed history on PostgreSQL (the SQLite twin:
 * ../rules-store.ts). Reads keep SQLite's order: text keys sort bytewise (`COLLATE "C"`, as
 * SQLite's BINARY), and rows without a key in the order they were first written (`seq`). A
 * scan's verdicts are written with one statement per table, whatever the number of PRs.
 */

/** Text sorted as SQLite sorts it (by bytes), whatever the database's collation. */
const C = 'COLLATE "C"';

export class PgRulesStore implements RulesLedger {
  constructor(private readonly db: PgDb) {}

  histories(nodeId?: string): Map<string, PrHistory> {
    const where = nodeId === undefined ? '' : ' AND node_id = $1';
    const params = nodeId === undefined ? [] : [nodeId];
    const map = new Map<string, PrHistory>();
    const of = historyOf(map, emptyHistory);
    for (const r of this.db.all<{
      node_id: string;
      at: number;
      field: string;
      old_value: string | null;
      new_value: string | null;
    }>(
      `SELECT node_id, at, field, old_value, new_value FROM pr_changes
       WHERE field IN ('headSha', 'review')${where} ORDER BY field ${C}, node_id ${C}, at, id`,
      params,
    )) {
      const h = of(r.node_id);
      (r.field === 'headSha' ? h.pushes : h.reviewChanges).push({
        at: r.at,
        field: r.field,
        from: r.old_value,
        to: r.new_value,
      } satisfies FieldChangeRecord);
    }
    for (const r of this.db.all(
      `SELECT node_id, fingerprint, kind, first_seen_at, last_seen_at, seen_count, cleared_at,
         acted_at, escalation_id, suppressed FROM signal_candidates WHERE true${where}
       ORDER BY node_id ${C}, fingerprint ${C}`,
      params,
    ))
      of(r.node_id as string).candidates.push(candidateFromRow(r));
    for (const r of this.db.all(
      `SELECT * FROM pr_controls WHERE true${where} ORDER BY at, id`,
      params,
    ))
      of(r.node_id as string).controls.push(controlFromRow(r));
    for (const r of this.db.all(
      `SELECT * FROM escalations WHERE true${where} ORDER BY started_at, id`,
      params,
    )) {
      const h = of(r.node_id as string);
      const e = escalationFromRow(r);
      h.escalations.push(e);
      h.tokens += e.tokens ?? 0;
    }
    for (const r of this.db.all(
      `SELECT o.*, e.node_id FROM escalation_outcomes AS o JOIN escalations AS e ON e.id = o.escalation_id
       WHERE true${where.replace('node_id', 'e.node_id')} ORDER BY o.escalation_id`,
      params,
    ))
      of(r.node_id as string).outcomes.push(outcomeFromRow(r));
    return map;
  }

  /**
   * What judging reads of every PR's history: here the whole history, which holds it (the
   * PostgreSQL reads are one round trip per table whatever their width).
   */
  judgedHistories(): Map<string, JudgedHistory> {
    return this.histories();
  }

  funnelRows(since: number): {
    candidates: (CandidateRecord & { nodeId: string })[];
    escalations: Escalation[];
  } {
    return {
      candidates: this.db
        .all(
          `SELECT * FROM signal_candidates WHERE last_seen_at >= $1
           ORDER BY node_id ${C}, fingerprint ${C}`,
          [since],
        )
        .map((r) => ({ ...candidateFromRow(r), nodeId: r.node_id as string })),
      escalations: this.db
        .all(`SELECT * FROM escalations WHERE started_at >= $1 ORDER BY started_at, id`, [since])
        .map(escalationFromRow),
    };
  }

  permissions(): PermissionBoundary[] {
    return this.db
      .all(`SELECT * FROM permission_boundaries ORDER BY repo ${C}, action ${C}`)
      .map(boundaryFromRow);
  }

  clearPermissions(repo: string): number {
    return this.db.run(`DELETE FROM permission_boundaries WHERE lower(repo) = lower($1)`, [repo])
      .rowCount;
  }

  verdicts(): Map<string, StoredVerdict> {
    return new Map(
      this.db.all(`SELECT * FROM verdicts ORDER BY seq`).map((r) => {
        const v = verdictFromRow(r);
        return [v.nodeId, v] as const;
      }),
    );
  }

  trails(): Map<string, VerdictTrail> {
    const map = new Map<string, VerdictTrail>();
    for (const r of this.db.all<{
      node_id: string;
      tier: Verdict['tier'];
      route: Verdict['route'];
      fingerprints: string;
    }>(`SELECT node_id, tier, route, fingerprints FROM verdicts ORDER BY seq`))
      map.set(r.node_id, {
        tier: r.tier,
        route: r.route,
        signals:
          r.fingerprints === '[]'
            ? []
            : (JSON.parse(r.fingerprints) as string[]).map((fingerprint) => ({ fingerprint })),
      });
    return map;
  }

  verdict(nodeId: string): StoredVerdict | undefined {
    const r = this.db.one(`SELECT * FROM verdicts WHERE node_id = $1`, [nodeId]);
    return r ? verdictFromRow(r) : undefined;
  }

  addControl(nodeId: string, control: ControlRecord): void {
    this.db.run(
      `INSERT INTO pr_controls (node_id, at, action, by, reason) VALUES ($1, $2, $3, $4, $5)`,
      [nodeId, control.at, control.action, control.by, control.reason],
    );
  }

  /**
   * Records verdicts with their scan (inside its unit of work): the verdict rows, their history
   * lines, the candidates seen and cleared, and stop-loss stops, one statement per table. The
   * rows end as SQLite's record-by-record loop leaves them (a PR recorded twice keeps its last
   * verdict; a candidate seen twice counts twice).
   */
  recordVerdicts(scanId: number | null, now: number, records: readonly VerdictRecord[]): void {
    if (records.length === 0) return;
    const run = () => {
      const verdicts = new Map<string, Verdict>();
      for (const rec of records) verdicts.set(rec.nodeId, rec.verdict);
      const ids = [...verdicts.keys()];
      const vs = [...verdicts.values()];
      this.db.run(
        `INSERT INTO verdicts (node_id, scan_id, evaluated_at, tier, score, route, signals, fingerprints, pending, reasons, suppressed, recommendation)
         SELECT v.node_id, $1, $2, v.tier, v.score, v.route, v.signals, v.fingerprints, v.pending, v.reasons, v.suppressed, v.recommendation
         FROM unnest($3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           AS v(node_id, tier, score, route, signals, fingerprints, pending, reasons, suppressed, recommendation)
         ON CONFLICT (node_id) DO UPDATE SET scan_id = excluded.scan_id, evaluated_at = excluded.evaluated_at,
           tier = excluded.tier, score = excluded.score, route = excluded.route, signals = excluded.signals,
           fingerprints = excluded.fingerprints, pending = excluded.pending, reasons = excluded.reasons,
           suppressed = excluded.suppressed, recommendation = excluded.recommendation`,
        [
          scanId,
          now,
          ids,
          vs.map((v) => v.tier),
          vs.map((v) => v.score),
          vs.map((v) => v.route),
          vs.map((v) => JSON.stringify(v.signals)),
          vs.map((v) => JSON.stringify(v.signals.map((s) => s.fingerprint))),
          vs.map((v) => JSON.stringify(v.pending)),
          vs.map((v) => JSON.stringify(v.reasons)),
          vs.map((v) => v.suppressed),
          vs.map((v) => v.recommendation),
        ],
      );
      insertChanges(
        this.db,
        scanId,
        now,
        records.flatMap((rec) => rec.changes.map((c) => ({ nodeId: rec.nodeId, ...c }))),
      );
      this.seen(records, now);
      const cleared = records.flatMap((rec) =>
        rec.candidates.cleared.map((fp) => ({ id: rec.nodeId, fp })),
      );
      if (cleared.length)
        this.db.run(
          `UPDATE signal_candidates AS s SET cleared_at = $1
           FROM unnest($2::text[], $3::text[]) AS c(node_id, fingerprint)
           WHERE s.node_id = c.node_id AND s.fingerprint = c.fingerprint AND s.cleared_at IS NULL`,
          [now, cleared.map((c) => c.id), cleared.map((c) => c.fp)],
        );
      const stops = records.filter((rec) => rec.stopNow);
      if (stops.length)
        this.db.run(
          `INSERT INTO pr_controls (node_id, at, action, by, reason)
           SELECT s.node_id, $1, 'stop', 'stop-loss', s.reason
           FROM unnest($2::text[], $3::text[]) AS s(node_id, reason)`,
          [now, stops.map((rec) => rec.nodeId), stops.map((rec) => rec.stopNow)],
        );
    };
    if (this.db.inTransaction) run();
    else this.db.transaction(run);
  }

  /**
   * The candidates the records saw: new ones inserted, known ones seen again (and no longer
   * cleared; their suppression follows this judgement until one was acted on).
   */
  private seen(records: readonly VerdictRecord[], now: number): void {
    const seen = new Map<
      string,
      { id: string; fp: string; kind: string; suppressed: SuppressionReason | null; n: number }
    >();
    for (const rec of records)
      for (const c of rec.candidates.seen) {
        const key = `${rec.nodeId}\n${c.fingerprint}`;
        const known = seen.get(key);
        if (known) {
          known.n++;
          known.suppressed = c.suppressed;
        } else
          seen.set(key, {
            id: rec.nodeId,
            fp: c.fingerprint,
            kind: c.kind,
            suppressed: c.suppressed,
            n: 1,
          });
      }
    if (seen.size === 0) return;
    const rows = [...seen.values()];
    this.db.run(
      `INSERT INTO signal_candidates (node_id, fingerprint, kind, first_seen_at, last_seen_at, seen_count, suppressed)
       SELECT c.node_id, c.fingerprint, c.kind, $1, $1, c.n, c.suppressed
       FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS c(node_id, fingerprint, kind, n, suppressed)
       ON CONFLICT (node_id, fingerprint) DO UPDATE SET last_seen_at = excluded.last_seen_at,
         seen_count = signal_candidates.seen_count + excluded.seen_count, cleared_at = NULL,
         suppressed = CASE WHEN signal_candidates.acted_at IS NULL THEN excluded.suppressed
           ELSE signal_candidates.suppressed END`,
      [
        now,
        rows.map((r) => r.id),
        rows.map((r) => r.fp),
        rows.map((r) => r.kind),
        rows.map((r) => r.n),
        rows.map((r) => r.suppressed),
      ],
    );
  }
}
