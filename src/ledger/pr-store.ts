import type { Db } from './open.js';
import type { StoredPr, FieldChange } from '../scan/diff.js';

/** All SQL for PRs, their change history and scan runs. */

interface PrRow {
  node_id: string;
  repo: string;
  number: number;
  author: string;
  title: string;
  url: string;
  state: string;
  draft: number;
  watched: number;
  head_sha: string;
  mergeable: string;
  mergeable_known: string | null;
  merge_state: string | null;
  ci: string;
  failing_checks: string;
  review: string;
  reviews: string;
  comments: string;
  comment_count: number;
  additions: number;
  deletions: number;
  changed_files: number;
  created_at: string;
  updated_at: string;
  last_edited_at: string | null;
  closed_at: string | null;
  merged_at: string | null;
  first_seen_at: number;
  last_changed_at: number;
}

function fromRow(r: PrRow): StoredPr {
  return {
    nodeId: r.node_id,
    repo: r.repo,
    archived: false,
    number: r.number,
    author: r.author,
    title: r.title,
    url: r.url,
    state: r.state as StoredPr['state'],
    draft: r.draft === 1,
    watched: r.watched === 1,
    headSha: r.head_sha,
    mergeable: r.mergeable as StoredPr['mergeable'],
    mergeableKnown: r.mergeable_known as StoredPr['mergeableKnown'],
    mergeState: r.merge_state,
    ci: r.ci as StoredPr['ci'],
    failingChecks: JSON.parse(r.failing_checks) as string[],
    review: r.review as StoredPr['review'],
    reviews: JSON.parse(r.reviews) as StoredPr['reviews'],
    comments: JSON.parse(r.comments) as StoredPr['comments'],
    commentCount: r.comment_count,
    additions: r.additions,
    deletions: r.deletions,
    changedFiles: r.changed_files,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastEditedAt: r.last_edited_at,
    closedAt: r.closed_at,
    mergedAt: r.merged_at,
    firstSeenAt: r.first_seen_at,
    lastChangedAt: r.last_changed_at,
  };
}

function toParams(p: StoredPr) {
  return {
    nodeId: p.nodeId,
    repo: p.repo,
    number: p.number,
    author: p.author,
    title: p.title,
    url: p.url,
    state: p.state,
    draft: p.draft ? 1 : 0,
    watched: p.watched ? 1 : 0,
    headSha: p.headSha,
    mergeable: p.mergeable,
    mergeableKnown: p.mergeableKnown,
    mergeState: p.mergeState,
    ci: p.ci,
    failingChecks: JSON.stringify(p.failingChecks),
    review: p.review,
    reviews: JSON.stringify(p.reviews),
    comments: JSON.stringify(p.comments),
    commentCount: p.commentCount,
    additions: p.additions,
    deletions: p.deletions,
    changedFiles: p.changedFiles,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastEditedAt: p.lastEditedAt,
    closedAt: p.closedAt,
    mergedAt: p.mergedAt,
    firstSeenAt: p.firstSeenAt,
    lastChangedAt: p.lastChangedAt,
  };
}

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

export class PrStore {
  constructor(private readonly db: Db) {}

  all(): StoredPr[] {
    return (this.db.prepare(`SELECT * FROM prs`).all() as PrRow[]).map(fromRow);
  }

  /** Writes a scan in one transaction: the run, the PRs that differ, and their changes. */
  recordScan(
    run: ScanRunRecord,
    prs: readonly StoredPr[],
    changes: ReadonlyMap<string, FieldChange[]>,
  ): number {
    const insertRun = this.db.prepare(
      `INSERT INTO scan_runs (started_at, finished_at, status, requests, points, remaining, reset_at, prs_seen, changes, errors)
       VALUES (@startedAt, @finishedAt, @status, @requests, @points, @remaining, @resetAt, @prsSeen, @changes, @errors)`,
    );
    const upsert = this.db.prepare(
      `INSERT INTO prs (node_id, repo, number, author, title, url, state, draft, watched, head_sha, mergeable,
         mergeable_known, merge_state, ci, failing_checks, review, reviews, comments, comment_count, additions,
         deletions, changed_files, created_at, updated_at, last_edited_at, closed_at, merged_at, first_seen_at,
         last_changed_at)
       VALUES (@nodeId, @repo, @number, @author, @title, @url, @state, @draft, @watched, @headSha, @mergeable,
         @mergeableKnown, @mergeState, @ci, @failingChecks, @review, @reviews, @comments, @commentCount, @additions,
         @deletions, @changedFiles, @createdAt, @updatedAt, @lastEditedAt, @closedAt, @mergedAt, @firstSeenAt,
         @lastChangedAt)
       ON CONFLICT(node_id) DO UPDATE SET repo = excluded.repo, number = excluded.number, author = excluded.author,
         title = excluded.title, url = excluded.url, state = excluded.state, draft = excluded.draft,
         watched = excluded.watched, head_sha = excluded.head_sha, mergeable = excluded.mergeable,
         mergeable_known = excluded.mergeable_known, merge_state = excluded.merge_state, ci = excluded.ci,
         failing_checks = excluded.failing_checks, review = excluded.review, reviews = excluded.reviews,
         comments = excluded.comments, comment_count = excluded.comment_count, additions = excluded.additions,
         deletions = excluded.deletions, changed_files = excluded.changed_files, created_at = excluded.created_at,
         updated_at = excluded.updated_at, last_edited_at = excluded.last_edited_at, closed_at = excluded.closed_at,
         merged_at = excluded.merged_at, last_changed_at = excluded.last_changed_at`,
    );
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
      return scanId;
    })();
  }

  lastScan(): { started_at: number; finished_at: number; status: string } | undefined {
    return this.db.prepare(`SELECT * FROM scan_runs ORDER BY id DESC LIMIT 1`).get() as
      { started_at: number; finished_at: number; status: string } | undefined;
  }
}
