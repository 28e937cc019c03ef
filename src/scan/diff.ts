import type { PrSnapshot } from '../github/normalize.js';

/** Pure: what changed between the recorded state of a PR and a new snapshot. */

export interface StoredPr extends PrSnapshot {
  watched: boolean;
  /** Last mergeability GitHub actually computed (kept while it says unknown). */
  mergeableKnown: 'mergeable' | 'conflicting' | null;
  firstSeenAt: number;
  lastChangedAt: number;
}

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

const TRACKED = [
  'state',
  'draft',
  'watched',
  'title',
  'headSha',
  'mergeState',
  'ci',
  'failingChecks',
  'review',
  'reviews',
  'commentCount',
  'additions',
  'deletions',
  'changedFiles',
  'lastEditedAt',
] as const;

const text = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * Merges a fresh snapshot into the stored PR. An `unknown` mergeability keeps the last known
 * value (GitHub is still computing); the change list holds only real changes.
 */
export function mergeSnapshot(
  previous: StoredPr | undefined,
  next: PrSnapshot,
  watched: boolean,
  now: number,
): { pr: StoredPr; changes: FieldChange[] } {
  const mergeableKnown =
    next.mergeable === 'unknown' ? (previous?.mergeableKnown ?? null) : next.mergeable;
  if (!previous) {
    return {
      pr: { ...next, watched, mergeableKnown, firstSeenAt: now, lastChangedAt: now },
      changes: [{ field: 'seen', from: null, to: next.state }],
    };
  }
  const pr: StoredPr = {
    ...next,
    watched,
    mergeableKnown,
    firstSeenAt: previous.firstSeenAt,
    lastChangedAt: previous.lastChangedAt,
  };
  const changes: FieldChange[] = [];
  for (const field of TRACKED) {
    const from = text(previous[field]);
    const to = text(pr[field]);
    if (from !== to) changes.push({ field, from, to });
  }
  if (previous.mergeableKnown !== mergeableKnown)
    changes.push({ field: 'mergeable', from: previous.mergeableKnown, to: mergeableKnown });
  if (changes.length > 0) pr.lastChangedAt = now;
  return { pr, changes };
}

/** True when nothing a user sees differs, so the row need not be written at all. */
export function sameRow(a: StoredPr, b: StoredPr): boolean {
  return (
    a.mergeable === b.mergeable &&
    a.updatedAt === b.updatedAt &&
    text(a.comments) === text(b.comments) &&
    a.url === b.url &&
    a.closedAt === b.closedAt &&
    a.mergedAt === b.mergedAt
  );
}
