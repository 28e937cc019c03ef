import type { PrHistory } from '../core/history.js';
import type { RulesConfig } from '../config/schema.js';

/**
 * Pure: is this PR stopped? By hand (`radar stop`) or by stop-loss — too many tokens, or too many
 * escalations without progress (a signal cleared, a new push, an approval) — until `radar resume`
 * or a maintainer speaks after the stop.
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
  history: PrHistory,
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

  const acted = new Set(
    history.candidates.filter((c) => c.actedAt !== null).map((c) => c.fingerprint),
  );
  const progress = Math.max(
    -Infinity,
    ...history.pushes.map((p) => p.at),
    ...history.reviewChanges.filter((c) => c.to === 'approved').map((c) => c.at),
    ...history.candidates
      .filter((c) => acted.has(c.fingerprint) && c.clearedAt !== null)
      .map((c) => c.clearedAt!),
  );
  const fruitless = spent.filter((e) => e.startedAt > progress);
  if (fruitless.length >= rules.stopLoss.maxEscalationsWithoutProgress)
    return {
      stopped: true,
      by: 'stop-loss',
      reason: `stop-loss: ${fruitless.length} escalations without progress (no signal cleared, no new push, no approval), rules.stopLoss.maxEscalationsWithoutProgress is ${rules.stopLoss.maxEscalationsWithoutProgress}`,
      startsNow: true,
    };
  return { stopped: false, reason: '', startsNow: false, note };
}
