import type { Logger } from 'pino';
import type { RadarConfig } from '../config/schema.js';
import type { FieldChange, PrSnapshot, StoredPr } from '../core/pr.js';
import type { GitHubReads, RateLimitInfo } from '../github/port.js';
import { GitHubAuthError, GitHubUnreachableError, RateLimitError } from '../github/errors.js';
import { applyDetails } from '../github/normalize.js';
import type { OutcomeLedger, PrLedger, RulesLedger } from '../ledger/ports.js';
import { settleOutcomes } from '../rules/outcome.js';
import { toVerdictRecord } from '../rules/candidates.js';
import type { AgentBudgets } from '../core/budget.js';
import type { Tier, Verdict } from '../core/verdict.js';
import { judgeAll } from '../rules/judge.js';
import { watchFilter } from './watch.js';
import {
  DETAIL_FAILURE_BUDGET,
  batches,
  goneFromQueue,
  nextPageAhead,
  nextSearch,
  planScan,
  rateLimitStop,
  reconcile,
  reserveStop,
  resolveGone,
  reusable,
  scanStatus,
  splitFailed,
  startSearch,
  underReserve,
  wantDetails,
  type ScanStop,
} from './plan.js';
import { errorMessage } from '../core/errors.js';
import { redactSecrets } from '../redact.js';

/**
 * One scan: fetch the queue page by page, resolve PRs that left it, read the details of those
 * that changed, record what changed. The choices are plan.ts's; this file does the I/O.
 */

export type { ScanStop } from './plan.js';

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
  /**
   * PRs whose details (comment and review text) GitHub could not give: recorded without them,
   * asked for again once the PR changes. One such PR never stops the rest of the queue.
   */
  skipped: { repo: string; number: number; reason: string }[];
  changed: { repo: string; number: number; fields: FieldChange[] }[];
  /** Watched PRs per tier after this scan. */
  tiers: Record<Tier, number>;
  /** PRs in the escalate tier, highest score first. */
  flagged: { repo: string; number: number; score: number; route: string; signals: string[] }[];
}

export interface ScanOptions {
  port: GitHubReads;
  store: PrLedger;
  rules: RulesLedger;
  /** Where the outcomes of escalations are judged and kept. */
  outcomes: OutcomeLedger;
  /** Per agent, whether the weekly budget still allows work (default: unknown). */
  budget?: AgentBudgets;
  config: RadarConfig;
  logger: Logger;
  now: () => number;
  onProgress?: (seen: number, total: number) => void;
  /** The watched open PRs with the verdicts just recorded (what `--dispatch` chooses from). */
  onJudged?: (candidates: readonly { pr: StoredPr; verdict: Verdict }[]) => void;
}

/** Ends a phase of the scan: a rate limit or radar's reserve stops every later request. */
class Stopped extends Error {}

