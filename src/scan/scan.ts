import type { Logger } from 'pino';
import type { RadarConfig } from '../config/schema.js';
import type { GitHubPort, RateLimitInfo } from '../github/client.js';
import { GitHubAuthError, RateLimitError } from '../github/errors.js';
import { applyDetails, toSnapshot, type PrSnapshot } from '../github/normalize.js';
import type { PrStore } from '../ledger/pr-store.js';
import type { RulesStore } from '../ledger/rules-store.js';
import { toVerdictRecord } from '../rules/candidates.js';
import type { AgentBudgets } from '../core/budget.js';
import type { Tier } from '../core/verdict.js';
import { judgeAll } from '../rules/judge.js';
import { mergeSnapshot, sameRow, type StoredPr } from './diff.js';
import type { FieldChange } from '../core/pr.js';
import { searchQueries, watchFilter } from './watch.js';
import { errorMessage } from '../core/errors.js';
import { redactSecrets } from '../redact.js';

/** One scan: fetch the queue page by page, resolve PRs that left it, record what changed. */

export interface ScanSummary {
  scanId: number;
  status: 'ok' | 'partial' | 'error';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  requests: number;
  points: number;
  remaining: number | null;
  resetAt: string | null;
  prsSeen: number;
  newPrs: number;
  changedPrs: number;
  changes: number;
  resolved: { repo: string; number: number; state: string }[];
  stoppedEarly: boolean;
  /** Why the scan stopped early, and when GitHub will take requests again (ISO time). */
  stop: ScanStop | null;
  errors: string[];
  /** Not failures, but worth knowing (PRs GitHub withheld from this token). */
  warnings: string[];
  changed: { repo: string; number: number; fields: FieldChange[] }[];
  /** Watched PRs per tier after this scan. */
  tiers: Record<Tier, number>;
  /** PRs in the escalate tier, highest score first. */
  flagged: { repo: string; number: number; score: number; route: string; signals: string[] }[];
}

/** A rate limit of any kind: GitHub's primary or secondary limit, or radar's own reserve. */
export interface ScanStop {
  reason: 'secondary-rate-limit' | 'rate-limit' | 'reserve';
  retryAt: string | null;
}

export interface ScanOptions {
  port: GitHubPort;
  store: PrStore;
  rules: RulesStore;
  /** Per agent, whether the weekly budget still allows work (default: unknown). */
  budget?: AgentBudgets;
  config: RadarConfig;
  logger: Logger;
  now: () => number;
  onProgress?: (seen: number, total: number) => void;
}

