import { describe, expect, it } from 'vitest';
import type { PrSnapshot } from '../../src/core/pr.js';
import { NORMALISER_VERSION, nodeDigest, readPullRequests } from '../../src/github/digest.js';
import { toSnapshot, type RawPullRequest } from '../../src/github/normalize.js';
import { checkPullRequestNodes } from '../../src/github/schema.js';
import { rawPullRequest } from '../helpers/raw-pull-request.js';

/** A PR node as the search query brings it (a fresh copy each call). */
const node = () =>
  rawPullRequest({
    title: 'fix: a bug',
    reviewDecision: 'REVIEW_REQUIRED',
    updatedAt: '2026-06-02T00:00:00Z',
    repository: { nameWithOwner: 'o/r', isArchived: false },
    latestReviews: {
      nodes: [
        {
          id: 'PRR_1',
          author: { login: 'maint' },
          authorAssociation: 'MEMBER',
          state: 'COMMENTED',
          submittedAt: '2026-06-01T10:00:00Z',
        },
      ],
    },
    comments: {
      totalCount: 1,
      nodes: [
        {
          id: 'IC_1',
          author: { login: 'maint' },
          authorAssociation: 'MEMBER',
          createdAt: '2026-06-01T11:00:00Z',
        },
      ],
    },
    closingIssuesReferences: {
      nodes: [
        { number: 9, state: 'OPEN', stateReason: null, repository: { nameWithOwner: 'o/r' } },
      ],
    },
    commits: {
      nodes: [
        {
          commit: {
            oid: 'abc',
            committedDate: '2026-06-01T09:00:00Z',
            statusCheckRollup: {
              state: 'PENDING',
              contexts: {
                totalCount: 1,
                nodes: [
                  {
                    __typename: 'CheckRun',
                    name: 'build',
                    status: 'IN_PROGRESS',
                    conclusion: null,
                  },
                ],
              },
            },
          },
        },
      ],
    },
  });

/** What the ledger gives back for a PR recorded from `raw`: its snapshot, `archived` not kept. */
const recorded = (raw: unknown, version = NORMALISER_VERSION): PrSnapshot => ({
  ...toSnapshot(raw as RawPullRequest, nodeDigest(raw, version)),
  archived: false,
});

const read = async (nodes: unknown[], known: PrSnapshot[]) => {
  const dropped: string[] = [];
  const prs = await readPullRequests(
    nodes,
    new Map(known.map((p) => [p.nodeId, p])),
    checkPullRequestNodes,
    dropped,
  );
  return { prs, dropped };
};

type Raw = ReturnType<typeof node>;
const commit = (n: Raw) => n.commits!.nodes![0]!.commit;

describe('PR nodes GitHub sends again', () => {
  it('a node as it was recorded is answered with the recorded snapshot itself', async () => {
    const before = recorded(node());
    const { prs, dropped } = await read([node()], [before]);
    expect(prs[0]).toBe(before);
    expect(dropped).toEqual([]);
  });

  it.each<[string, (n: Raw) => void]>([
    ['the title', (n) => (n.title = 'fix: another bug')],
    [
      "a check's conclusion",
      (n) =>
        (commit(n).statusCheckRollup!.contexts.nodes = [
          { __typename: 'CheckRun', name: 'build', status: 'COMPLETED', conclusion: 'FAILURE' },
        ]),
    ],
    ['a review', (n) => (n.latestReviews!.nodes![0]!.state = 'APPROVED')],
    ['a comment', (n) => (n.comments!.totalCount = 2)],
    ["a closing issue's state", (n) => (n.closingIssuesReferences!.nodes![0]!.state = 'CLOSED')],
    ['its head', (n) => (n.headRefOid = 'def')],
    [
      'a field radar does not keep (a bot author)',
      (n) => (n.author = { login: 'alice', __typename: 'Bot' }),
    ],
    [
      'the repository archived (the ledger does not keep that)',
      (n) => (n.repository.isArchived = true),
    ],
  ])('a node that differs (%s) is checked and normalised again', async (_what, change) => {
    const before = recorded(node());
    const changed = node();
    change(changed);
    const { prs } = await read([changed], [before]);
    expect(prs[0]).not.toBe(before);
    expect(prs[0]).toEqual(toSnapshot(changed, nodeDigest(changed)));
    expect(prs[0]?.nodeDigest).not.toBe(before.nodeDigest);
  });

  it('a digest of another normaliser version matches nothing: every node is read again', async () => {
    const before = recorded(node(), NORMALISER_VERSION + 1);
    const { prs } = await read([node()], [before]);
    expect(prs[0]).not.toBe(before);
    expect(prs[0]).toEqual(recorded(node()));
  });

  it('keeps the answer in order: a non-PR node is null, a malformed one is dropped and named', async () => {
    const known = recorded(node());
    const other = { ...node(), id: 'PR_2', number: 2 };
    const malformed = { ...node(), id: 'PR_3', number: 3, createdAt: 'yesterday' };
    const { prs, dropped } = await read([{}, malformed, other, node()], [known]);
    expect(prs.map((p) => p?.nodeId ?? null)).toEqual([null, null, 'PR_2', 'PR_1']);
    expect(prs[3]).toBe(known);
    expect(dropped).toEqual([expect.stringMatching(/^PR_3: createdAt/)]);
  });

  it('a digest depends on the whole node, and on nothing else', () => {
    expect(nodeDigest(node())).toBe(nodeDigest(node()));
    expect(nodeDigest(node())).not.toBe(nodeDigest({ ...node(), additions: 2 }));
    expect(nodeDigest(node())).not.toBe(nodeDigest(node(), NORMALISER_VERSION + 1));
  });
});
