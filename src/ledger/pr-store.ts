import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';
import type { FieldChange, StoredPr } from '../core/pr.js';
import type { PrLedger, ScanRunRecord } from './ports.js';
import { PR_FIELDS } from '../core/pr-fields.js';

/** All SQL for PRs, their change history and scan runs. Columns follow `PR_FIELDS`. */

type Row = Record<string, unknown>;

/** A JSON column: most hold an empty list, which needs no parser. */
const json = (v: string): unknown => (v === '[]' ? [] : JSON.parse(v));

function decode(f: (typeof PR_FIELDS)[number], v: unknown): unknown {
  if (v === null || v === undefined) return f.codec === 'json' ? [] : null;
  return f.codec === 'bool' ? v === 1 : f.codec === 'json' ? json(v as string) : v;
}

function fromRow(row: Row): StoredPr {
  const pr: Record<string, unknown> = { archived: false };
  for (const f of PR_FIELDS) pr[f.key] = decode(f, row[f.column]);
  return pr as unknown as StoredPr;
}

/**
 * Every row of a `SELECT * FROM prs …` statement, read as arrays (no object per row from the
 * driver) and decoded by column position: the scan and the rules read the whole queue.
 */
function readAll(statement: Statement, ...params: unknown[]): StoredPr[] {
  const names = statement.columns().map((c) => c.name);
  const at = PR_FIELDS.map((f) => names.indexOf(f.column));
  return (statement.raw(true).all(...params) as unknown[][]).map((row) => {
    const pr: Record<string, unknown> = { archived: false };
    for (let i = 0; i < PR_FIELDS.length; i++) {
      const f = PR_FIELDS[i]!;
      pr[f.key] = decode(f, at[i]! < 0 ? undefined : row[at[i]!]);
    }
    return pr as unknown as StoredPr;
  });
}

function toParams(pr: StoredPr): Row {
  const row: Row = {};
  for (const f of PR_FIELDS) {
    const v = pr[f.key as keyof StoredPr];
    row[f.column] =
      v === undefined || v === null
        ? null
        : f.codec === 'bool'
          ? v
            ? 1
            : 0
          : f.codec === 'json'
            ? JSON.stringify(v)
            : v;
  }
  return row;
}

const COLUMNS = PR_FIELDS.map((f) => f.column);
/** first_seen_at is written once; everything else follows the latest snapshot. */
const UPSERT = `INSERT INTO prs (${COLUMNS.join(', ')})
  VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
  ON CONFLICT(node_id) DO UPDATE SET ${COLUMNS.filter(
    (c) => c !== 'node_id' && c !== 'first_seen_at',
  )
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

export class PrStore implements PrLedger {
  constructor(private readonly db: Db) {}

  all(): StoredPr[] {
    return readAll(this.db.prepare(`SELECT * FROM prs`));
  }

  byNodeId(nodeId: string): StoredPr | undefined {
    const row = this.db.prepare(`SELECT * FROM prs WHERE node_id = ?`).get(nodeId) as
      Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** PRs with this number (in any repo, or in `repo` when given; case-insensitive). */
  byNumber(number: number, repo?: string): StoredPr[] {
    return repo === undefined
      ? readAll(this.db.prepare(`SELECT * FROM prs WHERE number = ?`), number)
      : readAll(
          this.db.prepare(`SELECT * FROM prs WHERE number = ? AND lower(repo) = lower(?)`),
          number,
          repo,
        );
  }

  /**
   * Writes a scan in one transaction: the run, the PRs that differ, their changes, and whatever
   * else the scan decided (`alsoInTransaction`: verdicts), so a crash leaves all or nothing.
   */
  recordScan(
    run: ScanRunRecord,
    prs: readonly StoredPr[],
    changes: ReadonlyMap<string, FieldChange[]>,
    alsoInTransaction?: (scanId: number) => void,
  ): number {
    const insertRun = this.db.prepare(
      `INSERT INTO scan_runs (started_at, finished_at, status, requests, points, remaining, reset_at, prs_seen, changes, errors)
       VALUES (@startedAt, @finishedAt, @status, @requests, @points, @remaining, @resetAt, @prsSeen, @changes, @errors)`,
    );
    const upsert = this.db.prepare(UPSERT);
    // A PR moved or renumbered (repo transfer) must not collide with a stale row.
    const clearSlot = this.db.prepare(
      `DELETE FROM prs WHERE repo = ? AND number = ? AND node_id <> ?`,
    );
    const insertChange = this.db.prepare(
      `INSERT INTO pr_changes (scan_id, node_id, at, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    return this.db.transaction(() => {
      const scanId = Number(
        insertRun.run({ ...run, errors: run.errors.length ? JSON.stringify(run.errors) : null })
          .lastInsertRowid,
      );
      for (const pr of prs) {
        clearSlot.run(pr.repo, pr.number, pr.nodeId);
        upsert.run(toParams(pr));
        for (const c of changes.get(pr.nodeId) ?? [])
          insertChange.run(scanId, pr.nodeId, run.finishedAt, c.field, c.from, c.to);
      }
      alsoInTransaction?.(scanId);
      return scanId;
    })();
  }

  lastScan(): { started_at: number; finished_at: number; status: string } | undefined {
    return this.db.prepare(`SELECT * FROM scan_runs ORDER BY id DESC LIMIT 1`).get() as
      { started_at: number; finished_at: number; status: string } | undefined;
  }
}
