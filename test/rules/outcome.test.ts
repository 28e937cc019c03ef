import { describe, expect, it } from 'vitest';
import { judgeOutcome, openState, type OutcomeInput } from '../../src/rules/outcome.js';
import type { ActionRecord, Guard } from '../../src/core/actions.js';
import type { StoredPr } from '../../src/core/pr.js';
import type { Escalation, Signal } from '../../src/core/verdict.js';
import { DAY, HEAD, NOW, comment, escalation, iso, pr } from './fixtures.js';

const HOUR = 3_600_000;
const NEW_HEAD = 'c'.repeat(40);
const STARTED = 10 * HOUR; // the session started ten hours before NOW
const WINDOW = 72 * HOUR;

const CI = 'ci_failing:aaaaaaaaaaaa:1234abcd';
const CONFLICT = 'conflict:aaaaaaaaaaaa:DIRTY';
const REVIEW = 'changes_requested:PRR_maint';
const ASK = 'maintainer_comment:IC_maint';
const STALE = 'stale_body:issue:acme/app#7';

const action = (
  kind: ActionRecord['kind'],
  state: ActionRecord['state'],
  queuedAgo = STARTED - HOUR,
): ActionRecord => ({
  id: 1,
  kind,
  state,
  escalationId: 1,
  createdAt: NOW - queuedAgo,
  decidedAt: null,
});
const guarded = (kind: Guard['kind'], reason: string): Partial<Escalation> => ({
  work: {
    branch: 'radar/pr-1-e1',
    baseSha: HEAD,
    tipSha: null,
    commits: 0,
    files: 0,
    additions: 0,
    deletions: 0,
    paths: [],
    message: null,
    guards: [{ kind, reason }],
  },
});
const signal = (fingerprint: string, evidence: Record<string, unknown> = {}): Signal => ({
  kind: fingerprint.slice(0, fingerprint.indexOf(':')) as Signal['kind'],
  fingerprint,
  detail: '',
  evidence,
});
/** The PR after a push radar saw: a newer head, recorded in the history. */
const pushed: Partial<StoredPr> = { headSha: NEW_HEAD };
const pushHistory = [{ at: NOW - HOUR, field: 'headSha', from: HEAD, to: NEW_HEAD }];

interface Case {
  name: string;
  fingerprints: string[];
  escalation?: Partial<Escalation>;
  actions?: ActionRecord[];
  pr?: Partial<StoredPr>;
  signals?: Signal[];
  pushes?: OutcomeInput['history']['pushes'];
  others?: Escalation[];
  outcome: string;
  reason: RegExp;
}

