/** Default score of each signal kind (shared by the schema and the zod-free defaults). */
export const DEFAULT_WEIGHTS = {
  ci_failing: 6,
  changes_requested: 6,
  maintainer_comment: 5,
  conflict: 4,
  stale_body: 3,
  closed_scope: 0,
  ci_pending: -2,
  approved: 2,
  behind: 1,
};
