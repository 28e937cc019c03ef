import type { CommentSnapshot, ReviewSnapshot, StoredPr } from '../../src/core/pr.js';
import { emptyHistory, type PrHistory } from '../../src/core/history.js';
import type { Escalation } from '../../src/core/verdict.js';
import { defaultConfig } from '../../src/config/defaults.js';
import type { RulesConfig } from '../../src/config/schema.js';

/** Builders for table-driven rules tests: a plain, healthy open PR, changed by each case. */

export const NOW = Date.parse('2026-06-15T12:00:00Z');
export const DAY = 86_400_000;
export const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
export const HEAD = 'a'.repeat(40);

export function pr(overrides: Partial<StoredPr> = {}): StoredPr {
  return {
    nodeId: 'PR_1',
    repo: 'acme/app',
    archived: false,
    number: 1,
    title: 'fix: a bug',
    url: 'https://github.com/acme/app/pull/1',
    author: 'alice',
    state: 'open',
    draft: false,
    headSha: HEAD,
    headCommittedAt: iso(5 * DAY),
    baseSha: 'b'.repeat(40),
    mergeable: 'mergeable',
    mergeState: 'CLEAN',
    ci: 'passing',
    failingChecks: [],
    review: 'review_required',
    reviews: [],
    comments: [],
    commentCount: 0,
    closingIssues: [],
    additions: 10,
    deletions: 2,
    changedFiles: 1,
    createdAt: iso(6 * DAY),
    updatedAt: iso(1 * DAY),
    lastEditedAt: null,
    closedAt: null,
    mergedAt: null,
    watched: true,
    mergeableKnown: 'mergeable',
    detailsAt: NOW - DAY,
    firstSeenAt: NOW - 6 * DAY,
    lastChangedAt: NOW - DAY,
    ...overrides,
  };
}

export function comment(
  author: string,
  association: string,
  msAgo: number,
  body = 'Looks odd to me.',
  extra: Partial<CommentSnapshot> = {},
): CommentSnapshot {
  return {
    id: `IC_${author}_${msAgo}`,
    author,
    association,
    bot: false,
    at: iso(msAgo),
    body,
    ...extra,
  };
}

export function review(
  author: string,
  association: string,
  state: string,
  msAgo: number,
  body = '',
  extra: Partial<ReviewSnapshot> = {},
): ReviewSnapshot {
  return {
    id: `PRR_${author}_${msAgo}`,
    author,
    association,
    bot: false,
    state,
    at: iso(msAgo),
    body,
    ...extra,
  };
}

export function history(overrides: Partial<PrHistory> = {}): PrHistory {
  return { ...emptyHistory(), ...overrides };
}

export function escalation(msAgo: number, overrides: Partial<Escalation> = {}): Escalation {
  return {
    id: 1,
    nodeId: 'PR_1',
    repo: 'acme/app',
    number: 1,
    fingerprints: [],
    agent: 'codex',
    argv: ['codex', 'exec'],
    startedAt: NOW - msAgo,
    endedAt: NOW - msAgo + 60_000,
    exitCode: 0,
    outcome: 'succeeded',
    sessionId: null,
    tokens: 100_000,
    runLog: null,
    headSha: HEAD,
    reason: null,
    ...overrides,
  };
}

export function rules(overrides: Partial<RulesConfig> = {}): RulesConfig {
  return { ...defaultConfig().rules, ...overrides };
}