export async function runScan(options: ScanOptions): Promise<ScanSummary> {
  const { port, store, config, logger } = options;
  const started = options.now();
  const plan = planScan(config);
  const belongs = watchFilter(config.watch);
  const seen = new Map<string, PrSnapshot>();
  const errors: string[] = [];
  const warnings: string[] = [];
  const skipped: ScanSummary['skipped'] = [];
  let points = 0;
  let last = null as RateLimitInfo | null;
  let stop = null as ScanStop | null;
  /** GitHub could not be reached: no later request is sent, the reason is said once. */
  let unreachable = null as GitHubUnreachableError | null;
  let complete = true;

  /** Runs one request: accounts its cost, turns a rate limit into a stop, lets auth through. */
  const ask = async <T extends { rateLimit: RateLimitInfo | null; dropped?: string[] }>(
    what: string,
    request: () => Promise<T>,
  ): Promise<T | Error> => {
    if (stop || unreachable) throw new Stopped();
    if (underReserve(last, plan.reserve)) {
      stop = reserveStop(last);
      throw new Stopped();
    }
    try {
      const answer = await request();
      // A GitHub double (or a proxy) may leave rateLimit out: then only requests are known.
      if (answer.rateLimit) {
        points += answer.rateLimit.cost;
        last = answer.rateLimit;
      }
      for (const d of answer.dropped ?? [])
        warnings.push(`${what}: GitHub sent a malformed PR (${d})`);
      return answer;
    } catch (error) {
      if (error instanceof RateLimitError) {
        stop = rateLimitStop(error, options.now(), last);
        throw new Stopped();
      }
      if (error instanceof GitHubAuthError) throw error;
      if (error instanceof GitHubUnreachableError) {
        unreachable = error;
        throw new Stopped();
      }
      // Reported once, on stderr by the command; the log keeps the request beside it.
      logger.info({ err: errorMessage(error), request: what }, 'GitHub request failed');
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  /** Runs a phase; a stop ends it (and marks the pass incomplete). */
  const phase = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
      complete = false;
    }
  };

  // The ledger's side of the scan (the stored PRs, what judging reads) is read while GitHub
  // answers the first request: the answer's nodes are the first to need it.
  let stored:
    | { previous: Map<string, StoredPr>; known: Map<string, StoredPr>; judging: JudgingReads }
    | undefined;
  const ledgerSide = () => {
    if (stored) return stored;
    const previous = new Map(store.all().map((p) => [p.nodeId, p] as const));
    // The stored PRs GitHub may send unchanged: those nodes are not checked and normalised again.
    stored = { previous, known: reusable(previous, belongs), judging: readJudging(options) };
    return stored;
  };
  const known = { get: (id: string) => ledgerSide().known.get(id) };
  const requestPage = (q: string, after: string | null) => {
    const answer = ask(q, () => port.searchAnswer(q, plan.pageSize, after, plan.sizes));
    answer.catch(() => undefined); // awaited where it is used: its failure is handled there
    return answer;
  };
  await phase(async () => {
    for (const query of plan.queries) {
      let ahead: { q: string; after: string; answer: ReturnType<typeof requestPage> } | null = null;
      for (let w: ReturnType<typeof startSearch> | null = startSearch(query); w;) {
        const window = w;
        const answer =
          ahead && ahead.q === window.q && ahead.after === window.after
            ? ahead.answer
            : requestPage(window.q, window.after);
        ahead = null;
        if (!stored) {
          await port.sent();
          ledgerSide();
        }
        const page = await answer;
        if (page instanceof Error) {
          complete = false;
          errors.push(`${window.q}: ${errorMessage(page)}`);
          break; // the next query: one bad page must not lose the rest
        }
        // The next page is asked for first: this page's nodes are read while GitHub answers.
        const next = nextPageAhead(window, page);
        if (next) {
          ahead = { ...next, answer: requestPage(next.q, next.after) };
          await port.sent();
        }
        let read: Awaited<ReturnType<typeof page.read>>;
        try {
          read = await page.read(known);
        } catch (error) {
          complete = false;
          errors.push(`${window.q}: ${errorMessage(error)}`);
          break;
        }
        for (const d of read.dropped)
          warnings.push(`${window.q}: GitHub sent a malformed PR (${d})`);
        for (const snap of read.prs) seen.set(snap.nodeId, snap);
        if (page.partial || read.dropped.length > 0) {
          // Some PRs were withheld: they are not gone, so nothing is resolved as closed this time.
          complete = false;
          if (page.partial) warnings.push(`${query}: GitHub withheld some PRs (${page.partial})`);
        }
        options.onProgress?.(seen.size, page.issueCount);
        const step = nextSearch(window, {
          ...page,
          createdAts: read.prs.map((p) => p.createdAt),
        });
        if (step.error) errors.push(step.error);
        w = step.next;
      }
    }
  });

  const { previous, judging } = ledgerSide();
  if (complete)
    await phase(async () => {
      for (const batch of batches(goneFromQueue(previous, seen), plan.pageSize)) {
        const ids = batch.map((p) => p.nodeId);
        const result = await ask('resolving closed PRs', () =>
          port.pullRequestsById(ids, plan.sizes, known),
        );
        if (result instanceof Error) {
          errors.push(`resolving closed PRs: ${errorMessage(result)}`);
          continue;
        }
        const partial = Boolean(result.partial);
        for (const snap of resolveGone(batch, result.prs, partial, options.now()))
          seen.set(snap.nodeId, snap);
      }
    });

  // Details (comment and review text, closing issues' labels) only for PRs that changed.
  const detailed = new Set<string>();
  const unreadable: { pr: PrSnapshot; reason: string }[] = [];
  let failures = 0;
  const wanted = wantDetails(previous, seen.values(), belongs);
  await phase(async () => {
    const queue = batches(wanted, plan.detailsBatch);
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      const ids = batch.map((p) => p.nodeId);
      const result = await ask('reading comment details', () =>
        port.pullRequestDetails(ids, plan.detailSizes),
      );
      if (!(result instanceof Error)) {
        result.details.forEach((details, j) => {
          const snap = batch![j]!;
          if (!details) return;
          seen.set(snap.nodeId, applyDetails(snap, details));
          detailed.add(snap.nodeId);
        });
        continue;
      }
      if (++failures > DETAIL_FAILURE_BUDGET) {
        // GitHub fails more than a PR or two: without details the PRs are still recorded, and
        // the next scan asks again (for the ones narrowed down so far too).
        errors.push(`reading comment details: ${errorMessage(result)}`);
        unreadable.length = 0;
        break;
      }
      const split = splitFailed(batch);
      if ('retry' in split) queue.unshift(...split.retry);
      else unreadable.push({ pr: split.skip, reason: errorMessage(result) });
    }
  });
  for (const { pr, reason } of unreadable) {
    skipped.push({ repo: pr.repo, number: pr.number, reason });
    warnings.push(
      `${pr.repo}#${pr.number}: skipped its comments (GitHub could not give them: ${reason})`,
    );
    // Given up on until the PR changes: every later scan would fail on it the same way.
    detailed.add(pr.nodeId);
  }

  const now = options.now();
  // Wanted and not read (GitHub failing past the budget, a rate limit): asked for next scan.
  const missed = new Set(wanted.map((p) => p.nodeId).filter((id) => !detailed.has(id)));
  const r = reconcile(previous, seen.values(), detailed, belongs, now, missed);
  if (unreachable) errors.push(unreachable.message);
  if (stop) errors.push(describeStop(stop, port.requests, r.queueSize, last?.remaining));
  // Whatever a message quotes (a request URL, say), no credential reaches the ledger or stderr.
  const safeErrors = errors.map((e) => redactSecrets(e));
  const finished = options.now();
  const status = scanStatus(errors.length, stop !== null, seen.size);
  const resetAt = last ? Date.parse(last.resetAt) : null;
  const judged = judge(r.current, options, judging, options.now());
  const scanId = store.recordScan(
    {
      startedAt: started,
      finishedAt: finished,
      status,
      requests: port.requests,
      points,
      remaining: last?.remaining ?? null,
      resetAt,
      prsSeen: r.queueSize,
      changes: r.changeCount,
      errors: safeErrors,
    },
    r.toWrite,
    r.changes,
    (id) => {
      options.rules.recordVerdicts(id, judged.at, judged.records);
      options.outcomes.recordOutcomes(judged.at, judged.outcomes);
    },
  );
  options.onJudged?.(judged.candidates);
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
    prsSeen: r.queueSize,
    newPrs: r.newPrs,
    changedPrs: r.changed.length,
    changes: r.changeCount,
    resolved: r.resolved,
    stoppedEarly: stop !== null,
    stop,
    errors: safeErrors,
    warnings: warnings.map((w) => redactSecrets(w)),
    skipped: skipped.map((s) => ({ ...s, reason: redactSecrets(s.reason) })),
    changed: r.changed,
    tiers: judged.tiers,
    flagged: judged.flagged,
  };
}

