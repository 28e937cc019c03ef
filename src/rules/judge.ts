import type { StoredPr } from '../core/pr.js';
import { emptyHistory, type PermissionBoundary, type JudgedHistory } from '../core/history.js';
import { TIERS, type Tier } from '../core/verdict.js';
import type { RulesConfig } from '../config/schema.js';
import type { AgentBudgets } from '../core/budget.js';
import { createEvaluator, byUrgency, type Evaluation } from './evaluate.js';

/**
 * Pure: judges a set of PRs with their histories — what a scan (and `radar stop`/`resume`) records.
 * Watched open PRs are judged every time (time alone moves tiers: a PR ages into a zombie), and a
 * PR that left the queue once more, to record it as closed.
 */

/** Shared by every PR without a past (never written to). */
const NO_HISTORY: JudgedHistory = Object.freeze(emptyHistory()) as JudgedHistory;

export interface Judged {
  nodeId: string;
  pr: StoredPr;
  evaluation: Evaluation;
  history: JudgedHistory;
}

export interface JudgeInput {
  prs: Iterable<StoredPr>;
  histories: ReadonlyMap<string, JudgedHistory>;
  permissions: readonly PermissionBoundary[];
  /** The tier each PR had, to judge a closed PR only once. */
  previousTier: (nodeId: string) => Tier | undefined;
  budget: AgentBudgets;
  rules: RulesConfig;
  now: number;
}

export function judgeAll(input: JudgeInput): {
  judged: Judged[];
  tiers: Record<Tier, number>;
  flagged: Judged[];
} {
  const evaluate = createEvaluator(input.rules);
  const judged: Judged[] = [];
  const tiers = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
  const denied = new Map<string, PermissionBoundary[]>();
  for (const p of input.permissions) denied.set(p.repo, [...(denied.get(p.repo) ?? []), p]);
  for (const pr of input.prs) {
    const open = pr.state === 'open' && pr.watched;
    const before = input.previousTier(pr.nodeId);
    // A PR no longer watched (its repository ignored since) is not judged at all.
    if (pr.state === 'open' && !pr.watched) continue;
    if (!open && (before === undefined || before === 'closed')) continue;
    const history = input.histories.get(pr.nodeId) ?? NO_HISTORY;
    const evaluation = evaluate({
      pr,
      history,
      budget: input.budget,
      permissions: denied.get(pr.repo) ?? [],
      now: input.now,
    });
    judged.push({
      nodeId: pr.nodeId,
      pr,
      evaluation,
      history,
    });
    if (open) tiers[evaluation.verdict.tier]++;
  }
  const flagged = judged
    .filter(
      (j) => j.pr.state === 'open' && j.pr.watched && j.evaluation.verdict.tier === 'escalate',
    )
    .map((j) => ({
      j,
      key: {
        tier: j.evaluation.verdict.tier,
        score: j.evaluation.verdict.score,
        createdAt: j.pr.createdAt,
      },
    }))
    .sort((a, b) => byUrgency(a.key, b.key))
    .map(({ j }) => j);
  return { judged, tiers, flagged };
}
