import type { JudgedHistory } from '../core/history.js';
import {
  isDispatchable,
  type CandidateObservation,
  type CandidateOps,
  type SignalKind,
  type Verdict,
  type VerdictRecord,
  type VerdictTrail,
} from '../core/verdict.js';
import type { Judged } from './judge.js';
import { verdictChanges } from './verdict-changes.js';

/**
 * Pure dedupe bookkeeping: a candidate is recorded once per fingerprint, not once per scan. Each
 * scan either sees it again (count and last-seen move on), or it cleared (its evidence is gone);
 * what kept it from being acted on is its suppression reason.
 */

const NOTHING = Object.freeze({
  seen: Object.freeze([]),
  cleared: Object.freeze([]),
}) as unknown as CandidateOps;

export function candidateOps(
  existing: JudgedHistory['candidates'],
  verdict: Verdict,
  undetermined: readonly SignalKind[],
): CandidateOps {
  // Most PRs of a queue have nothing to record: no allocation for them.
  if (existing.length === 0 && !verdict.signals.some((s) => isDispatchable(s.kind))) return NOTHING;
  const current: string[] = [];
  const seen: CandidateObservation[] = [];
  for (const s of verdict.signals) {
    if (!isDispatchable(s.kind)) continue;
    current.push(s.fingerprint);
    seen.push({
      fingerprint: s.fingerprint,
      kind: s.kind,
      // Acted-on candidates keep no suppression; the rest carry why this verdict held them back.
      suppressed: verdict.pending.includes(s.fingerprint) ? verdict.suppressed : null,
    });
  }
  const cleared = existing
    .filter(
      (c) =>
        c.clearedAt === null &&
        !current.includes(c.fingerprint) &&
        !undetermined.includes(c.kind as SignalKind),
    )
    .map((c) => c.fingerprint);
  return { seen, cleared };
}

/**
 * What the ledger keeps of one judgement, given the PR's verdict before it (undefined: none): the
 * dedupe bookkeeping and the verdict's history lines are worked out here, once.
 */
export const toVerdictRecord = (j: Judged, before: VerdictTrail | undefined): VerdictRecord => ({
  nodeId: j.nodeId,
  verdict: j.evaluation.verdict,
  candidates: candidateOps(j.history.candidates, j.evaluation.verdict, j.evaluation.undetermined),
  changes: verdictChanges(before, j.evaluation.verdict),
  stopNow: j.evaluation.stopNow,
});
