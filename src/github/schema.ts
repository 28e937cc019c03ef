import * as z from 'zod';
import { isObject, isPullRequestNode } from './guards.js';

/**
 * What GitHub's GraphQL answers must look like, checked where they enter radar. Every node is
 * checked on its own: one malformed PR is dropped (and named) while the rest of the page is kept.
 * The shapes follow the documents in queries.ts; fields radar does not ask for are not listed.
 * Loaded only when an answer holds a node to check (client.ts): a scan to which GitHub sends
 * nothing new loads no zod (the few fields every answer carries are checked in guards.ts).
 */

/** A connection's `nodes`, where GitHub may put null for an element it could not resolve. */
const nodesOf = <T extends z.ZodType>(node: T) =>
  z.object({ nodes: z.array(node.nullable()).nullish() }).nullish();

const actor = z.object({ login: z.string(), __typename: z.string().optional() });
const time = z.iso.datetime({ offset: true });

const checkContext = z.discriminatedUnion('__typename', [
  z.object({
    __typename: z.literal('CheckRun'),
    name: z.string(),
    status: z.string(),
    conclusion: z.string().nullish(),
  }),
  z.object({ __typename: z.literal('StatusContext'), context: z.string(), state: z.string() }),
]);

export const pullRequestNode = z.object({
  id: z.string().min(1),
  number: z.number().int().positive(),
  title: z.string(),
  url: z.string(),
  state: z.enum(['OPEN', 'CLOSED', 'MERGED']),
  isDraft: z.boolean(),
  headRefOid: z.string(),
  headRefName: z.string().nullish(),
  headRepository: z.object({ nameWithOwner: z.string().min(3) }).nullish(),
  isCrossRepository: z.boolean().nullish(),
  maintainerCanModify: z.boolean().nullish(),
  baseRefOid: z.string().nullish(),
  baseRefName: z.string().nullish(),
  mergeable: z.enum(['MERGEABLE', 'CONFLICTING', 'UNKNOWN']),
  mergeStateStatus: z.string().nullish(),
  reviewDecision: z.enum(['APPROVED', 'CHANGES_REQUESTED', 'REVIEW_REQUIRED']).nullish(),
  additions: z.number().int(),
  deletions: z.number().int(),
  changedFiles: z.number().int(),
  createdAt: time,
  updatedAt: time,
  lastEditedAt: time.nullish(),
  closedAt: time.nullish(),
  mergedAt: time.nullish(),
  author: actor.nullish(),
  repository: z.object({ nameWithOwner: z.string().min(3), isArchived: z.boolean().optional() }),
  latestReviews: nodesOf(
    z.object({
      id: z.string().optional(),
      author: actor.nullish(),
      authorAssociation: z.string(),
      state: z.string(),
      submittedAt: time.nullish(),
    }),
  ),
  comments: z
    .object({
      totalCount: z.number().int(),
      nodes: z
        .array(
          z
            .object({
              id: z.string().optional(),
              author: actor.nullish(),
              authorAssociation: z.string(),
              createdAt: time,
            })
            .nullable(),
        )
        .nullish(),
    })
    .nullish(),
  closingIssuesReferences: nodesOf(
    z.object({
      number: z.number().int(),
      state: z.enum(['OPEN', 'CLOSED']),
      stateReason: z.string().nullish(),
      repository: z.object({ nameWithOwner: z.string() }),
    }),
  ).optional(),
  commits: nodesOf(
    z.object({
      commit: z.object({
        oid: z.string(),
        committedDate: time.nullish(),
        statusCheckRollup: z
          .object({
            state: z.string(),
            contexts: z.object({
              totalCount: z.number().int(),
              nodes: z.array(checkContext.nullable()).nullish(),
            }),
          })
          .nullish(),
      }),
    }),
  ),
});

/** One PR as the search and nodes queries bring it. */
export type RawPullRequest = z.input<typeof pullRequestNode>;
/** One PR node as its check gives it back. */
export type PullRequestNode = z.output<typeof pullRequestNode>;

export const pullRequestDetailsNode = z.object({
  id: z.string().min(1),
  latestReviews: nodesOf(z.object({ id: z.string(), body: z.string().nullish() })),
  comments: nodesOf(z.object({ id: z.string(), body: z.string().nullish() })),
  closingIssuesReferences: nodesOf(
    z.object({
      number: z.number().int(),
      repository: z.object({ nameWithOwner: z.string() }),
      labels: nodesOf(z.object({ name: z.string() })),
    }),
  ),
});

/** What the details query brings for one PR. */
export type RawPullRequestDetails = z.input<typeof pullRequestDetailsNode>;

/** Where a node failed its check, in a few words (the first problem, with its path). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'malformed';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * Fewer nodes than this in one answer are checked without zod's compiled fast paths: compiling
 * them costs a fresh process about 25 ms, checking one node without them a fraction of a
 * millisecond; they pay off from a few dozen nodes on (a scan reuses the nodes GitHub sends
 * unchanged, so most of its answers hold only a few nodes to check, or none).
 */
export const FEW_NODES = 25;

/**
 * A list of nodes, each checked on its own: a node `keep` refuses (not a PR, null) becomes null;
 * one that fails the check becomes null too, and is named in `dropped`.
 */
export function checkNodes<S extends z.ZodType>(
  nodes: unknown,
  schema: S,
  keep: (node: unknown) => boolean,
  dropped: string[],
): (z.output<S> | null)[] {
  const list: unknown[] = Array.isArray(nodes) ? nodes : [];
  const options = list.length < FEW_NODES ? { jitless: true } : undefined;
  return list.map((node: unknown) => {
    if (!keep(node)) return null;
    const parsed = schema.safeParse(node, options);
    if (parsed.success) return parsed.data as z.output<S>;
    const id = isObject(node) && typeof node.id === 'string' ? node.id : 'a node';
    dropped.push(`${id}: ${describeIssue(parsed.error)}`);
    return null;
  });
}

/** PR nodes checked against `pullRequestNode` (what `readPullRequests` takes). */
export const checkPullRequestNodes = (
  nodes: unknown[],
  dropped: string[],
): (PullRequestNode | null)[] => checkNodes(nodes, pullRequestNode, isPullRequestNode, dropped);