export async function runScan(options: ScanOptions): Promise<ScanSummary> {
  const { port, store, config, logger } = options;
  const started = options.now();
  const sizes = {
    reviews: config.scan.reviewsPerPr,
    comments: config.scan.commentsPerPr,
    checks: config.scan.checksPerPr,
    issues: config.scan.issuesPerPr,
  };
  const belongs = watchFilter(config.watch);
  const seen = new Map<string, PrSnapshot>();
  const errors: string[] = [];
  const warnings: string[] = [];
  let points = 0;
  let last: RateLimitInfo | undefined;
  let stoppedEarly = false;
  let stop: ScanStop | null = null;
  let complete = true;

  // A GitHub double (or a proxy) may leave rateLimit out: then only requests are known.
  const account = (rl: RateLimitInfo | null | undefined) => {
    if (!rl || typeof rl.remaining !== 'number') return;
    points += typeof rl.cost === 'number' ? rl.cost : 0;
    last = rl;
  };
  const underReserve = () => last !== undefined && last.remaining < config.scan.rateLimitReserve;
  const stopForReserve = () => {
    stoppedEarly = true;
    complete = false;
    stop ??= { reason: 'reserve', retryAt: isoSeconds(last?.resetAt) };
  };
  /**
   * Any rate limit stops the whole scan, keeping what earlier pages returned: the next query
   * would only hit the same limit, and GitHub may block an integration that keeps doing so.
   */
  const stopForRateLimit = (error: RateLimitError) => {
    stoppedEarly = true;
    complete = false;
    const waitMs =
      error.retryAfterSeconds !== undefined
        ? error.retryAfterSeconds * 1000
        : error.kind === 'secondary'
          ? 60_000 // GitHub: without retry-after, wait at least a minute
          : undefined;
    stop = {
      reason: error.kind === 'secondary' ? 'secondary-rate-limit' : 'rate-limit',
      retryAt:
        waitMs !== undefined
          ? isoSeconds(options.now() + waitMs)
          : isoSeconds(error.resetAt ?? last?.resetAt),
    };
  };

  /**
   * Pages through one search; returns false to stop the whole scan (rate limit). GitHub search
   * stops at 1,000 results, so a larger queue is walked oldest first (`sort:created-asc`) and,
   * each time 1,000 are read, continued from the last creation time seen
   * (`created:>=T`); PRs seen twice at a boundary are deduplicated by node id.
   */
  const fetchSearch = async (query: string): Promise<boolean> => {
    let q = query;
    let cursor: string | null = null;
    let inWindow = 0;
    let walking = false;
    let lastCreated: string | undefined;
    let windowStart: string | undefined;
    for (;;) {
      if (underReserve()) {
        stopForReserve();
        return false;
      }
      try {
        const page = await port.searchPullRequests(q, config.scan.pageSize, cursor, sizes);
        account(page.rateLimit);
        for (const raw of page.prs) {
          seen.set(raw.id, toSnapshot(raw));
          if (!lastCreated || raw.createdAt > lastCreated) lastCreated = raw.createdAt;
        }
        inWindow += page.prs.length;
        if (page.partial) {
          // Some PRs were withheld: they are not gone, so nothing is resolved as closed this time.
          complete = false;
          warnings.push(`${query}: GitHub withheld some PRs (${page.partial})`);
        }
        options.onProgress?.(seen.size, page.issueCount);
        if (!walking && cursor === null && page.issueCount > SEARCH_LIMIT) {
          walking = true; // start again, oldest first
          q = `${query} sort:created-asc`;
          inWindow = 0;
          lastCreated = undefined;
          continue;
        }
        if (page.hasNextPage && page.endCursor) {
          cursor = page.endCursor;
          continue;
        }
        if (!walking || inWindow < SEARCH_LIMIT || !lastCreated) return true;
        // This window hit the limit: continue from the newest creation time seen so far.
        if (lastCreated === windowStart) {
          errors.push(
            `${query}: more than ${SEARCH_LIMIT} PRs created at ${lastCreated}; some were not read`,
          );
          return true;
        }
        windowStart = lastCreated;
        q = `${query} sort:created-asc created:>=${lastCreated}`;
        cursor = null;
        inWindow = 0;
      } catch (error) {
        complete = false;
        if (error instanceof RateLimitError) {
          stopForRateLimit(error);
          return false;
        }
        if (isAuthError(error)) throw error;
        errors.push(`${q}: ${errorMessage(error)}`);
        // Reported once, on stderr by the command; the log keeps the query beside it.
        logger.info({ err: errorMessage(error), query: q }, 'search failed');
        return true; // the next query: one bad page must not lose the rest
      }
    }
  };
  for (const query of searchQueries(config.watch)) {
    if (!(await fetchSearch(query))) break;
  }

  const previous = new Map(store.all().map((p) => [p.nodeId, p] as const));
  // PRs that were open and watched but are no longer in the open queue: ask for their outcome.
  // Only after a complete pass, or a PR skipped by an early stop would look closed.
  const resolved: ScanSummary['resolved'] = [];
  if (complete) {
    const gone = [...previous.values()].filter(
      (p) => p.state === 'open' && p.watched && !seen.has(p.nodeId),
    );
    for (let i = 0; i < gone.length; i += config.scan.pageSize) {
      if (underReserve()) {
        stopForReserve();
        break;
      }
      const batch = gone.slice(i, i + config.scan.pageSize);
      try {
        const result = await port.pullRequestsById(
          batch.map((p) => p.nodeId),
          sizes,
        );
        account(result.rateLimit);
        result.prs.forEach((raw, j) => {
          const stale = batch[j]!;
          if (raw) seen.set(raw.id, toSnapshot(raw));
          else if (result.partial) {
            // Null beside errors means "not allowed to see", not "deleted": leave it as it was.
          } else {
            // Deleted (or no longer visible to this token): record it as closed.
            seen.set(stale.nodeId, {
              ...stale,
              state: 'closed',
              closedAt: stale.closedAt ?? new Date(options.now()).toISOString(),
            });
          }
        });
      } catch (error) {
        if (error instanceof RateLimitError) {
          stopForRateLimit(error);
          break;
        }
        if (isAuthError(error)) throw error;
        errors.push(`resolving closed PRs: ${errorMessage(error)}`);
      }
    }
  }

  // Details (comment and review text, closing issues' labels) only for PRs that changed.
  const detailed = new Set<string>();
  const wanted = [...seen.values()].filter((snap) => {
    const before = previous.get(snap.nodeId);
    return snap.state === 'open' && (before ? needsDetails(before, snap) : belongs(snap));
  });
  for (let i = 0; i < wanted.length && !stop; i += config.scan.pageSize) {
    if (underReserve()) {
      stopForReserve();
      break;
    }
    const batch = wanted.slice(i, i + config.scan.pageSize);
    try {
      const result = await port.pullRequestDetails(
        batch.map((p) => p.nodeId),
        { ...sizes, labels: config.scan.labelsPerIssue },
      );
      account(result.rateLimit);
      result.details.forEach((details, j) => {
        const snap = batch[j]!;
        if (!details) return;
        seen.set(snap.nodeId, applyDetails(snap, details, config.scan.maxBodyChars));
        detailed.add(snap.nodeId);
      });
    } catch (error) {
      if (error instanceof RateLimitError) {
        stopForRateLimit(error);
        break;
      }
      if (isAuthError(error)) throw error;
      // Without details the PR is still recorded; the next scan asks again.
      errors.push(`reading comment details: ${errorMessage(error)}`);
    }
  }

  const now = options.now();
  const toWrite: StoredPr[] = [];
  const current = new Map(previous);
  const changes = new Map<string, FieldChange[]>();
  const summaryChanged: ScanSummary['changed'] = [];
  let newPrs = 0;
  let changeCount = 0;
  let queueSize = 0;
  for (const snap of seen.values()) {
    const before = previous.get(snap.nodeId);
    const watched = snap.state !== 'open' ? (before?.watched ?? belongs(snap)) : belongs(snap);
    if (!before && !watched) continue; // e.g. an ignored repo's PR from an author search
    const { pr, changes: diff } = mergeSnapshot(
      before,
      snap,
      watched,
      now,
      detailed.has(snap.nodeId) ? now : undefined,
    );
    current.set(pr.nodeId, pr);
    if (pr.watched && pr.state === 'open') queueSize++;
    if (!before) newPrs++;
    if (diff.length > 0) {
      changes.set(pr.nodeId, diff);
      changeCount += diff.length;
      if (before) summaryChanged.push({ repo: pr.repo, number: pr.number, fields: diff });
      if (before && pr.state !== 'open' && before.state === 'open')
        resolved.push({ repo: pr.repo, number: pr.number, state: pr.state });
    }
    if (!before || diff.length > 0 || !sameRow(before, pr)) toWrite.push(pr);
  }
  if (stop) errors.push(describeStop(stop, port.requests, queueSize, last?.remaining));
  // Whatever a message quotes (a request URL, say), no credential reaches the ledger or stderr.
  const safeErrors = errors.map((e) => redactSecrets(e));
  const finished = options.now();
  const status: ScanSummary['status'] =
    errors.length === 0 && !stoppedEarly ? 'ok' : seen.size > 0 ? 'partial' : 'error';
  const resetAt = last ? Date.parse(last.resetAt) : null;
  const judged = judge(current, options, options.now());
  const scanId = store.recordScan(
    {
      startedAt: started,
      finishedAt: finished,
      status,
      requests: port.requests,
      points,
      remaining: last?.remaining ?? null,
      resetAt,
      prsSeen: queueSize,
      changes: changeCount,
      errors: safeErrors,
    },
    toWrite,
    changes,
    (id) => options.rules.recordVerdicts(id, judged.at, judged.records, judged.previous),
  );
  return {
    scanId,
    status,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    requests: port.requests,
    points,
    remaining: last?.remaining ?? null,
    resetAt: resetAt !== null && !Number.isNaN(resetAt) ? new Date(resetAt).toISOString() : null,
    prsSeen: queueSize,
    newPrs,
    changedPrs: summaryChanged.length,
    changes: changeCount,
    resolved,
    stoppedEarly,
    stop,
    errors: safeErrors,
    warnings: warnings.map((w) => redactSecrets(w)),
    changed: summaryChanged,
    tiers: judged.tiers,
    flagged: judged.flagged,
  };
}

