import { JUDGED_OUTCOMES, OUTCOMES, type Outcome, type OutcomeRow } from '../core/outcome.js';
import { isDispatchable, type SignalKind } from '../core/verdict.js';

/**
 * Pure figures behind `radar report outcomes` (and any other view of them): what the tokens of
 * agent sessions bought. Only sessions count (a dry run or a refusal spent nothing).
 */

export const OUTCOME_DIMENSIONS = ['agent', 'signal', 'repo', 'model'] as const;
export type OutcomeDimension = (typeof OUTCOME_DIMENSIONS)[number];

export interface OutcomeFigures {
  sessions: number;
  byOutcome: Record<Outcome, number>;
  /** Outcomes that judge the work (resolved, unresolved, not applied): the rate's denominator. */
  judged: number;
  /** resolved / judged; null until one is judged. */
  resolutionRate: number | null;
  tokens: number;
  /** Dispatchable signals the resolved sessions were dispatched for. */
  resolvedSignals: number;
  /** Every token of these sessions over the signals they resolved; null until one resolved. */
  tokensPerResolvedSignal: number | null;
  /** First attempts on a signal (per PR and kind) that were judged, and those that resolved it. */
  firstTries: number;
  firstTryResolved: number;
  firstTryRate: number | null;
  /** Median from dispatch to the scan that saw it resolved (ms); null until one resolved. */
  medianToResolutionMs: number | null;
  /** Tokens of sessions settled without resolving anything. */
  tokensResolvingNothing: number;
}

export interface OutcomeEscalation {
  id: number;
  repo: string;
  number: number;
  /** The kind of its leading signal (its first fingerprint), or `manual`. */
  signal: string;
  agent: string;
  model: string | null;
  outcome: Outcome;
  reason: string | null;
  tokens: number | null;
  startedAt: number;
  settledAt: number | null;
}

export interface OutcomeReport extends OutcomeFigures {
  by: OutcomeDimension | null;
  groups: ({ key: string } & OutcomeFigures)[];
  escalations: OutcomeEscalation[];
}

const kindOf = (fingerprint: string) => fingerprint.slice(0, fingerprint.indexOf(':'));
const leading = (row: OutcomeRow) => (row.fingerprints[0] ? kindOf(row.fingerprints[0]) : 'manual');
const isSession = (row: OutcomeRow) => row.session !== 'dry_run' && row.session !== 'refused';
const dispatchableKinds = (row: OutcomeRow) => [
  ...new Set(row.fingerprints.map(kindOf).filter((k) => isDispatchable(k as SignalKind))),
];

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Which sessions were a first attempt: per PR and signal kind, the first session, and the first
 * after one that resolved it (a signal that comes back is a new problem). Fingerprints change
 * with the head, so a retry on a new head is the same problem's second attempt.
 */
export function firstAttempts(rows: readonly OutcomeRow[]): Set<number> {
  const first = new Set<number>();
  const open = new Set<string>();
  const ordered = [...rows]
    .filter(isSession)
    .sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
  for (const row of ordered)
    for (const kind of dispatchableKinds(row)) {
      const key = `${row.nodeId} ${kind}`;
      if (!open.has(key)) first.add(row.id);
      if (row.outcome === 'resolved') open.delete(key);
      else open.add(key);
    }
  return first;
}

export function outcomeFigures(
  rows: readonly OutcomeRow[],
  first: ReadonlySet<number>,
): OutcomeFigures {
  const sessions = rows.filter(isSession);
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of sessions) byOutcome[r.outcome]++;
  const judged = JUDGED_OUTCOMES.reduce((n, o) => n + byOutcome[o], 0);
  const resolved = sessions.filter((r) => r.outcome === 'resolved');
  const tokens = sessions.reduce((s, r) => s + (r.tokens ?? 0), 0);
  const resolvedSignals = resolved.reduce(
    (n, r) => n + Math.max(1, dispatchableKinds(r).length),
    0,
  );
  const tries = sessions.filter((r) => first.has(r.id) && JUDGED_OUTCOMES.includes(r.outcome));
  const triesResolved = tries.filter((r) => r.outcome === 'resolved').length;
  return {
    sessions: sessions.length,
    byOutcome,
    judged,
    resolutionRate: judged ? byOutcome.resolved / judged : null,
    tokens,
    resolvedSignals,
    tokensPerResolvedSignal: resolvedSignals ? Math.round(tokens / resolvedSignals) : null,
    firstTries: tries.length,
    firstTryResolved: triesResolved,
    firstTryRate: tries.length ? triesResolved / tries.length : null,
    medianToResolutionMs: median(
      resolved.filter((r) => r.settledAt !== null).map((r) => r.settledAt! - r.startedAt),
    ),
    tokensResolvingNothing: sessions
      .filter((r) => r.outcome !== 'resolved' && r.outcome !== 'pending')
      .reduce((s, r) => s + (r.tokens ?? 0), 0),
  };
}

const keyOf: Record<OutcomeDimension, (row: OutcomeRow) => string> = {
  agent: (r) => r.agent,
  signal: leading,
  repo: (r) => r.repo,
  model: (r) => r.model ?? '(unknown)',
};

export function outcomeReport(
  rows: readonly OutcomeRow[],
  by: OutcomeDimension | null = null,
): OutcomeReport {
  const first = firstAttempts(rows);
  const groups = new Map<string, OutcomeRow[]>();
  if (by)
    for (const r of rows.filter(isSession))
      groups.set(keyOf[by](r), [...(groups.get(keyOf[by](r)) ?? []), r]);
  return {
    ...outcomeFigures(rows, first),
    by,
    groups: [...groups.entries()]
      .map(([key, list]) => ({ key, ...outcomeFigures(list, first) }))
      .sort((a, b) => b.tokens - a.tokens || (a.key < b.key ? -1 : 1)),
    escalations: rows.filter(isSession).map((r) => ({
      id: r.id,
      repo: r.repo,
      number: r.number,
      signal: leading(r),
      agent: r.agent,
      model: r.model,
      outcome: r.outcome,
      reason: r.reason,
      tokens: r.tokens,
      startedAt: r.startedAt,
      settledAt: r.settledAt,
    })),
  };
}
