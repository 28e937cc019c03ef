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

/** One judgement of an escalation's outcome, as a scan records it. */
export interface OutcomeWrite {
  escalationId: number;
  outcome: Outcome;
  reason: string;
}

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

/** One escalation as the outcome report reads it: who, what for, what it cost, what it bought. */
export interface OutcomeRow {
  id: number;
  nodeId: string;
  repo: string;
  number: number;
  agent: string;
  /** The model that counted the most of its tokens (null: none reported). */
  model: string | null;
  fingerprints: string[];
  startedAt: number;
  /** How the session itself ended (`succeeded`, `timed_out`, `dry_run`…). */
  session: string;
  tokens: number | null;
  /** `pending` while no scan has judged it yet. */
  outcome: Outcome;
  reason: string | null;
  settledAt: number | null;
}