/**
 * A PR's details are read again when GitHub says it changed (a new comment or review moves
 * `updatedAt`), when its head or state moved, or when an issue it closes changed state (which
 * does not touch the PR itself).
 */
function needsDetails(before: StoredPr, snap: PrSnapshot): boolean {
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

/** Judges the queue as this scan leaves it; the verdicts are recorded with the scan. */
function judge(current: ReadonlyMap<string, StoredPr>, options: ScanOptions, now: number) {
  const previous = options.rules.verdicts();
  const { judged, tiers, flagged } = judgeAll({
    prs: current.values(),
    histories: options.rules.histories(),
    permissions: options.rules.permissions(),
    previousTier: (id) => previous.get(id)?.tier,
    budget: options.budget ?? new Map(),
    rules: options.config.rules,
    now,
  });
  return {
    at: now,
    previous,
    records: judged.map(toVerdictRecord),
    tiers,
    flagged: flagged.map((j) => ({
      repo: j.pr.repo,
      number: j.pr.number,
      score: j.evaluation.verdict.score,
      route: j.evaluation.verdict.route,
      signals: j.evaluation.verdict.pending,
    })),
  };
}

/** GitHub search returns at most this many results per query. */
const SEARCH_LIMIT = 1000;

export function isAuthError(error: unknown): boolean {
  return error instanceof GitHubAuthError;
}

/** `2026-06-15T12:00:00Z`, or null for an unknown or invalid time. */
function isoSeconds(time: string | number | undefined): string | null {
  const ms = typeof time === 'string' ? Date.parse(time) : time;
  if (ms === undefined || Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The one line a stopped scan prints: why, how far it got, when to come back. */
export function describeStop(
  stop: ScanStop,
  requests: number,
  kept: number,
  remaining?: number,
): string {
  const why =
    stop.reason === 'secondary-rate-limit'
      ? "GitHub's secondary rate limit persisted"
      : stop.reason === 'rate-limit'
        ? "GitHub's rate limit is exhausted"
        : `GitHub's rate limit is down to ${remaining ?? '?'} points, under the reserve (scan.rateLimitReserve)`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    `${why}; stopped after ${plural(requests, 'request')}, kept ${plural(kept, 'PR')}; ` +
    (stop.retryAt ? `try again after ${stop.retryAt}` : 'try again later')
  );
}
