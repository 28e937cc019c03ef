import type { FieldChange, StoredPr } from '../../core/pr.js';
import { PR_FIELDS } from '../../core/pr-fields.js';
import type { PrLedger, ScanRunRecord } from '../ports.js';
import { decodePr, toParams } from '../pr-store.js';
import type { PgDb } from './db.js';

/**
 * PRs, their change history and scan runs on PostgreSQL (the SQLite twin: ../pr-store.ts). A
 * scan's writes are a few statements whatever the number of PRs: each of its tables gets one
 * multi-row statement over arrays (`unnest`), as a round trip costs far more than a row.
 */

const COLUMNS = PR_FIELDS.map((f) => f.column);
/** Each column's array type for `unnest`. */
const ARRAY_TYPES = PR_FIELDS.map((f) =>
  f.codec === 'int' ? 'bigint[]' : f.codec === 'bool' ? 'int[]' : 'text[]',
);
/** Every PR column in `PR_FIELDS` order, in the order SQLite's rowids give (see queue-schema). */
const SELECT_PRS = `SELECT ${COLUMNS.join(', ')} FROM prs`;

/** first_seen_at is written once; everything else follows the latest snapshot. */
const UPSERT = `INSERT INTO prs (${COLUMNS.join(', ')})
  SELECT * FROM unnest(${ARRAY_TYPES.map((t, i) => `$${i + 1}::${t}`).join(', ')})
  ON CONFLICT (node_id) DO UPDATE SET ${COLUMNS.filter(
    (c) => c !== 'node_id' && c !== 'first_seen_at',
  )
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

export class PgPrStore implements PrLedger {
  constructor(private readonly db: PgDb) {}

  all(): StoredPr[] {
    return this.read(`${SELECT_PRS} ORDER BY seq`);
  }

  byNodeId(nodeId: string): StoredPr | undefined {
    return this.read(`${SELECT_PRS} WHERE node_id = $1`, [nodeId])[0];
  }

  byNumber(number: number, repo?: string): StoredPr[] {
    return repo === undefined
      ? this.read(`${SELECT_PRS} WHERE number = $1 ORDER BY seq`, [number])
      : this.read(`${SELECT_PRS} WHERE number = $1 AND lower(repo) = lower($2) ORDER BY seq`, [
          number,
          repo,
        ]);
  }

  recordScan(
    run: ScanRunRecord,
    prs: readonly StoredPr[],
    changes: ReadonlyMap<string, FieldChange[]>,
    alsoInTransaction?: (scanId: number) => void,
  ): number {
    return this.db.transaction(() => {
      const scanId = this.db.one<{ id: number }>(
        `INSERT INTO scan_runs (started_at, finished_at, status, requests, points, remaining, reset_at, prs_seen, changes, errors)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          run.startedAt,
          run.finishedAt,
          run.status,
          run.requests,
          run.points,
          run.remaining,
          run.resetAt,
          run.prsSeen,
          run.changes,
          run.errors.length ? JSON.stringify(run.errors) : null,
        ],
      )!.id;
      const written = lastPerSlot(prs);
      if (written.length) {
        // A PR moved or renumbered (repo transfer) must not collide with a stale row.
        this.db.run(
          `DELETE FROM prs AS p USING unnest($1::text[], $2::int[], $3::text[]) AS s(repo, number, node_id)
           WHERE p.repo = s.repo AND p.number = s.number AND p.node_id <> s.node_id`,
          [written.map((p) => p.repo), written.map((p) => p.number), written.map((p) => p.nodeId)],
        );
        const rows = written.map(toParams);
        this.db.run(
          UPSERT,
          COLUMNS.map((c) => rows.map((r) => r[c])),
        );
      }
      const changed = prs.flatMap((pr) =>
        (changes.get(pr.nodeId) ?? []).map((c) => ({ nodeId: pr.nodeId, ...c })),
      );
      if (changed.length)
        this.db.run(
          `INSERT INTO pr_changes (scan_id, node_id, at, field, old_value, new_value)
           SELECT $1, c.node_id, $2, c.field, c.old_value, c.new_value
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS c(node_id, field, old_value, new_value)`,
          [
            scanId,
            run.finishedAt,
            changed.map((c) => c.nodeId),
            changed.map((c) => c.field),
            changed.map((c) => c.from),
            changed.map((c) => c.to),
          ],
        );
      alsoInTransaction?.(scanId);
      return scanId;
    });
  }

  lastScan(): { started_at: number; finished_at: number; status: string } | undefined {
    return this.db.one(`SELECT * FROM scan_runs ORDER BY id DESC LIMIT 1`);
  }

  private read(sql: string, params?: readonly unknown[]): StoredPr[] {
    return this.db.all(sql, params).map((row) => decodePr(Object.values(row)));
  }
}

/**
 * The PRs one multi-row upsert writes, as SQLite's row-by-row loop leaves them: a node id written
 * twice keeps its last snapshot, and a slot (repo and number) taken twice keeps its last PR.
 */
function lastPerSlot(prs: readonly StoredPr[]): StoredPr[] {
  const byNode = new Map<string, StoredPr>();
  for (const pr of prs) {
    byNode.delete(pr.nodeId);
    byNode.set(pr.nodeId, pr);
  }
  const bySlot = new Map<string, StoredPr>();
  for (const pr of byNode.values()) {
    const slot = `${pr.repo}\n${pr.number}`;
    bySlot.delete(slot);
    bySlot.set(slot, pr);
  }
  return [...bySlot.values()];
}
