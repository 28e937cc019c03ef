/** Pure: GraphQL pull request nodes → the snapshot radar records. */
import { byCodePoint } from '../render/order.js';

type Maybe<T> = T | null | undefined;

export interface RawPullRequest {
  id: string;
  number: number;
  title: string;
  url: string;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  headRefOid: string;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  mergeStateStatus: Maybe<string>;
  reviewDecision: Maybe<'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED'>;
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  lastEditedAt: Maybe<string>;
  closedAt: Maybe<string>;
  mergedAt: Maybe<string>;
  author: Maybe<{ login: string }>;
  repository: { nameWithOwner: string; isArchived?: boolean };
  latestReviews: Maybe<{
    nodes: Maybe<
      Maybe<{
        author: Maybe<{ login: string }>;
        authorAssociation: string;
        state: string;
        submittedAt: Maybe<string>;
      }>[]
    >;
  }>;
  comments: Maybe<{
    totalCount: number;
    nodes: Maybe<
      Maybe<{ author: Maybe<{ login: string }>; authorAssociation: string; createdAt: string }>[]
    >;
  }>;
  commits: Maybe<{
    nodes: Maybe<
      Maybe<{
        commit: {
          oid: string;
          statusCheckRollup: Maybe<{
            state: string;
            contexts: {
              totalCount: number;
              nodes: Maybe<
                Maybe<
                  | {
                      __typename: 'CheckRun';
                      name: string;
                      status: string;
                      conclusion: Maybe<string>;
                    }
                  | { __typename: 'StatusContext'; context: string; state: string }
                >[]
              >;
            };
          }>;
        };
      }>[]
    >;
  }>;
}

export type CiState = 'passing' | 'failing' | 'pending' | 'none';
export type Mergeable = 'mergeable' | 'conflicting' | 'unknown';
export type Review = 'approved' | 'changes_requested' | 'review_required' | 'none';
export type PrState = 'open' | 'closed' | 'merged';

export interface ReviewSnapshot {
  author: string;
  association: string;
  state: string;
  at: string | null;
}
export interface CommentSnapshot {
  author: string;
  association: string;
  at: string;
}

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
  /** As GitHub answered now (may be unknown while it computes). */
  mergeable: Mergeable;
  mergeState: string | null;
  ci: CiState;
  failingChecks: string[];
  review: Review;
  reviews: ReviewSnapshot[];
  comments: CommentSnapshot[];
  commentCount: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  lastEditedAt: string | null;
  closedAt: string | null;
  mergedAt: string | null;
}

const FAILING = new Set([
  'FAILURE',
  'ERROR',
  'CANCELLED',
  'TIMED_OUT',
  'ACTION_REQUIRED',
  'STARTUP_FAILURE',
]);
const PASSING = new Set(['SUCCESS', 'NEUTRAL', 'SKIPPED']);

/** One check's bucket, the way GitHub's CLI (`gh pr checks`) buckets them. */
export function checkBucket(state: string | null | undefined): 'fail' | 'pass' | 'pending' {
  if (state && FAILING.has(state)) return 'fail';
  if (state && PASSING.has(state)) return 'pass';
  return 'pending';
}

export function ciFromChecks(
  checks: readonly { name: string; state: string | null | undefined }[],
): {
  ci: CiState;
  failing: string[];
} {
  if (checks.length === 0) return { ci: 'none', failing: [] };
  const failing = checks.filter((c) => checkBucket(c.state) === 'fail').map((c) => c.name);
  if (failing.length > 0)
    return { ci: 'failing', failing: [...new Set(failing)].sort(byCodePoint) };
  if (checks.some((c) => checkBucket(c.state) === 'pending')) return { ci: 'pending', failing: [] };
  return { ci: 'passing', failing: [] };
}

const compact = <T>(list: Maybe<Maybe<T>[]>): T[] =>
  (list ?? []).filter((x): x is T => x !== null && x !== undefined);

export function toSnapshot(raw: RawPullRequest): PrSnapshot {
  const commit = compact(raw.commits?.nodes)[0]?.commit;
  const rollup = commit?.statusCheckRollup;
  const checks = compact(rollup?.contexts.nodes).map((c) =>
    c.__typename === 'CheckRun'
      ? // A check run still running has no conclusion: its status (QUEUED, IN_PROGRESS…) is pending.
        { name: c.name, state: c.status === 'COMPLETED' ? c.conclusion : c.status }
      : { name: c.context, state: c.state },
  );
  const checked = ciFromChecks(checks);
  let ci = checked.ci;
  const failing = checked.failing;
  // More contexts than fetched (all of them when scan.checksPerPr is 0): the rollup's own state
  // covers the ones not seen. Failing and pending win over what was seen; passing only fills in
  // when nothing was seen at all.
  if (rollup && rollup.contexts.totalCount > checks.length && ci !== 'failing') {
    const b = checkBucket(rollup.state);
    if (b === 'fail') ci = 'failing';
    else if (b === 'pending') ci = 'pending';
    else if (ci === 'none') ci = 'passing';
  }
  const review: Review =
    raw.reviewDecision === 'APPROVED'
      ? 'approved'
      : raw.reviewDecision === 'CHANGES_REQUESTED'
        ? 'changes_requested'
        : raw.reviewDecision === 'REVIEW_REQUIRED'
          ? 'review_required'
          : 'none';
  return {
    nodeId: raw.id,
    repo: raw.repository.nameWithOwner,
    archived: raw.repository.isArchived === true,
    number: raw.number,
    title: raw.title,
    url: raw.url,
    author: raw.author?.login ?? 'ghost',
    state: raw.state === 'MERGED' ? 'merged' : raw.state === 'CLOSED' ? 'closed' : 'open',
    draft: raw.isDraft,
    headSha: raw.headRefOid,
    mergeable:
      raw.mergeable === 'MERGEABLE'
        ? 'mergeable'
        : raw.mergeable === 'CONFLICTING'
          ? 'conflicting'
          : 'unknown',
    mergeState: raw.mergeStateStatus ?? null,
    ci,
    failingChecks: failing,
    review,
    reviews: compact(raw.latestReviews?.nodes)
      .map((r) => ({
        author: r.author?.login ?? 'ghost',
        association: r.authorAssociation,
        state: r.state,
        at: r.submittedAt ?? null,
      }))
      .sort((a, b) => byCodePoint(a.author, b.author)),
    comments: compact(raw.comments?.nodes).map((c) => ({
      author: c.author?.login ?? 'ghost',
      association: c.authorAssociation,
      at: c.createdAt,
    })),
    commentCount: raw.comments?.totalCount ?? 0,
    additions: raw.additions,
    deletions: raw.deletions,
    changedFiles: raw.changedFiles,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    lastEditedAt: raw.lastEditedAt ?? null,
    closedAt: raw.closedAt ?? null,
    mergedAt: raw.mergedAt ?? null,
  };
}
