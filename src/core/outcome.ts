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

/** The actions a session's result becomes: a push of its commits, a reply, a new description. */
export type OutcomeActionKind = 'push' | 'comment' | 'edit_body';

/**
 * Where one action stands, as the outcome needs it: `waiting` for approval (or being performed),
 * `done` (it reached the PR, or the same text was already there), `dropped` (rejected, refused
 * by a guard at approval time, denied or failed).
 */
export type OutcomeActionState = 'waiting' | 'done' | 'dropped';

export interface OutcomeAction {
  kind: OutcomeActionKind;
  state: OutcomeActionState;
  /** When it was queued (the approval window starts here). */
  queuedAt: number;
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
