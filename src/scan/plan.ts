import type { RadarConfig } from '../config/schema.js';
import type { PrSnapshot, StoredPr } from '../core/pr.js';
import type { ConnectionSizes, DetailSizes, RateLimitInfo } from '../github/port.js';
import type { FieldChange } from '../core/pr.js';
import { mergeSnapshot, sameRow } from './diff.js';
import { searchQueries } from './watch.js';

/**
 * Pure: what a scan asks GitHub next, and what it records from the answers. The executor
 * (scan.ts) does the I/O and nothing else; every choice is one of these functions.
 */

/** GitHub search returns at most this many results per query. */
export const SEARCH_LIMIT = 1000;

/**
 * PRs per details request. Details carry every comment and review body in full (radar cuts them
 * only once they arrive), so they go in smaller batches than the search pages.
 */
export const DETAILS_BATCH = 25;

/**
 * Failed details requests a scan may spend narrowing failures down to the PRs that cause them:
 * enough to isolate two unreadable PRs in a batch of 25, not enough to hammer a GitHub that fails
 * everything.
 */
export const DETAIL_FAILURE_BUDGET = 12;

export interface ScanPlan {
  queries: string[];
  sizes: ConnectionSizes;
  detailSizes: DetailSizes;
  pageSize: number;
  detailsBatch: number;
  reserve: number;
}

export function planScan(config: RadarConfig): ScanPlan {
  const sizes = {
    reviews: config.scan.reviewsPerPr,
    comments: config.scan.commentsPerPr,
    checks: config.scan.checksPerPr,
    issues: config.scan.issuesPerPr,
  };
  return {
    queries: searchQueries(config.watch),
    sizes,
    detailSizes: {
      ...sizes,
      labels: config.scan.labelsPerIssue,
      maxBodyChars: config.scan.maxBodyChars,
    },
    pageSize: config.scan.pageSize,
    detailsBatch: Math.min(config.scan.pageSize, DETAILS_BATCH),
    reserve: config.scan.rateLimitReserve,
  };
}

// ---------------------------------------------------------------------------------------------
// Search windows. GitHub search stops at 1,000 results, so a larger queue is walked oldest first
// (`sort:created-asc`) and, each time 1,000 are read, continued from the last creation time seen
// (`created:>=T`); PRs seen twice at a boundary are deduplicated by node id.
// ---------------------------------------------------------------------------------------------

export interface SearchWindow {
  /** The configured query. */
  query: string;
  /** The query sent now (the configured one, or a window of it). */
  q: string;
  after: string | null;
  walking: boolean;
  inWindow: number;
  lastCreated: string | null;
  windowStart: string | null;
}

export const startSearch = (query: string): SearchWindow => ({
  query,
  q: query,
  after: null,
  walking: false,
  inWindow: 0,
  lastCreated: null,
  windowStart: null,
});

