/**
 * The data a fake GitHub serves: plain objects close to GitHub's own shapes, so tests read like
 * the queues they describe. Tests may mutate a running server's scenario between scans.
 */

export type CheckStatus =
  'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'WAITING' | 'PENDING' | 'REQUESTED';
export type CheckConclusion =
  | 'SUCCESS'
  | 'FAILURE'
  | 'NEUTRAL'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'ACTION_REQUIRED'
  | 'SKIPPED'
  | 'STALE'
  | 'STARTUP_FAILURE';
export type StatusState = 'SUCCESS' | 'FAILURE' | 'ERROR' | 'PENDING' | 'EXPECTED';
export type AuthorAssociation =
  | 'OWNER'
  | 'MEMBER'
  | 'COLLABORATOR'
  | 'CONTRIBUTOR'
  | 'FIRST_TIME_CONTRIBUTOR'
  | 'FIRST_TIMER'
  | 'MANNEQUIN'
  | 'NONE';

export type FakeCheck =
  | { kind: 'check_run'; name: string; status: CheckStatus; conclusion: CheckConclusion | null }
  | { kind: 'status'; context: string; state: StatusState };

export interface FakeReview {
  /** Node id (default: derived from the PR, author and time). */
  id?: string;
  author: string;
  /** A GitHub App (GraphQL type Bot). */
  bot?: boolean;
  authorAssociation: AuthorAssociation;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  submittedAt: string;
  body?: string;
}

export interface FakeComment {
  id?: string;
  author: string;
  bot?: boolean;
  authorAssociation: AuthorAssociation;
  body: string;
  createdAt: string;
}

export interface FakePullRequest {
  /** "owner/name" */
  repo: string;
  number: number;
  title: string;
  body?: string;
  author: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft?: boolean;
  headSha: string;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  mergeStateStatus?:
    'CLEAN' | 'DIRTY' | 'UNSTABLE' | 'BLOCKED' | 'BEHIND' | 'HAS_HOOKS' | 'UNKNOWN' | 'DRAFT';
  reviewDecision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
  checks: FakeCheck[];
  reviews: FakeReview[];
  comments: FakeComment[];
  additions: number;
  deletions: number;
  changedFiles: number;
  /** Head branch (default: `pr-<number>`). */
  headRef?: string;
  /** Head repository, owner/name (default: the PR's own; null: the fork was deleted). */
  headRepo?: string | null;
  /** Whether maintainers of the base repository may push to a fork's head branch (default false). */
  maintainerCanModify?: boolean;
  /** Base branch (default: `main`). */
  baseRef?: string;
  /** Base branch tip (default: a fixed SHA). */
  baseSha?: string;
  /** When the head commit was committed (default: updatedAt). */
  headCommittedAt?: string;
  /** Issues the PR closes (GitHub's closingIssuesReferences). */
  closingIssues?: FakeIssue[];
  createdAt: string;
  updatedAt: string;
  lastEditedAt?: string | null;
  closedAt?: string | null;
  mergedAt?: string | null;
}

export interface FakeIssue {
  /** "owner/name" (default: the PR's repository). */
  repo?: string;
  number: number;
  state: 'OPEN' | 'CLOSED';
  stateReason?: 'COMPLETED' | 'NOT_PLANNED' | 'DUPLICATE' | 'REOPENED' | null;
  labels?: string[];
}

export interface FakeRepository {
  /** "owner/name" */
  nameWithOwner: string;
  archived?: boolean;
}

export interface FakeScenario {
  /** The login the valid token belongs to. */
  viewer: string;
  /** Tokens the server accepts; any other token gets 401 Bad credentials. */
  tokens: string[];
  /** Sent back in X-OAuth-Scopes. */
  scopes: string[];
  repositories?: FakeRepository[];
  pullRequests: FakePullRequest[];
  /** GraphQL primary rate limit state (points). */
  rateLimit?: { limit: number; remaining: number; resetAt: string };
  /**
   * A GraphQL answer larger than this many bytes is refused the way GitHub refuses a query that
   * exceeds its time or resource limits (200, `data: null`, an error); unset: no limit.
   */
  maxResponseBytes?: number;
  /** REST writes GitHub refuses (a repo where the token may not comment or close): the status. */
  denyWrites?: { repo: string; action: 'comment' | 'close'; status: 403 | 404 }[];
}

/**
 * Faults injected on demand; each applies to the next `times` matching requests (Infinity: every
 * one), after letting `after` matching requests through untouched (default 0).
 */
export type FakeFault = (
  | { kind: 'status'; status: 500 | 502 | 503 }
  | {
      kind: 'secondary-rate-limit';
      retryAfterSeconds: number;
      /** GitHub answers a secondary limit with 403 or 429 (default 403). */
      status?: 403 | 429;
    }
  | { kind: 'primary-exhausted' }
  | { kind: 'malformed-body' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'connection-reset' }
) & { times?: number; after?: number; on?: 'graphql' | 'rest' | 'any' };

export interface FakeStats {
  requests: number;
  graphqlRequests: number;
  restRequests: number;
  /** GraphQL rate-limit points charged (GitHub's documented cost formula). */
  points: number;
  /** Requests answered with a fault. */
  faults: number;
  /**
   * Time spent answering (ms): from each request's arrival to the end of its answer, injected
   * latency included. A client sends one request at a time, so its wall time minus this is its
   * own cost.
   */
  answerMs: number;
  /** Per request: method, path, status, points. */
  log: { method: string; path: string; status: number; points: number }[];
}
