import type { RawPullRequest } from '../../src/github/normalize.js';

/**
 * A PR node as the search query brings it, a fresh copy each call: every scalar GitHub sends,
 * and whatever a test sets (its connections: reviews, comments, commits) from `over`.
 */
export function rawPullRequest(
  over: Partial<RawPullRequest> = {},
): RawPullRequest & Record<string, unknown> {
  return {
    id: 'PR_1',
    number: 1,
    title: 't',
    url: 'https://github.com/o/r/pull/1',
    state: 'OPEN',
    isDraft: false,
    headRefOid: 'abc',
    mergeable: 'MERGEABLE',
    mergeStateStatus: 'CLEAN',
    reviewDecision: 'APPROVED',
    additions: 1,
    deletions: 1,
    changedFiles: 1,
    createdAt: '2026-06-01T00:00:00Z',
    updatedAt: '2026-06-01T00:00:00Z',
    lastEditedAt: null,
    closedAt: null,
    mergedAt: null,
    author: { login: 'alice' },
    repository: { nameWithOwner: 'o/r' },
    ...over,
  };
}