const cases: Case[] = [
  {
    name: 'a session still running stays pending',
    fingerprints: [CI],
    escalation: { outcome: 'running', endedAt: null },
    outcome: 'pending',
    reason: /session running/,
  },
  {
    name: 'a dry run applied nothing',
    fingerprints: [CI],
    escalation: { outcome: 'dry_run', tokens: null },
    outcome: 'not_applied',
    reason: /dry run/,
  },
  {
    name: 'a session refused by the budget applied nothing',
    fingerprints: [CI],
    escalation: { outcome: 'refused', reason: 'over budget' },
    outcome: 'not_applied',
    reason: /no session ran: over budget/,
  },
  {
    name: 'CI failing: push approved, CI passing on the pushed head',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'passing' },
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /CI passing on ccccccc/,
  },
  {
    name: 'CI failing: push approved, CI still running on the pushed head stays pending',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'pending' },
    pushes: pushHistory,
    outcome: 'pending',
    reason: /CI running on pushed head/,
  },
  {
    name: 'CI failing: pushed head has no checks reported yet: pending',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'none' },
    pushes: pushHistory,
    outcome: 'pending',
    reason: /CI running on pushed head/,
  },
  {
    name: 'CI failing: push approved, CI failing again on the pushed head',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'failing' },
    signals: [signal('ci_failing:cccccccccccc:1234abcd')],
    pushes: pushHistory,
    outcome: 'unresolved',
    reason: /CI still failing on ccccccc/,
  },
  {
    name: 'CI failing: push approved but the scan has not seen the new head yet',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ci: 'failing' },
    outcome: 'pending',
    reason: /push not seen yet/,
  },
  {
    name: 'CI failing: push waiting for approval, within the window',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    pr: { ci: 'failing' },
    outcome: 'pending',
    reason: /^push waiting$/,
  },
  {
    name: 'CI failing: push never approved within the window',
    fingerprints: [CI],
    actions: [action('push', 'pending', WINDOW + HOUR)],
    escalation: { startedAt: NOW - WINDOW - 2 * HOUR },
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /push not approved within 72 h/,
  },
  {
    name: 'CI failing: push rejected',
    fingerprints: [CI],
    actions: [action('push', 'rejected')],
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /push rejected or refused/,
  },
  {
    name: 'CI failing: push refused at approval (the branch moved), remote unchanged',
    fingerprints: [CI],
    actions: [action('push', 'refused')],
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /push rejected or refused/,
  },
  {
    name: 'CI failing: push being performed is still waiting',
    fingerprints: [CI],
    actions: [action('push', 'performing')],
    pr: { ci: 'failing' },
    outcome: 'pending',
    reason: /^push waiting$/,
  },
  {
    name: 'CI failing: a guard refused (workflow file touched)',
    fingerprints: [CI],
    escalation: guarded('workflow_files', 'touches .github/workflows/ci.yml'),
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /touches \.github\/workflows\/ci\.yml/,
  },
  {
    name: 'CI failing: the session produced nothing',
    fingerprints: [CI],
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /^nothing to apply$/,
  },
  {
    name: 'CI failing: the session timed out with nothing',
    fingerprints: [CI],
    escalation: { outcome: 'timed_out', exitCode: null },
    pr: { ci: 'failing' },
    outcome: 'not_applied',
    reason: /the session timed out: nothing to apply/,
  },
  {
    name: 'CI failing: nothing queued, but the user pushed a fix by hand (counts)',
    fingerprints: [CI],
    escalation: guarded('no_commits', 'no commits'),
    pr: { ...pushed, ci: 'passing' },
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /CI passing/,
  },
  {
    name: 'CI failing: push waiting, the user pushed by hand meanwhile and CI fails',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    pr: { ...pushed, ci: 'failing' },
    pushes: pushHistory,
    outcome: 'unresolved',
    reason: /CI still failing/,
  },
  {
    name: 'CI failing: a push before the session started is not its work',
    fingerprints: [CI],
    pr: { ci: 'failing' },
    pushes: [{ at: NOW - STARTED - HOUR, field: 'headSha', from: 'd'.repeat(40), to: HEAD }],
    outcome: 'not_applied',
    reason: /nothing to apply/,
  },
  {
    name: 'conflict: pushed, mergeability UNKNOWN never settles it',
    fingerprints: [CONFLICT],
    actions: [action('push', 'done')],
    pr: { ...pushed, mergeable: 'unknown', mergeableKnown: 'conflicting' },
    pushes: pushHistory,
    outcome: 'pending',
    reason: /mergeability unknown on pushed head/,
  },
  {
    name: 'conflict: pushed, mergeable now',
    fingerprints: [CONFLICT],
    actions: [action('push', 'done')],
    pr: { ...pushed, mergeable: 'mergeable' },
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /no conflict on ccccccc/,
  },
  {
    name: 'conflict: pushed, still conflicting',
    fingerprints: [CONFLICT],
    actions: [action('push', 'done')],
    pr: { ...pushed, mergeable: 'conflicting' },
    pushes: pushHistory,
    outcome: 'unresolved',
    reason: /still conflicting/,
  },
  {
    name: 'changes requested: pushed, the request was dismissed',
    fingerprints: [REVIEW],
    actions: [action('push', 'done')],
    pr: pushed,
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /dismissed or approved/,
  },
  {
    name: 'changes requested: pushed, the request still stands (reviewer not back yet)',
    fingerprints: [REVIEW],
    actions: [action('push', 'done')],
    pr: pushed,
    signals: [signal(REVIEW, { at: iso(2 * DAY) })],
    pushes: pushHistory,
    outcome: 'pending',
    reason: /change request still standing/,
  },
  {
    name: 'changes requested: pushed, the reviewer requested changes again',
    fingerprints: [REVIEW],
    actions: [action('push', 'done')],
    pr: pushed,
    signals: [signal('changes_requested:PRR_maint_2', { at: iso(HOUR / 2) })],
    pushes: pushHistory,
    outcome: 'unresolved',
    reason: /changes requested again/,
  },
  {
    name: 'changes requested again, but CI still runs on the pushed head: pending',
    fingerprints: [REVIEW],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'pending' },
    signals: [signal('changes_requested:PRR_maint_2', { at: iso(HOUR / 2) })],
    pushes: pushHistory,
    outcome: 'pending',
    reason: /change request still standing/,
  },
  {
    name: 'maintainer comment: the reply was posted',
    fingerprints: [ASK],
    actions: [action('comment', 'done')],
    outcome: 'resolved',
    reason: /maintainer was answered/,
  },
  {
    name: 'maintainer comment: the same reply was already on the PR (duplicate)',
    fingerprints: [ASK],
    actions: [action('comment', 'duplicate')],
    outcome: 'resolved',
    reason: /maintainer was answered/,
  },
  {
    name: 'maintainer comment: the reply waits for approval',
    fingerprints: [ASK],
    actions: [action('comment', 'pending')],
    outcome: 'pending',
    reason: /^comment waiting$/,
  },
  {
    name: 'maintainer comment: reply rejected, but the author answered by hand',
    fingerprints: [ASK],
    actions: [action('comment', 'rejected')],
    pr: { comments: [comment('alice', 'CONTRIBUTOR', HOUR, 'Because the server is slow.')] },
    outcome: 'resolved',
    reason: /maintainer was answered/,
  },
  {
    name: 'maintainer comment: a push after the dispatch answers it, as the rules read it',
    fingerprints: [ASK],
    pr: pushed,
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /maintainer was answered/,
  },
  {
    name: 'maintainer comment: reply rejected and nobody answered',
    fingerprints: [ASK],
    actions: [action('comment', 'rejected')],
    pr: { comments: [comment('alice', 'CONTRIBUTOR', STARTED + HOUR, 'Earlier words.')] },
    outcome: 'not_applied',
    reason: /comment rejected or refused/,
  },
  {
    name: 'stale body: edited, no longer stale',
    fingerprints: [STALE],
    actions: [action('edit_body', 'done')],
    pr: { lastEditedAt: iso(HOUR) },
    outcome: 'resolved',
    reason: /description brought up to date/,
  },
  {
    name: 'stale body: edited, still links the closed issue',
    fingerprints: [STALE],
    actions: [action('edit_body', 'done')],
    pr: { lastEditedAt: iso(HOUR) },
    signals: [signal(STALE)],
    outcome: 'unresolved',
    reason: /still stale/,
  },
  {
    name: 'stale body: edit approved but not seen by a scan yet',
    fingerprints: [STALE],
    actions: [action('edit_body', 'done')],
    signals: [signal(STALE)],
    outcome: 'pending',
    reason: /edit not seen yet/,
  },
  {
    name: 'two signals: CI fixed, conflict left: unresolved',
    fingerprints: [CI, CONFLICT],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'passing', mergeable: 'conflicting' },
    pushes: pushHistory,
    outcome: 'unresolved',
    reason: /still conflicting/,
  },
  {
    name: 'two signals: CI fixed, the reply rejected: resolved',
    fingerprints: [CI, ASK],
    actions: [action('push', 'done'), action('comment', 'rejected')],
    pr: { ...pushed, ci: 'passing' },
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /CI passing/,
  },
  {
    name: 'two signals: CI fixed, the new description still waits: pending',
    fingerprints: [CI, STALE],
    actions: [action('push', 'done'), action('edit_body', 'pending')],
    pr: { ...pushed, ci: 'passing' },
    pushes: pushHistory,
    outcome: 'pending',
    reason: /^edit body waiting$/,
  },
  {
    name: 'a newer escalation for the same signal kind supersedes a pending one',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    others: [escalation(HOUR, { id: 2, fingerprints: ['ci_failing:dddddddddddd:1'] })],
    outcome: 'superseded',
    reason: /escalation 2 took over/,
  },
  {
    name: 'a newer escalation for another signal kind does not',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    others: [escalation(HOUR, { id: 2, fingerprints: [ASK] })],
    outcome: 'pending',
    reason: /push waiting/,
  },
  {
    name: 'a newer dry run does not supersede',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    others: [escalation(HOUR, { id: 2, fingerprints: [CI], outcome: 'dry_run' })],
    outcome: 'pending',
    reason: /push waiting/,
  },
  {
    name: 'the PR merged while the push waited',
    fingerprints: [CI],
    actions: [action('push', 'pending')],
    pr: { state: 'merged' },
    outcome: 'merged',
    reason: /merged/,
  },
  {
    name: 'the PR was closed while the session ran',
    fingerprints: [CI],
    escalation: { outcome: 'running', endedAt: null },
    pr: { state: 'closed' },
    outcome: 'closed',
    reason: /closed/,
  },
  {
    name: 'the PR merged after CI passed on the pushed head: resolved',
    fingerprints: [CI],
    actions: [action('push', 'done')],
    pr: { ...pushed, ci: 'passing', state: 'merged' },
    pushes: pushHistory,
    outcome: 'resolved',
    reason: /CI passing/,
  },
];

