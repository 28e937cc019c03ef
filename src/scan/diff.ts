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

/**
 * Details (comment and review bodies, issue labels) come from a second request only for PRs that
 * changed; an unchanged PR keeps the ones recorded before.
 */
function keepDetails(previous: StoredPr | undefined, next: PrSnapshot): PrSnapshot {
  if (!previous) return next;
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
 * `detailsAt` is when this snapshot's details were fetched (undefined: they were not).
 */
export function mergeSnapshot(
  previous: StoredPr | undefined,
  fresh: PrSnapshot,
  watched: boolean,
  now: number,
  detailsAt?: number,
): { pr: StoredPr; changes: FieldChange[] } {
  const next = keepDetails(previous, fresh);
  const mergeableKnown =
    next.mergeable === 'unknown' ? (previous?.mergeableKnown ?? null) : next.mergeable;
  const details = detailsAt ?? previous?.detailsAt ?? null;
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
    const view = f.view ?? ((v: unknown) => v);
    const from = text(view(previous[f.key]));
    const to = text(view(pr[f.key]));
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
    text(a.comments) === text(b.comments) &&
    text(a.reviews) === text(b.reviews) &&
    text(a.closingIssues) === text(b.closingIssues) &&
    a.url === b.url &&
    a.closedAt === b.closedAt &&
    a.mergedAt === b.mergedAt &&
    a.headCommittedAt === b.headCommittedAt &&
    a.baseSha === b.baseSha &&
    a.detailsAt === b.detailsAt
  );
}
