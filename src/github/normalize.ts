/** Pure: GraphQL pull request nodes → the snapshot radar records. */
import { byCodePoint } from '../render/order.js';
import type {
  CiState,
  ClosingIssue,
  CommentSnapshot,
  PrDetails,
  PrSnapshot,
  Review,
  ReviewSnapshot,
} from '../core/pr.js';
import type { RawPullRequest, RawPullRequestDetails } from './schema.js';

type Maybe<T> = T | null | undefined;

/** `__typename` tells a bot (a GitHub App's `Bot`) from a user. */
interface RawActor {
  login: string;
  __typename?: string;
}

export type { RawPullRequest, RawPullRequestDetails };
export type { CiState, PrSnapshot } from '../core/pr.js';

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

/** A checked node as radar records it; `nodeDigest`: the node's (digest.ts), when known. */
export function toSnapshot(raw: RawPullRequest, nodeDigest: string | null = null): PrSnapshot {
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
    headCommittedAt: commit?.committedDate ?? null,
    baseSha: raw.baseRefOid ?? null,
    headRef: raw.headRefName ?? null,
    headRepo: raw.headRepository?.nameWithOwner ?? null,
    headFork: raw.isCrossRepository ?? null,
    maintainerCanModify: raw.maintainerCanModify ?? null,
    baseRef: raw.baseRefName ?? null,
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
      .map((r): ReviewSnapshot => ({
        id: r.id ?? '',
        author: r.author?.login ?? 'ghost',
        association: r.authorAssociation,
        bot: isBot(r.author),
        state: r.state,
        at: r.submittedAt ?? null,
      }))
      .sort((a, b) => byCodePoint(a.author, b.author)),
    comments: compact(raw.comments?.nodes).map((c): CommentSnapshot => ({
      id: c.id ?? '',
      author: c.author?.login ?? 'ghost',
      association: c.authorAssociation,
      bot: isBot(c.author),
      at: c.createdAt,
    })),
    commentCount: raw.comments?.totalCount ?? 0,
    closingIssues: compact(raw.closingIssuesReferences?.nodes).map((i): ClosingIssue => ({
      repo: i.repository.nameWithOwner,
      number: i.number,
      state: i.state === 'CLOSED' ? 'closed' : 'open',
      stateReason: i.stateReason ?? null,
    })),
    additions: raw.additions,
    deletions: raw.deletions,
    changedFiles: raw.changedFiles,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    lastEditedAt: raw.lastEditedAt ?? null,
    closedAt: raw.closedAt ?? null,
    mergedAt: raw.mergedAt ?? null,
    nodeDigest,
  };
}

/** A deleted account shows as no author; a GitHub App as `Bot` (REST spells it `name[bot]`). */
function isBot(actor: Maybe<RawActor>): boolean {
  return actor?.__typename === 'Bot' || /\[bot\]$/i.test(actor?.login ?? '');
}

/** Text longer than this many characters is cut (a marker says so): prompts stay bounded. */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… ${text.length - max} more characters not kept]`;
}

/** The details query's answer for one PR, its bodies cut to `maxBodyChars` (pure). */
export function toDetails(raw: RawPullRequestDetails, maxBodyChars: number): PrDetails {
  const bodies = new Map<string, string>();
  for (const n of [...compact(raw.comments?.nodes), ...compact(raw.latestReviews?.nodes)])
    bodies.set(n.id, boundText(n.body ?? '', maxBodyChars));
  const labels = new Map<string, string[]>();
  for (const i of compact(raw.closingIssuesReferences?.nodes))
    labels.set(
      `${i.repository.nameWithOwner}#${i.number}`,
      compact(i.labels?.nodes).map((l) => l.name),
    );
  return { nodeId: raw.id, bodies, labels };
}

/** Adds a PR's bodies and labels to its snapshot (pure). */
export function applyDetails(snap: PrSnapshot, details: PrDetails): PrSnapshot {
  const { bodies, labels } = details;
  const withBody = <T extends { id: string; body?: string }>(c: T): T =>
    bodies.has(c.id) ? { ...c, body: bodies.get(c.id) } : c;
  return {
    ...snap,
    comments: snap.comments.map(withBody),
    reviews: snap.reviews.map(withBody),
    closingIssues: snap.closingIssues.map((i) => {
      const l = labels.get(`${i.repo}#${i.number}`);
      return l ? { ...i, labels: l } : i;
    }),
  };
}
