import type { StoredPr } from './pr.js';

/**
 * The one list of a PR's recorded fields: its ledger column, how it is stored, and whether a
 * change to it is history (`pr_changes`). The store's row mapping, its upsert and the scan's diff
 * are all derived from this list, so a new field is one line here, one column in a migration,
 * and its place in the GitHub query and normalisation.
 */

type Codec = 'text' | 'int' | 'bool' | 'json';

export interface PrField<K extends keyof StoredPr = keyof StoredPr> {
  key: K;
  column: string;
  codec: Codec;
  /** A change is recorded in the PR's history (and shown by `radar scan`). */
  tracked: boolean;
  /** What a change is judged on, when not the whole value (bodies fetched later are no change). */
  view?: (value: StoredPr[K]) => unknown;
}

const field = <K extends keyof StoredPr>(
  key: K,
  column: string,
  codec: Codec,
  tracked = false,
  view?: (value: StoredPr[K]) => unknown,
): PrField<K> => ({ key, column, codec, tracked, view });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of fields of every type
export const PR_FIELDS: readonly PrField<any>[] = [
  field('nodeId', 'node_id', 'text'),
  field('repo', 'repo', 'text'),
  field('number', 'number', 'int'),
  field('author', 'author', 'text'),
  field('title', 'title', 'text', true),
  field('url', 'url', 'text'),
  field('state', 'state', 'text', true),
  field('draft', 'draft', 'bool', true),
  field('watched', 'watched', 'bool', true),
  field('headSha', 'head_sha', 'text', true),
  field('headCommittedAt', 'head_committed_at', 'text'),
  field('baseSha', 'base_sha', 'text'),
  field('headRef', 'head_ref', 'text'),
  field('headRepo', 'head_repo', 'text'),
  field('headFork', 'head_fork', 'bool'),
  field('maintainerCanModify', 'maintainer_can_modify', 'bool'),
  field('baseRef', 'base_ref', 'text'),
  field('mergeable', 'mergeable', 'text'),
  field('mergeableKnown', 'mergeable_known', 'text'),
  field('mergeState', 'merge_state', 'text', true),
  field('ci', 'ci', 'text', true),
  field('failingChecks', 'failing_checks', 'json', true),
  field('review', 'review', 'text', true),
  field('reviews', 'reviews', 'json', true, (reviews) =>
    reviews.map((r) => ({
      author: r.author,
      association: r.association,
      state: r.state,
      at: r.at,
    })),
  ),
  field('comments', 'comments', 'json'),
  field('commentCount', 'comment_count', 'int', true),
  field('closingIssues', 'closing_issues', 'json', true, (issues) =>
    issues.map(
      (i) => `${i.repo}#${i.number} ${i.state}${i.stateReason ? ` ${i.stateReason}` : ''}`,
    ),
  ),
  field('additions', 'additions', 'int', true),
  field('deletions', 'deletions', 'int', true),
  field('changedFiles', 'changed_files', 'int', true),
  field('createdAt', 'created_at', 'text'),
  field('updatedAt', 'updated_at', 'text'),
  field('lastEditedAt', 'last_edited_at', 'text', true),
  field('closedAt', 'closed_at', 'text'),
  field('mergedAt', 'merged_at', 'text'),
  field('detailsAt', 'details_at', 'int'),
  field('firstSeenAt', 'first_seen_at', 'int'),
  field('lastChangedAt', 'last_changed_at', 'int'),
  field('nodeDigest', 'node_digest', 'text'),
];

/** Fields whose changes are history. `archived` is not stored: it only gates watching. */
export const TRACKED_FIELDS: readonly PrField[] = PR_FIELDS.filter((f) => f.tracked);
