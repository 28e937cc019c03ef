/**
 * The GraphQL documents a scan sends. One search page brings everything radar needs about up to
 * `first` PRs; the fake GitHub executes these against GitHub's published schema in tests.
 */

/** Fields of one PR; `$reviews`, `$comments`, `$checks` bound the nested connections. */
const PR_FIELDS = `
fragment RadarPr on PullRequest {
  id
  number
  title
  url
  state
  isDraft
  headRefOid
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
    nodes { author { login } authorAssociation state submittedAt }
  }
  comments(last: $comments) {
    totalCount
    nodes { author { login } authorAssociation createdAt }
  }
  commits(last: 1) {
    nodes {
      commit {
        oid
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
query RadarSearch($q: String!, $first: Int!, $after: String, $reviews: Int!, $comments: Int!, $checks: Int!) {
  rateLimit { cost remaining resetAt limit }
  search(type: ISSUE, query: $q, first: $first, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ...RadarPr }
  }
}
${PR_FIELDS}`;

export const NODES_QUERY = `
query RadarNodes($ids: [ID!]!, $reviews: Int!, $comments: Int!, $checks: Int!) {
  rateLimit { cost remaining resetAt limit }
  nodes(ids: $ids) { ...RadarPr }
}
${PR_FIELDS}`;

export const VIEWER_QUERY = `
query RadarViewer {
  rateLimit { cost remaining resetAt limit }
  viewer { login }
}`;