export interface PageSeen {
  createdAts: readonly string[];
  issueCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * The next page's request when the page's PRs cannot change it: the next page of the same
 * query. The scan sends it before reading the page's nodes; `nextSearch`, once they are read,
 * leads to the very same request (a table test holds the two together). Null when the next step
 * depends on the PRs (the end of a window) or starts the search again (more than the search
 * limit).
 */
export function nextPageAhead(
  w: SearchWindow,
  page: Omit<PageSeen, 'createdAts'>,
): { q: string; after: string } | null {
  if (!w.walking && w.after === null && page.issueCount > SEARCH_LIMIT) return null;
  return page.hasNextPage && page.endCursor ? { q: w.q, after: page.endCursor } : null;
}

/** After one page: the next request of this search (null: done), and a problem to report. */
export function nextSearch(
  w: SearchWindow,
  page: PageSeen,
): { next: SearchWindow | null; error?: string } {
  let lastCreated = w.lastCreated;
  for (const at of page.createdAts) if (lastCreated === null || at > lastCreated) lastCreated = at;
  const inWindow = w.inWindow + page.createdAts.length;
  if (!w.walking && w.after === null && page.issueCount > SEARCH_LIMIT)
    // Start again, oldest first.
    return {
      next: {
        ...w,
        q: `${w.query} sort:created-asc`,
        walking: true,
        inWindow: 0,
        lastCreated: null,
      },
    };
  if (page.hasNextPage && page.endCursor)
    return { next: { ...w, after: page.endCursor, inWindow, lastCreated } };
  if (!w.walking || inWindow < SEARCH_LIMIT || lastCreated === null) return { next: null };
  // This window hit the limit: continue from the newest creation time seen so far.
  if (lastCreated === w.windowStart)
    return {
      next: null,
      error: `${w.query}: more than ${SEARCH_LIMIT} PRs created at ${lastCreated}; some were not read`,
    };
  return {
    next: {
      ...w,
      q: `${w.query} sort:created-asc created:>=${lastCreated}`,
      after: null,
      inWindow: 0,
      lastCreated,
      windowStart: lastCreated,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Stops
// ---------------------------------------------------------------------------------------------

/** A rate limit of any kind: GitHub's primary or secondary limit, or radar's own reserve. */
export interface ScanStop {
  reason: 'secondary-rate-limit' | 'rate-limit' | 'reserve';
  retryAt: string | null;
}

export const underReserve = (last: RateLimitInfo | null, reserve: number): boolean =>
  last !== null && last.remaining < reserve;

export const reserveStop = (last: RateLimitInfo | null): ScanStop => ({
  reason: 'reserve',
  retryAt: isoSeconds(last?.resetAt),
});

/**
 * Any rate limit stops the whole scan, keeping what earlier pages returned: the next query
 * would only hit the same limit, and GitHub may block an integration that keeps doing so.
 */
export function rateLimitStop(
  error: { kind: 'primary' | 'secondary'; retryAfterSeconds?: number; resetAt?: string },
  now: number,
  last: RateLimitInfo | null,
): ScanStop {
  const waitMs =
    error.retryAfterSeconds !== undefined
      ? error.retryAfterSeconds * 1000
      : error.kind === 'secondary'
        ? 60_000 // GitHub: without retry-after, wait at least a minute
        : undefined;
  return {
    reason: error.kind === 'secondary' ? 'secondary-rate-limit' : 'rate-limit',
    retryAt:
      waitMs !== undefined ? isoSeconds(now + waitMs) : isoSeconds(error.resetAt ?? last?.resetAt),
  };
}

/** `2026-06-15T12:00:00Z`, or null for an unknown or invalid time. */
export function isoSeconds(time: string | number | undefined | null): string | null {
  const ms = typeof time === 'string' ? Date.parse(time) : time;
  if (ms === undefined || ms === null || Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// PRs that left the queue, and details
// ---------------------------------------------------------------------------------------------

/** Splits a list into batches of `size`. */
export function batches<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * PRs that were open and watched but are not in the open queue now: their outcome is asked for.
 * Only after a complete pass, or a PR skipped by an early stop would look closed.
 */
export function goneFromQueue(
  previous: ReadonlyMap<string, StoredPr>,
  seen: ReadonlyMap<string, PrSnapshot>,
): StoredPr[] {
  return [...previous.values()].filter(
    (p) => p.state === 'open' && p.watched && !seen.has(p.nodeId),
  );
}

/**
 * What the answer for PRs that left the queue means for each: its new snapshot, or, for one
 * GitHub no longer returns, closed (deleted, or no longer visible). A null beside errors means
 * "not allowed to see", not "deleted": such a PR is left as it was.
 */
export function resolveGone(
  batch: readonly StoredPr[],
  answers: readonly (PrSnapshot | null)[],
  partial: boolean,
  now: number,
): PrSnapshot[] {
  const out: PrSnapshot[] = [];
  batch.forEach((stale, i) => {
    const fresh = answers[i];
    if (fresh) out.push(fresh);
    else if (!partial)
      out.push({
        ...stale,
        state: 'closed',
        closedAt: stale.closedAt ?? new Date(now).toISOString(),
        // Not what any node says: were the PR's last node to come back, it must be read again.
        nodeDigest: null,
      });
  });
  return out;
}

/**
 * The stored PRs a read may answer with as they are when GitHub sends the node each was read from
 * again (github/port.ts `KnownSnapshots`): those whose row is what reading that node again would
 * record. Not a PR whose details are still wanted (never read, or given up on after too many
 * failures), nor one whose watching the config changed since (an open PR's follows the config).
 */
export function reusable(
  previous: ReadonlyMap<string, StoredPr>,
  belongs: (pr: PrSnapshot) => boolean,
): Map<string, StoredPr> {
  const known = new Map<string, StoredPr>();
  for (const [id, pr] of previous)
    if (
      pr.nodeDigest &&
      pr.detailsAt !== null &&
      (pr.state !== 'open' || belongs(pr) === pr.watched)
    )
      known.set(id, pr);
  return known;
}

/**
 * A PR's details are read again when GitHub says it changed (a new comment or review moves
 * `updatedAt`), when its head or state moved, or when an issue it closes changed state (which
 * does not touch the PR itself).
 */
export function needsDetails(before: StoredPr, snap: PrSnapshot): boolean {
  const issues = (p: PrSnapshot) =>
    p.closingIssues.map((i) => `${i.repo}#${i.number}:${i.state}:${i.stateReason ?? ''}`).join(' ');
  return (
    before.detailsAt === null ||
    before.updatedAt !== snap.updatedAt ||
    before.headSha !== snap.headSha ||
    before.state !== snap.state ||
    issues(before) !== issues(snap)
  );
}

/** Open PRs whose details this scan reads: new ones that belong to the queue, changed ones. */
export function wantDetails(
  previous: ReadonlyMap<string, StoredPr>,
  seen: Iterable<PrSnapshot>,
  belongs: (pr: PrSnapshot) => boolean,
): PrSnapshot[] {
  return [...seen].filter((snap) => {
    const before = previous.get(snap.nodeId);
    return snap.state === 'open' && (before ? needsDetails(before, snap) : belongs(snap));
  });
}

/**
 * A details request failed (not for a rate limit): its halves are asked for separately, so one
 * unreadable PR costs only itself. A batch of one cannot be split: that PR is skipped.
 */
export function splitFailed<T>(batch: readonly T[]): { retry: T[][] } | { skip: T } {
  if (batch.length === 1) return { skip: batch[0]! };
  const half = Math.ceil(batch.length / 2);
  return { retry: [batch.slice(0, half), batch.slice(half)] };
}

// ---------------------------------------------------------------------------------------------
// Reconcile: what the scan records
// ---------------------------------------------------------------------------------------------

export interface Reconciled {
  /** Every PR as the scan leaves it (those not seen, as they were). */
  current: Map<string, StoredPr>;
  /** Rows that differ from the ledger's. */
  toWrite: StoredPr[];
  changes: Map<string, FieldChange[]>;
  changed: { repo: string; number: number; fields: FieldChange[] }[];
  resolved: { repo: string; number: number; state: string }[];
  newPrs: number;
  changeCount: number;
  /** Watched open PRs this scan saw. */
  queueSize: number;
}

/**
 * Merges what the scan saw into what the ledger holds. `detailsRead`: the PRs whose details were
 * read (or given up on) in this scan, stamped with `now`. `detailsMissed`: those whose details
 * this scan wanted and did not get (GitHub failing, a rate limit): stamped as never read, so the
 * next scan asks again even though the PR itself does not change meanwhile.
 */
export function reconcile(
  previous: ReadonlyMap<string, StoredPr>,
  seen: Iterable<PrSnapshot>,
  detailsRead: ReadonlySet<string>,
  belongs: (pr: PrSnapshot) => boolean,
  now: number,
  detailsMissed: ReadonlySet<string> = new Set(),
): Reconciled {
  const out: Reconciled = {
    current: new Map(previous),
    toWrite: [],
    changes: new Map(),
    changed: [],
    resolved: [],
    newPrs: 0,
    changeCount: 0,
    queueSize: 0,
  };
  for (const snap of seen) {
    const before = previous.get(snap.nodeId);
    const watched = snap.state !== 'open' ? (before?.watched ?? belongs(snap)) : belongs(snap);
    if (
      snap === before &&
      watched === before.watched &&
      !detailsRead.has(snap.nodeId) &&
      !detailsMissed.has(snap.nodeId)
    ) {
      // GitHub sent the node this row was read from (`reusable`): merging it again changes nothing.
      if (watched && before.state === 'open') out.queueSize++;
      continue;
    }
    if (!before && !watched) continue; // e.g. an ignored repo's PR from an author search
    const { pr, changes } = mergeSnapshot(
      before,
      snap,
      watched,
      now,
      detailsRead.has(snap.nodeId) ? now : detailsMissed.has(snap.nodeId) ? null : undefined,
    );
    out.current.set(pr.nodeId, pr);
    if (pr.watched && pr.state === 'open') out.queueSize++;
    if (!before) out.newPrs++;
    if (changes.length > 0) {
      out.changes.set(pr.nodeId, changes);
      out.changeCount += changes.length;
      if (before) out.changed.push({ repo: pr.repo, number: pr.number, fields: changes });
      if (before && pr.state !== 'open' && before.state === 'open')
        out.resolved.push({ repo: pr.repo, number: pr.number, state: pr.state });
    }
    if (!before || changes.length > 0 || !sameRow(before, pr)) out.toWrite.push(pr);
  }
  return out;
}

/** ok: nothing went wrong; partial: something, but PRs were read; error: nothing was read. */
export function scanStatus(
  errors: number,
  stoppedEarly: boolean,
  seen: number,
): 'ok' | 'partial' | 'error' {
  return errors === 0 && !stoppedEarly ? 'ok' : seen > 0 ? 'partial' : 'error';
}
