import picomatch from 'picomatch';
import type { StoredPr } from '../core/pr.js';
import type { PermissionBoundary, JudgedHistory } from '../core/history.js';
import {
  isDispatchable,
  type Route,
  type Signal,
  type SignalKind,
  type SuppressionReason,
  type Tier,
  type Verdict,
} from '../core/verdict.js';
import type { RulesConfig } from '../config/schema.js';
import type { AgentBudgets } from '../core/budget.js';
import { createDetector, isoMs } from './signals.js';
import { stopState } from './stop-loss.js';

/**
 * Pure: PR snapshot + history + budget + now → verdict. Every step that decides appends a reason,
 * so `radar explain` can show why.
 */

export interface RulesInput {
  pr: StoredPr;
  history: JudgedHistory;
  /** Per agent: may it still be given work this week? */
  budget: AgentBudgets;
  /** Writes GitHub denied in this PR's repository. */
  permissions: readonly PermissionBoundary[];
  now: number;
}

export interface Evaluation {
  verdict: Verdict;
  /** Kinds not judged this time (their candidates are neither seen nor cleared). */
  undetermined: SignalKind[];
  /** Stop-loss decided to stop the PR now (the caller records it). */
  stopNow: string | null;
}

const DAY = 86_400_000;

/** Route of one signal: a maintainer question goes to a conversation, the rest by kind. */
export function routeOf(signal: Signal, rules: RulesConfig): Route {
  switch (signal.kind) {
    case 'maintainer_comment':
      return signal.evidence.question === true
        ? rules.routes.maintainer_question
        : rules.routes.maintainer_comment;
    case 'ci_failing':
    case 'changes_requested':
    case 'conflict':
    case 'stale_body':
      return rules.routes[signal.kind];
    default:
      return 'none';
  }
}

/** The score's terms: each kind present, once, with its weight. */
export function scoreTerms(
  kinds: readonly SignalKind[],
  rules: RulesConfig,
): { kind: SignalKind; weight: number }[] {
  return kinds.map((kind) => ({ kind, weight: rules.weights[kind] }));
}

/** `ci_failing 6 + conflict 4`, built without intermediate objects (every PR, every scan). */
function termsText(kinds: readonly SignalKind[], weightOf: (kind: SignalKind) => number): string {
  let text = '';
  for (const kind of kinds) text += `${text ? ' + ' : ''}${kind} ${weightOf(kind)}`;
  return text;
}

/** Which GitHub write a route needs (a template posts a comment); agents push on their own. */
const WRITE_OF_ROUTE: Partial<Record<Route, string>> = { template: 'comment' };

const PLAIN = Object.freeze({ recommendation: null });

