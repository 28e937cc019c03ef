/**
 * The PR domain types every layer shares: `github/` produces snapshots, `ledger/` stores them,
 * `rules/` judges them. Nothing here imports the shell.
 */

export type PrState = 'open' | 'closed' | 'merged';
export type CiState = 'passing' | 'failing' | 'pending' | 'none';
export type Mergeable = 'mergeable' | 'conflicting' | 'unknown';
export type Review = 'approved' | 'changes_requested' | 'review_required' | 'none';

/** GitHub's author associations that make someone a maintainer of the repository. */
export const MAINTAINER_ASSOCIATIONS: ReadonlySet<string> = new Set([
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
]);

export interface ReviewSnapshot {
  /** GitHub node id of the review (a stable fingerprint); empty in ledgers written before ids. */
  id: string;
  author: string;
  association: string;
  /** The author is a GitHub App or bot account. */
  bot: boolean;
  state: string;
  at: string | null;
  /** Review text, bounded in size; undefined when radar has not fetched it. */
  body?: string;
}

export interface CommentSnapshot {
  id: string;
  author: string;
  association: string;
  bot: boolean;
  at: string;
  body?: string;
}

/** An issue the PR closes when merged (GitHub's `closingIssuesReferences`). */
export interface ClosingIssue {
  repo: string;
  number: number;
  state: 'open' | 'closed';
  /** COMPLETED, NOT_PLANNED, DUPLICATE, REOPENED, or null. */
  stateReason: string | null;
  /** Label names; undefined when radar has not fetched them. */
  labels?: string[];
}

/** One PR as one scan saw it. */
export interface PrSnapshot {
  nodeId: string;
  repo: string;
  /** The repository is archived (a search without `archived:false` support may still return it). */
  archived: boolean;
  number: number;
  title: string;
  url: string;
  author: string;
  state: PrState;
  draft: boolean;
  headSha: string;
  /**
   * Where a fix goes: the head branch, the head repository (owner/name; null when the fork was
   * deleted), whether it is a fork, whether the base repository's maintainers may push to it, and
   * the base branch. Undefined in snapshots of a GitHub double that leaves them out.
   */
  headRef?: string | null;
  headRepo?: string | null;
  headFork?: boolean | null;
  maintainerCanModify?: boolean | null;
  baseRef?: string | null;
  /** When the head commit was committed (the last push, as near as GitHub tells). */
  headCommittedAt: string | null;
  baseSha: string | null;
  /** As GitHub answered now (may be unknown while it computes). */
  mergeable: Mergeable;
  mergeState: string | null;
  ci: CiState;
  failingChecks: string[];
  review: Review;
  reviews: ReviewSnapshot[];
  comments: CommentSnapshot[];
  commentCount: number;
  closingIssues: ClosingIssue[];
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  lastEditedAt: string | null;
  closedAt: string | null;
  mergedAt: string | null;
  /**
   * The digest of the GitHub node this snapshot was read from (github/digest.ts), with the
   * version of the query and of the normalisation; null or undefined when it was not read from
   * one node as is (a PR the scan recorded closed because GitHub no longer returns it).
   */
  nodeDigest?: string | null;
}

/** A PR as the ledger holds it: the last snapshot plus what radar derived over time. */
export interface StoredPr extends PrSnapshot {
  watched: boolean;
  /** Last mergeability GitHub actually computed (kept while it says unknown). */
  mergeableKnown: 'mergeable' | 'conflicting' | null;
  /** When comment and review bodies and issue labels were last fetched (ms), or null. */
  detailsAt: number | null;
  firstSeenAt: number;
  lastChangedAt: number;
}

/** `owner/name#123`. */
export interface PrRef {
  repo: string;
  number: number;
}

export const formatPrRef = (ref: PrRef): string => `${ref.repo}#${ref.number}`;

/**
 * Parses `owner/name#123`, a PR URL (`https://github.com/owner/name/pull/123`, also a GitHub
 * Enterprise host), or `#123` / `123` (then `repo` is undefined: the caller resolves it against
 * the PRs it knows). Returns undefined for anything else.
 */
export function parsePrRef(text: string): { repo?: string; number: number } | undefined {
  const s = text.trim();
  let m = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(s);
  if (m) return { repo: m[1]!, number: Number(m[2]) };
  m = /^https?:\/\/[^/]+\/([\w.-]+\/[\w.-]+)\/pull\/(\d+)(?:[/?#].*)?$/.exec(s);
  if (m) return { repo: m[1]!, number: Number(m[2]) };
  m = /^#?(\d+)$/.exec(s);
  if (m) return { number: Number(m[1]) };
  return undefined;
}

/** One field of a PR that differs between the recorded row and a new snapshot. */
export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

/**
 * The text of one PR that a scan reads only when the PR changed: comment and review bodies by
 * node id (each already cut to the configured size), and the labels of the issues it closes by
 * `owner/name#123`.
 */
export interface PrDetails {
  nodeId: string;
  bodies: ReadonlyMap<string, string>;
  labels: ReadonlyMap<string, string[]>;
}
