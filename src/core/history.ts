import type { Escalation, SuppressionReason } from './verdict.js';
import type { OutcomeRecord } from './outcome.js';

/** A PR's past as the rules need it: read from the ledger, judged by pure code. */

/** One recorded change of one field (the ledger's `pr_changes`). */
export interface FieldChangeRecord {
  at: number;
  field: string;
  from: string | null;
  to: string | null;
}

/** radar's bookkeeping for one signal fingerprint of one PR. */
export interface CandidateRecord {
  fingerprint: string;
  kind: string;
  firstSeenAt: number;
  lastSeenAt: number;
  seenCount: number;
  clearedAt: number | null;
  actedAt: number | null;
  escalationId: number | null;
  suppressed: SuppressionReason | null;
}

/** A manual or automatic stop, or a resume. */
export interface ControlRecord {
  at: number;
  action: 'stop' | 'resume';
  by: 'user' | 'stop-loss';
  reason: string | null;
}

export interface PrHistory {
  /** Head SHA changes in time order (pushes radar saw). */
  pushes: FieldChangeRecord[];
  /** Review decision changes in time order. */
  reviewChanges: FieldChangeRecord[];
  candidates: CandidateRecord[];
  controls: ControlRecord[];
  escalations: Escalation[];
  /** What its escalations bought, as scans judged it (escalations not judged yet have none). */
  outcomes: OutcomeRecord[];
  /** Tokens counted in the ledger for this PR's escalations. */
  tokens: number;
}

/**
 * A PR's past as judging it reads it: `PrHistory` without what only `radar explain` and the
 * reports show (a push's SHAs, a candidate's counts). A scan reads it for the whole queue, where
 * every value read from the ledger costs.
 */
export interface JudgedHistory {
  pushes: readonly Pick<FieldChangeRecord, 'at'>[];
  reviewChanges: readonly Pick<FieldChangeRecord, 'at' | 'to'>[];
  candidates: readonly Pick<CandidateRecord, 'fingerprint' | 'kind' | 'clearedAt' | 'actedAt'>[];
  controls: readonly ControlRecord[];
  escalations: readonly Escalation[];
  outcomes: readonly OutcomeRecord[];
  tokens: number;
}

export const emptyHistory = (): PrHistory => ({
  pushes: [],
  reviewChanges: [],
  candidates: [],
  controls: [],
  escalations: [],
  outcomes: [],
  tokens: 0,
});

/** A GitHub write that was denied once, never retried until the user clears it. */
export interface PermissionBoundary {
  repo: string;
  action: string;
  deniedAt: number;
  status: number;
  message: string | null;
}