/** What judging reads from the ledger besides the PRs. */
interface JudgingReads {
  trails: ReturnType<RulesLedger['trails']>;
  histories: ReturnType<RulesLedger['judgedHistories']>;
  permissions: ReturnType<RulesLedger['permissions']>;
  unsettled: ReturnType<OutcomeLedger['unsettledActions']>;
}

function readJudging(options: ScanOptions): JudgingReads {
  return {
    trails: options.rules.trails(),
    histories: options.rules.judgedHistories(),
    permissions: options.rules.permissions(),
    unsettled: options.outcomes.unsettledActions(),
  };
}

/** Judges the queue as this scan leaves it; the verdicts are recorded with the scan. */
function judge(
  current: ReadonlyMap<string, StoredPr>,
  options: ScanOptions,
  reads: JudgingReads,
  now: number,
) {
  const previous = reads.trails;
  const { judged, tiers, flagged } = judgeAll({
    prs: current.values(),
    histories: reads.histories,
    permissions: reads.permissions,
    previousTier: (id) => previous.get(id)?.tier,
    budget: options.budget ?? new Map(),
    rules: options.config.rules,
    now,
  });
  return {
    at: now,
    records: judged.map((j) => toVerdictRecord(j, previous.get(j.nodeId))),
    // Outcomes are settled before `--dispatch` starts new sessions: a newer escalation never
    // hides what an older one bought.
    outcomes: settleOutcomes(judged, reads.unsettled, options.config.rules, now),
    candidates: judged
      .filter((j) => j.pr.state === 'open' && j.pr.watched)
      .map((j) => ({ pr: j.pr, verdict: j.evaluation.verdict })),
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

export function isAuthError(error: unknown): boolean {
  return error instanceof GitHubAuthError;
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
