/**
 * The GraphQL documents a scan sends. One search page brings what radar watches about up to
 * `first` PRs; details only changed PRs need (comment and review bodies, the labels of the issues
 * they close) come from a second `nodes(ids:)` request. The fake GitHub executes these against
 * GitHub's published schema in tests.
 *
 * Cost (GitHub: one point per 100 connection requests, rounded): a search page of 50 PRs asks for
 * 1 + 50 × 5 connections (reviews, comments, commits, checks, closing issues) = 251 → 3 points;
 * a details page of 50 PRs 50 × 3 + 50 × labels = 200 + … → at most 5 points, only when changed.
 */

/** Fields of one PR; `$reviews`, `$comments`, `$checks`, `$issues` bound the nested connections. */
export const PR_FRAGMENT = `
fragment RadarPr on PullRequest {
  id
  number
  title
  url
  state
  isDraft
  headRefOid
  headRefName
  headRepository { nameWithOwner }
  isCrossRepository
  maintainerCanModify
  baseRefOid
  baseRefName
  mergeable
  mergeStateStatus
  reviewDecision
  additions
  deletions
  changedFiles
  createdAt
  updatedAt
  lastEditedAt
  closedAt
  mergedAt
  author { login }
  repository { nameWithOwner isArchived }
  latestReviews(first: $reviews) {
    nodes { id author { __typename login } authorAssociation state submittedAt }
  }
  comments(last: $comments) {
    totalCount
    nodes { id author { __typename login } authorAssociation createdAt }
  }
  closingIssuesReferences(first: $issues) {
    nodes { number state stateReason repository { nameWithOwner } }
  }
  commits(last: 1) {
    nodes {
      commit {
        oid
        committedDate
        statusCheckRollup {
          state
          contexts(first: $checks) {
            totalCount
            nodes {
              __typename
              ... on CheckRun { name status conclusion }
              ... on StatusContext { context state }
            }
          }
        }
      }
    }
  }
}`;

export const SEARCH_QUERY = `
query RadarSearch($q: String!, $first: Int!, $after: String, $reviews: Int!, $comments: Int!, $checks: Int!, $issues: Int!) {
  rateLimit { cost remaining resetAt limit }
  search(type: ISSUE, query: $q, first: $first, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ...RadarPr }
  }
}
${PR_FRAGMENT}`;

export const NODES_QUERY = `
query RadarNodes($ids: [ID!]!, $reviews: Int!, $comments: Int!, $checks: Int!, $issues: Int!) {
  rateLimit { cost remaining resetAt limit }
  nodes(ids: $ids) { ...RadarPr }
}
${PR_FRAGMENT}`;

/** The details of changed PRs: the text radar classifies and later quotes in prompts. */
export const DETAILS_QUERY = `
query RadarDetails($ids: [ID!]!, $reviews: Int!, $comments: Int!, $issues: Int!, $labels: Int!) {
  rateLimit { cost remaining resetAt limit }
  nodes(ids: $ids) {
    ... on PullRequest {
      id
      latestReviews(first: $reviews) { nodes { id body } }
      comments(last: $comments) { nodes { id body } }
      closingIssuesReferences(first: $issues) {
        nodes { number repository { nameWithOwner } labels(first: $labels) { nodes { name } } }
      }
    }
  }
}`;

export const VIEWER_QUERY = `
query RadarViewer {
  rateLimit { cost remaining resetAt limit }
  viewer { login }
}`;
