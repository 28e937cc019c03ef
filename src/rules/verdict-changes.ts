import type { FieldChange } from '../core/pr.js';
import type { VerdictTrail } from '../core/verdict.js';

/**
 * Which fields of a PR's verdict are history, and which of them a new judgement changed. Pure:
 * the ledger writes the changes it is given, it does not compare verdicts.
 */

/** The verdict fields whose changes are history: tier, route, the set of signal fingerprints. */
export const VERDICT_HISTORY_FIELDS = ['tier', 'route', 'signals'] as const;

/** A verdict's history fields as text (signal fingerprints sorted, space-separated). */
export function verdictHistory(v: VerdictTrail): Record<'tier' | 'route' | 'signals', string> {
  return {
    tier: v.tier,
    route: v.route,
    signals: v.signals
      .map((s) => s.fingerprint)
      .sort()
      .join(' '),
  };
}

/**
 * The same fingerprints in the same order: the same set, without sorting either. A queue judged
 * again mostly finds every verdict as it was, its signals in the order they were recorded.
 */
function sameSignals(a: VerdictTrail['signals'], b: VerdictTrail['signals']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.fingerprint !== b[i]!.fingerprint) return false;
  return true;
}

/**
 * The history fields that differ between the verdict before (undefined: the PR's first) and the
 * new one, in field order. The new value of a field left empty (no signals) is null.
 */
export function verdictChanges(
  before: VerdictTrail | undefined,
  after: VerdictTrail,
): FieldChange[] {
  if (
    before &&
    before.tier === after.tier &&
    before.route === after.route &&
    sameSignals(before.signals, after.signals)
  )
    return [];
  const a = before ? verdictHistory(before) : undefined;
  const b = verdictHistory(after);
  const changes: FieldChange[] = [];
  for (const field of VERDICT_HISTORY_FIELDS)
    if (a?.[field] !== b[field])
      changes.push({ field, from: a?.[field] ?? null, to: b[field] || null });
  return changes;
}
