import type {
  ClosingIssue,
  CommentSnapshot,
  PrSnapshot,
  ReviewSnapshot,
  FieldChange,
  StoredPr,
} from '../core/pr.js';
import { TRACKED_FIELDS } from '../core/pr-fields.js';

/** Pure: what changed between the recorded state of a PR and a new snapshot. */

export type { StoredPr };

const text = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);

const isEmptyList = (v: unknown): boolean => Array.isArray(v) && v.length === 0;

/**
 * The same value as the ledger stores it (`text`), without writing either as JSON when it is
 * the same value or two empty lists (most comment, review and issue lists of a queue are empty).
 */
const sameText = (a: unknown, b: unknown): boolean =>
  a === b || (isEmptyList(a) && isEmptyList(b)) || text(a) === text(b);

/**
 * Details (comment and review bodies, issue labels) come from a second request only for PRs that
 * changed; an unchanged PR keeps the ones recorded before.
 */
function keepDetails(previous: StoredPr | undefined, next: PrSnapshot): PrSnapshot {
  // Nothing to carry over: no copy.
  if (
    !previous ||
    (next.comments.length === 0 && next.reviews.length === 0 && next.closingIssues.length === 0)
  )
    return next;
  const bodies = new Map<string, string>();
  for (const c of [...previous.comments, ...previous.reviews])
    if (c.id && c.body !== undefined) bodies.set(c.id, c.body);
  const labels = new Map<string, string[]>();
  for (const i of previous.closingIssues)
    if (i.labels) labels.set(`${i.repo}#${i.number}`, i.labels);
  const withBody = <T extends CommentSnapshot | ReviewSnapshot>(c: T): T =>
    c.body === undefined && bodies.has(c.id) ? { ...c, body: bodies.get(c.id) } : c;
  const withLabels = (i: ClosingIssue): ClosingIssue =>
    i.labels === undefined && labels.has(`${i.repo}#${i.number}`)
      ? { ...i, labels: labels.get(`${i.repo}#${i.number}`) }
      : i;
  return {
    ...next,
    comments: next.comments.map(withBody),
    reviews: next.reviews.map(withBody),
    closingIssues: next.closingIssues.map(withLabels),
  };
}

/**
 * Merges a fresh snapshot into the stored PR. An `unknown` mergeability keeps the last known
 * value (GitHub is still computing); the change list holds only real changes.
 * `detailsAt` is when this snapshot's details were fetched (undefined: they were not; null: they
 * were wanted and could not be read, so the next scan asks for them again).
 */
export function mergeSnapshot(
  previous: StoredPr | undefined,
  fresh: PrSnapshot,
  watched: boolean,
  now: number,
  detailsAt?: number | null,
): { pr: StoredPr; changes: FieldChange[] } {
  const next = keepDetails(previous, fresh);
  const mergeableKnown =
    next.mergeable === 'unknown' ? (previous?.mergeableKnown ?? null) : next.mergeable;
  const details = detailsAt === undefined ? (previous?.detailsAt ?? null) : detailsAt;
  if (!previous) {
    return {
      pr: {
        ...next,
        watched,
        mergeableKnown,
        detailsAt: details,
        firstSeenAt: now,
        lastChangedAt: now,
      },
      changes: [{ field: 'seen', from: null, to: next.state }],
    };
  }
  const pr: StoredPr = {
    ...next,
    watched,
    mergeableKnown,
    detailsAt: details,
    firstSeenAt: previous.firstSeenAt,
    lastChangedAt: previous.lastChangedAt,
  };
  const changes: FieldChange[] = [];
  for (const f of TRACKED_FIELDS) {
    const before = previous[f.key];
    const after = pr[f.key];
    // A view of a list maps it: two empty lists have empty views.
    if (before === after || (isEmptyList(before) && isEmptyList(after))) continue;
    const from = text(f.view ? f.view(before) : before);
    const to = text(f.view ? f.view(after) : after);
    if (from !== to) changes.push({ field: f.key, from, to });
  }
  if (previous.mergeableKnown !== mergeableKnown)
    changes.push({ field: 'mergeable', from: previous.mergeableKnown, to: mergeableKnown });
  if (changes.length > 0) pr.lastChangedAt = now;
  return { pr, changes };
}

/** True when nothing stored differs, so the row need not be written at all. */
export function sameRow(a: StoredPr, b: StoredPr): boolean {
  return (
    a.mergeable === b.mergeable &&
    a.updatedAt === b.updatedAt &&
    sameText(a.comments, b.comments) &&
    sameText(a.reviews, b.reviews) &&
    sameText(a.closingIssues, b.closingIssues) &&
    a.url === b.url &&
    a.closedAt === b.closedAt &&
    a.mergedAt === b.mergedAt &&
    a.headCommittedAt === b.headCommittedAt &&
    a.baseSha === b.baseSha &&
    a.detailsAt === b.detailsAt &&
    // A node that differs only where nothing stored does (a check still running moved from queued
    // to in progress, say) is written for its digest, so that the next scan can skip it.
    (a.nodeDigest ?? null) === (b.nodeDigest ?? null)
  );
}
