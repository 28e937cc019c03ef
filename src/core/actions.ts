/**
 * What a session produced and what radar may do with it: the actions queued behind the human gate
 * (`radar approvals`), their states, and the guards that keep a result from being queued. Shared
 * by dispatch (which decides and performs), the ledger (which records) and the reports (which
 * judge outcomes from them).
 */

/** An action waiting for, or decided by, a human (`radar approve`, `radar reject`). */
export const ACTION_KINDS = ['comment', 'close', 'push', 'edit_body'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const ACTION_STATES = [
  'pending',
  /** Claimed by a `radar approve` for its write (claimant null: its write failed or was cut). */
  'performing',
  'done',
  'rejected',
  'failed',
  /** GitHub (or the git remote) refused for lack of permission: recorded, never retried. */
  'denied',
  /** The same comment is already on the PR. */
  'duplicate',
  /** Refused before writing anything (a push whose branch moved since the session started). */
  'refused',
] as const;
export type ActionState = (typeof ACTION_STATES)[number];

/** Still waiting for a human (pending), or for the outcome of its write (performing). */
export const isWaiting = (state: ActionState): boolean =>
  state === 'pending' || state === 'performing';

/** Why a session's result was not queued (each recorded on the escalation with its reason). */
export const GUARD_KINDS = [
  /** The session made no commit on its branch. */
  'no_commits',
  /** More files or changed lines than `dispatch.maxPatch`. */
  'patch_too_large',
  /** CI or repository-automation files changed (`.github/workflows/**`, …). */
  'workflow_files',
  /** A head repository radar cannot push to (a fork without rights, a deleted fork). */
  'permission',
  /** The PR's author is not one of `watch.authors`. */
  'not_own_pr',
  /** The PR's head branch is not known, or is its base branch. */
  'no_head_branch',
] as const;
export type GuardKind = (typeof GUARD_KINDS)[number];

export interface Guard {
  kind: GuardKind;
  /** One line a human reads. */
  reason: string;
}

/**
 * What one session left behind, inspected when it ended: its commits on the session branch ahead
 * of the PR head it started from, their diffstat, the agent's final message, and the guards that
 * kept the commits from being queued as a push.
 */
export interface SessionWork {
  /** The session branch in the clone (null: a scratch folder, nothing to push). */
  branch: string | null;
  /** The PR head the session started from. */
  baseSha: string;
  /** The session branch's tip (the commit a push would send). */
  tipSha: string | null;
  commits: number;
  files: number;
  additions: number;
  deletions: number;
  /** Changed paths (bounded; `files` counts them all). */
  paths: string[];
  /** The agent's final message (sanitised, bounded), or null when none was found. */
  message: string | null;
  guards: Guard[];
}

/** One queued action as the reports need it. */
export interface ActionRecord {
  id: number;
  kind: ActionKind;
  state: ActionState;
  /** The escalation whose session produced it (null: queued from a verdict, e.g. a ping). */
  escalationId: number | null;
  createdAt: number;
  decidedAt: number | null;
}
