/**
 * What an escalation bought, as later scans judge it. The session's own end (`succeeded`,
 * `timed_out`…) says how the agent run ended; the outcome says whether the PR got better.
 */

export const OUTCOMES = [
  'resolved',
  'unresolved',
  'not_applied',
  'superseded',
  'merged',
  'closed',
  'pending',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that judge the session's work: the denominator of the resolution rate. */
export const JUDGED_OUTCOMES: readonly Outcome[] = ['resolved', 'unresolved', 'not_applied'];

/** Every outcome but `pending` is final: a later scan never judges the escalation again. */
export const isSettled = (outcome: Outcome): boolean => outcome !== 'pending';

/** The outcome the ledger keeps for one escalation, with when and why. */
export interface OutcomeRecord {
  escalationId: number;
  outcome: Outcome;
  /** One short sentence: what settled it, or what it waits for. */
  reason: string;
  /** The scan that first judged it. */
  firstJudgedAt: number;
  /** When it settled (null while pending). */
  settledAt: number | null;
}