describe('judgeOutcome', () => {
  it.each(cases)('$name', (c) => {
    const e = escalation(STARTED, { id: 1, fingerprints: c.fingerprints, ...c.escalation });
    const judgement = judgeOutcome({
      escalation: e,
      actions: c.actions ?? [],
      pr: pr(c.pr),
      signals: c.signals ?? [],
      history: { pushes: c.pushes ?? [], escalations: [e, ...(c.others ?? [])] },
      now: NOW,
      approvalWindowMs: WINDOW,
    });
    expect(judgement.outcome).toBe(c.outcome);
    expect(judgement.reason).toMatch(c.reason);
  });
});

describe('openState: where an open escalation stands, for radar queue', () => {
  it.each([
    { session: 'running', actions: [], last: null, state: 'session running' },
    {
      session: 'succeeded',
      actions: [action('push', 'pending')],
      last: null,
      state: 'push waiting',
    },
    {
      session: 'succeeded',
      actions: [action('push', 'done'), action('edit_body', 'performing')],
      last: 'CI running on pushed head',
      state: 'edit body waiting',
    },
    {
      session: 'succeeded',
      actions: [action('push', 'done')],
      last: 'CI running on pushed head',
      state: 'CI running on pushed head',
    },
    { session: 'failed', actions: [], last: null, state: 'judged at the next scan' },
  ])('$state', (c) => {
    expect(openState(c.session, c.actions, c.last)).toBe(c.state);
  });
});
