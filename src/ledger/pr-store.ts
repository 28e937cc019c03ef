import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';
import type { FieldChange, StoredPr } from '../core/pr.js';
import type { PrLedger, ScanRunRecord } from './ports.js';
import { PR_FIELDS } from '../core/pr-fields.js';

/** All SQL for PRs, their change history and scan runs. Columns follow `PR_FIELDS`. */

type Row = Record<string, unknown>;

/** A JSON column: most hold an empty list, which needs no parser. */
const json = (v: string): unknown => (v === '[]' ? [] : JSON.parse(v));

const KEYS = PR_FIELDS.map((f) => f.key);
const CODECS = PR_FIELDS.map((f) => f.codec);
const COLUMNS = PR_FIELDS.map((f) => f.column);
/** Every PR column, in `PR_FIELDS` order: a row read as an array is decoded by position. */
const SELECT_PRS = `SELECT ${COLUMNS.join(', ')} FROM prs`;

/**
 * One object holding every key of a `StoredPr`: each decoded PR starts as a copy of it. Adding three dozen
 * properties one by one under computed names turns an object into a slow dictionary (V8 gives up
 * on a fixed shape); a copy of one object already holding every key keeps the shape, which makes
 * reading 10,000 PRs several times cheaper, and the rules' reads of them too.
 */
const BLANK: Readonly<Record<string, unknown>> = Object.fromEntries([
  ['archived', false],
  ...KEYS.map((k) => [k, null]),
]);

/** A PR from its row's values in `PR_FIELDS` order (either engine's: the columns are the same). */
export function decodePr(row: readonly unknown[]): StoredPr {
  const pr: Record<string, unknown> = { ...BLANK };
  for (let i = 0; i < KEYS.length; i++) {
    const v = row[i];
    const codec = CODECS[i];
    pr[KEYS[i]!] =
      v === null || v === undefined
        ? codec === 'json'
          ? []
          : null
        : codec === 'bool'
          ? v === 1
          : codec === 'json'
            ? json(v as string)
            : v;
  }
  return pr as unknown as StoredPr;
}

/** Rows of a `SELECT_PRS …` statement, read as arrays (no object per row from the driver). */
function readAll(statement: Statement, ...params: unknown[]): StoredPr[] {
  return (statement.raw(true).all(...params) as unknown[][]).map(decodePr);
}

/** A PR's column values by column name: booleans as 0/1, JSON fields as text. */
export function toParams(pr: StoredPr): Row {
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
    return readAll(this.db.prepare(SELECT_PRS));
  }

  byNodeId(nodeId: string): StoredPr | undefined {
    return readAll(this.db.prepare(`${SELECT_PRS} WHERE node_id = ?`), nodeId)[0];
  }

  /** PRs with this number (in any repo, or in `repo` when given; case-insensitive). */
  byNumber(number: number, repo?: string): StoredPr[] {
    return repo === undefined
      ? readAll(this.db.prepare(`${SELECT_PRS} WHERE number = ?`), number)
      : readAll(
          this.db.prepare(`${SELECT_PRS} WHERE number = ? AND lower(repo) = lower(?)`),
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
