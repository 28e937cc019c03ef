import type { JudgedHistory } from '../core/history.js';
import type { RulesConfig } from '../config/schema.js';
import type { Escalation } from '../core/verdict.js';
import type { Outcome } from '../core/outcome.js';

/**
 * Pure: is this PR stopped? By hand (`radar stop`) or by stop-loss — too many tokens, the same kind
 * of signal left unresolved escalation after escalation, or too many escalations settled without
 * progress (none resolved its signals, no approval) — until `radar resume` or a maintainer speaks
 * after the stop.
 */

export interface StopState {
  stopped: boolean;
  by?: 'user' | 'stop-loss';
  reason: string;
  /** Stop-loss decides the stop in this evaluation (to be recorded). */
  startsNow: boolean;
  /** Something worth showing though the PR is not stopped (a revival). */
  note?: string;
}

const NOT_STOPPED: StopState = Object.freeze({ stopped: false, reason: '', startsNow: false });

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export function stopState(
  history: JudgedHistory,
  lastMaintainerAt: number | null,
  rules: RulesConfig,
): StopState {
  // Most PRs were never stopped nor escalated: nothing to weigh.
  if (history.controls.length === 0 && history.escalations.length === 0) return NOT_STOPPED;
  const controls = [...history.controls].sort((a, b) => a.at - b.at);
  const last = controls[controls.length - 1];
  let windowStart = -Infinity;
  let note: string | undefined;
  if (last?.action === 'resume') windowStart = last.at;
  if (last?.action === 'stop') {
    if (lastMaintainerAt === null || lastMaintainerAt <= last.at)
      return {
        stopped: true,
        by: last.by,
        reason:
          last.by === 'user'
            ? `stopped by hand on ${day(last.at)}${last.reason ? ` (${last.reason})` : ''}; radar resume to watch it again`
            : `${last.reason ?? 'stop-loss'} (since ${day(last.at)}); radar resume, or a maintainer's new signal, revives it`,
        startsNow: false,
      };
    windowStart = last.at;
    note = `revived: a maintainer spoke after it was stopped on ${day(last.at)}`;
  }

  const spent = history.escalations.filter(
    (e) => e.startedAt > windowStart && e.outcome !== 'dry_run' && e.outcome !== 'refused',
  );
  const tokens = spent.reduce((sum, e) => sum + (e.tokens ?? 0), 0);
  if (tokens > rules.stopLoss.maxTokensPerPr)
    return {
      stopped: true,
      by: 'stop-loss',
      reason: `stop-loss: ${tokens.toLocaleString('en-US')} tokens spent on this PR, over rules.stopLoss.maxTokensPerPr (${rules.stopLoss.maxTokensPerPr.toLocaleString('en-US')})`,
      startsNow: true,
    };

  // Progress is a settled outcome that resolved something (or an approval): a push alone is
  // not, since radar's own pushes would then always look like progress.
  const outcomes = new Map(history.outcomes.map((o) => [o.escalationId, o]));
  const progress = Math.max(
    -Infinity,
    ...history.reviewChanges.filter((c) => c.to === 'approved').map((c) => c.at),
    ...history.outcomes
      .filter((o) => o.outcome === 'resolved' && o.settledAt !== null)
      .map((o) => o.settledAt!),
  );
  const settled = (e: Escalation) => outcomes.get(e.id)?.settledAt != null;
  const outcomeOf = (e: Escalation) => outcomes.get(e.id)?.outcome;

  // The same kind of signal left unresolved by escalation after escalation.
  for (const [kind, streak] of unresolvedStreaks(spent, outcomeOf))
    if (streak >= rules.stopLoss.maxEscalationsWithoutProgress)
      return {
        stopped: true,
        by: 'stop-loss',
        reason: `stop-loss: ${streak} escalations in a row left ${kind} unresolved, rules.stopLoss.maxEscalationsWithoutProgress is ${rules.stopLoss.maxEscalationsWithoutProgress}`,
        startsNow: true,
      };

  const fruitless = spent.filter(
    (e) => e.startedAt > progress && settled(e) && outcomeOf(e) !== 'resolved',
  );
  if (fruitless.length >= rules.stopLoss.maxEscalationsWithoutProgress)
    return {
      stopped: true,
      by: 'stop-loss',
      reason: `stop-loss: ${fruitless.length} escalations without progress (none resolved its signals, no approval), rules.stopLoss.maxEscalationsWithoutProgress is ${rules.stopLoss.maxEscalationsWithoutProgress}`,
      startsNow: true,
    };
  return { stopped: false, reason: '', startsNow: false, note };
}

/**
 * Per signal kind, how many of the latest settled escalations for it were `unresolved` in a row
 * (a `resolved` one ends the streak; outcomes that judge nothing neither count nor end it).
 */
export function unresolvedStreaks(
  escalations: readonly Escalation[],
  outcomeOf: (e: Escalation) => Outcome | undefined,
): Map<string, number> {
  const streaks = new Map<string, number>();
  const ordered = [...escalations].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
  for (const e of ordered) {
    const outcome = outcomeOf(e);
    for (const kind of new Set(e.fingerprints.map((f) => f.slice(0, f.indexOf(':'))))) {
      if (outcome === 'unresolved') streaks.set(kind, (streaks.get(kind) ?? 0) + 1);
      else if (outcome === 'resolved') streaks.set(kind, 0);
    }
  }
  return streaks;
}