export function createEvaluator(rules: RulesConfig): (input: RulesInput) => Evaluation {
  const lowSignal = rules.lowSignalRepos.length
    ? picomatch(rules.lowSignalRepos, { nocase: true })
    : () => false;
  const weightOf = (kind: SignalKind): number => rules.weights[kind];
  const detectSignals = createDetector(rules);

  return ({ pr, history, budget, permissions, now }) => {
    const { signals, undetermined, lastMaintainerAt } = detectSignals(pr, history);
    const reasons: string[] = [];
    // Arrays, not sets: a PR has a handful of signals, and this runs for the whole queue.
    const kinds: SignalKind[] = [];
    for (const sig of signals) if (!kinds.includes(sig.kind)) kinds.push(sig.kind);
    let sum = 0;
    for (const kind of kinds) sum += weightOf(kind);
    const score = Math.round(sum * 100) / 100;
    let acted: string[] | undefined;
    for (const c of history.candidates) if (c.actedAt !== null) (acted ??= []).push(c.fingerprint);
    const pending = signals.filter(
      (s) => isDispatchable(s.kind) && !(acted !== undefined && acted.includes(s.fingerprint)),
    );
    const result = (
      tier: Tier,
      route: Route,
      suppressed: SuppressionReason | null,
      extra: Partial<Pick<Evaluation, 'stopNow'>> & Pick<Verdict, 'recommendation'> = PLAIN,
    ): Evaluation => ({
      verdict: {
        tier,
        score,
        route,
        signals,
        pending: pending.map((s) => s.fingerprint),
        reasons,
        suppressed,
        recommendation: extra.recommendation,
      },
      undetermined,
      stopNow: extra.stopNow ?? null,
    });

    if (pr.state !== 'open') {
      reasons.push(`the PR is ${pr.state}`);
      return result('closed', 'none', 'closed');
    }

    // Stopped by hand or by stop-loss, until a resume or new maintainer signal.
    const stop = stopState(history, lastMaintainerAt, rules);
    if (stop.stopped) {
      reasons.push(stop.reason);
      const recommendation = stop.by === 'stop-loss' && pr.review !== 'approved' ? 'close' : null;
      if (recommendation)
        reasons.push('recommend closing it: the evidence no longer justifies maintenance');
      return result('stopped', 'none', 'stopped', {
        recommendation,
        stopNow: stop.startsNow ? stop.reason : null,
      });
    }
    if (stop.note) reasons.push(stop.note);

    if (signals.some((s) => s.kind === 'closed_scope')) {
      const which = signals.find((s) => s.kind === 'closed_scope')!;
      reasons.push(
        `closed scope: ${which.detail}; never escalated — close it, or keep it as ordinary review work`,
      );
      return result('watch', 'none', 'closed_scope', {
        recommendation: 'close_or_keep_as_review_work',
      });
    }

    if (lowSignal(pr.repo)) {
      reasons.push(`${pr.repo} is a low-signal repository (rules.lowSignalRepos): watch only`);
      return result('watch', 'none', 'low_signal_repo');
    }

    // Zombie: dirty and old, and no maintainer has spoken for a while.
    const dirty =
      signals.some((s) => s.kind === 'ci_failing' || s.kind === 'conflict') ||
      (pr.mergeable === 'unknown' && pr.mergeableKnown === 'conflicting');
    const ageDays = (now - isoMs(pr.createdAt)) / DAY;
    const quietDays = lastMaintainerAt === null ? Infinity : (now - lastMaintainerAt) / DAY;
    if (dirty && ageDays > rules.zombie.afterDays && quietDays > rules.zombie.quietDays) {
      reasons.push(
        `zombie: ${pr.ci === 'failing' ? 'failing' : 'conflicting'}, ${Math.floor(ageDays)} days old, ` +
          (lastMaintainerAt === null
            ? 'no maintainer signal seen'
            : `no maintainer signal for ${Math.floor(quietDays)} days`) +
          ' — watch only until a maintainer speaks',
      );
      return result('zombie', 'none', 'zombie');
    }

    reasons.push(kinds.length ? `score ${score} = ${termsText(kinds, weightOf)}` : 'no signals');
    if (pending.length === 0) {
      if (signals.some((s) => isDispatchable(s.kind)))
        reasons.push('every signal was already acted on');
      return result('watch', 'none', null);
    }
    if (score < rules.threshold) {
      reasons.push(`under the threshold ${rules.threshold} (rules.threshold)`);
      return result('watch', 'none', 'below_threshold');
    }

    // The most weighty signal not yet acted on decides who works on it.
    const lead = [...pending].sort((a, b) => weightOf(b.kind) - weightOf(a.kind))[0]!;
    const preferred = routeOf(lead, rules);
    reasons.push(`${lead.kind} leads: route ${preferred}`);
    if (preferred === 'none') return result('watch', 'none', null);

    const write = WRITE_OF_ROUTE[preferred];
    if (write && permissions.some((p) => p.repo === pr.repo && p.action === write)) {
      reasons.push(
        `GitHub denied "${write}" in ${pr.repo} before; not retried (radar resume --permissions ${pr.repo})`,
      );
      return result('watch', preferred, 'permission');
    }
    if (preferred === 'template') return result('escalate', 'template', null);

    const chain = [preferred, ...rules.fallback.filter((a) => a !== preferred)];
    const open = chain.find((agent) => budget.get(agent) !== 'exhausted');
    if (!open) {
      reasons.push(`every agent's weekly budget is exhausted (${chain.join(', ')}): stays flagged`);
      return result('escalate', preferred, 'budget');
    }
    if (open !== preferred) reasons.push(`${preferred} is over budget: falls back to ${open}`);
    return result('escalate', open, null);
  };
}

/** Queue order: tier first, then score, then the oldest PR. */
const TIER_RANK: Record<Tier, number> = { escalate: 0, watch: 1, zombie: 2, stopped: 3, closed: 4 };
export function byUrgency(
  a: { tier: Tier; score: number; createdAt: string },
  b: { tier: Tier; score: number; createdAt: string },
): number {
  return (
    TIER_RANK[a.tier] - TIER_RANK[b.tier] ||
    b.score - a.score ||
    (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0)
  );
}
