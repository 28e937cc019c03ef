import type { JudgedHistory } from '../core/history.js';
import type { StoredPr } from '../core/pr.js';
import type { Escalation, Signal } from '../core/verdict.js';
import type { Outcome, OutcomeWrite } from '../core/outcome.js';
import type { RulesConfig } from '../config/schema.js';
import type { Judged } from './judge.js';
import { isWaiting, type ActionKind, type ActionRecord } from '../core/actions.js';

/**
 * Pure: what an escalation bought, judged from the escalation, the actions its result became,
 * and the PR as this scan sees it. A scan judges every escalation still `pending`; anything else
 * is final.
 *
 * - `resolved`: the signals it was dispatched for are gone after its work reached the PR (CI
 *   passing on the pushed head, no conflict on it, the change request dismissed or followed by an
 *   approval, the maintainer's comment answered, the description edited).
 * - `unresolved`: its work reached the PR and the same kind of signal is still there once CI
 *   finished (CI failing on the pushed head, still conflicting, the reviewer asked for changes
 *   again, the description still stale).
 * - `not_applied`: nothing reached the PR: nothing to apply, a guard refused, the action was
 *   rejected, refused or failed, or nobody approved it within the approval window.
 * - `superseded`: a newer escalation for the same PR and signal kind took over while it waited.
 * - `merged` / `closed`: the PR left the queue while it waited.
 * - `pending`: still waiting (session running, action waiting for approval, CI running).
 *
 * Work done by hand counts like radar's own: a push after the dispatch, the author's reply, an
 * edit of the description.
 */

export interface OutcomeInput {
  escalation: Escalation;
  /** The actions its session's result became (the approvals queue), in any state. */
  actions: readonly Pick<ActionRecord, 'kind' | 'state' | 'createdAt'>[];
  pr: Pick<
    StoredPr,
    'state' | 'author' | 'headSha' | 'ci' | 'mergeable' | 'lastEditedAt' | 'comments'
  >;
  /** The signals the PR shows in this scan's verdict. */
  signals: readonly Signal[];
  history: Pick<JudgedHistory, 'pushes' | 'escalations'>;
  now: number;
  /** A queued action not approved within this long counts as not applied. */
  approvalWindowMs: number;
}

export interface OutcomeJudgement {
  outcome: Outcome;
  /** What settled it, or (pending) what it waits for: `push waiting`, `CI running on pushed head`. */
  reason: string;
}

type SignalResult = {
  outcome: 'resolved' | 'unresolved' | 'pending' | 'not_applied';
  reason: string;
};

/** Which actions answer which signal kind. */
const ANSWERS: Record<string, readonly ActionKind[]> = {
  ci_failing: ['push'],
  conflict: ['push'],
  changes_requested: ['push', 'comment'],
  maintainer_comment: ['comment', 'push'],
  stale_body: ['edit_body'],
};

/**
 * Where an action stands for the outcome: waiting for a human (or its write), done (the same
 * comment already posted counts), or dropped (rejected, refused, denied, failed).
 */
const stateOf = (state: ActionRecord['state']): 'waiting' | 'done' | 'dropped' =>
  isWaiting(state) ? 'waiting' : state === 'done' || state === 'duplicate' ? 'done' : 'dropped';

/** Why nothing was queued: the guards the session's result met, if any. */
const guardOf = (e: Escalation): string | null =>
  e.work?.guards.length ? e.work.guards.map((g) => g.reason).join('; ') : null;

const kindOf = (fingerprint: string) => fingerprint.slice(0, fingerprint.indexOf(':'));
const short = (sha: string) => sha.slice(0, 7);
const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
const hours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;

export function judgeOutcome(input: OutcomeInput): OutcomeJudgement {
  const { escalation: e, pr } = input;
  if (e.outcome === 'dry_run') return { outcome: 'not_applied', reason: 'a dry run: no session' };
  if (e.outcome === 'refused')
    return { outcome: 'not_applied', reason: `no session ran${e.reason ? `: ${e.reason}` : ''}` };
  const left = (): OutcomeJudgement | undefined =>
    pr.state === 'open' ? undefined : { outcome: pr.state, reason: `the PR was ${pr.state}` };
  if (e.outcome === 'running') return left() ?? { outcome: 'pending', reason: 'session running' };

  const kinds = [...new Set(e.fingerprints.map(kindOf))].filter((k) => k in ANSWERS);
  const results = kinds.map((kind) => judgeSignal(kind, input));
  const having = (o: SignalResult['outcome']) => results.filter((r) => r.outcome === o);
  const judged = (outcome: Outcome, list: SignalResult[]) => ({
    outcome,
    reason: [...new Set(list.map((r) => r.reason))].join('; '),
  });
  const pending = having('pending');
  if (pending.length === 0 && results.length > 0) {
    // One signal still there is enough to call the work unresolved; one fixed, resolved.
    if (having('unresolved').length) return judged('unresolved', having('unresolved'));
    if (having('resolved').length) return judged('resolved', having('resolved'));
    return judged('not_applied', having('not_applied'));
  }
  if (results.length === 0 && !input.actions.some((a) => stateOf(a.state) !== 'dropped'))
    return { outcome: 'not_applied', reason: guardOf(e) ?? 'nothing to apply' };
  const gone = left();
  if (gone) return gone;
  const newer = input.history.escalations.find(
    (n) =>
      n.id > e.id &&
      n.outcome !== 'dry_run' &&
      n.outcome !== 'refused' &&
      n.fingerprints.some((f) => kinds.includes(kindOf(f))),
  );
  if (newer) return { outcome: 'superseded', reason: `escalation ${newer.id} took over` };
  return pending.length ? judged('pending', pending) : { outcome: 'pending', reason: 'waiting' };
}

/** How far the work for one signal kind got: reached the PR, waits for approval, or neither. */
function applied(
  kind: string,
  input: OutcomeInput,
): { state: 'applied' | 'waiting' | 'none'; why: string } {
  const { escalation: e, pr } = input;
  const answers = ANSWERS[kind]!;
  const mine = input.actions
    .filter((a) => answers.includes(a.kind))
    .map((a) => ({ kind: a.kind, state: stateOf(a.state), queuedAt: a.createdAt }));
  const pushed =
    (e.headSha !== null && pr.headSha !== e.headSha) ||
    input.history.pushes.some((p) => p.at > e.startedAt);
  const replied = pr.comments.some(
    (c) => c.author.toLowerCase() === pr.author.toLowerCase() && at(c.at) > e.startedAt,
  );
  const edited = at(pr.lastEditedAt) > e.startedAt;
  const byHand =
    kind === 'stale_body' ? edited : kind === 'maintainer_comment' ? replied || pushed : pushed;
  if (byHand || mine.some((a) => a.state === 'done')) return { state: 'applied', why: '' };
  const waiting = mine.filter((a) => a.state === 'waiting');
  if (waiting.some((a) => input.now - a.queuedAt <= input.approvalWindowMs))
    return { state: 'waiting', why: `${waiting[0]!.kind.replace('_', ' ')} waiting` };
  if (waiting.length)
    return {
      state: 'none',
      why: `${waiting[0]!.kind.replace('_', ' ')} not approved within ${hours(input.approvalWindowMs)}`,
    };
  if (mine.length)
    return { state: 'none', why: `${mine[0]!.kind.replace('_', ' ')} rejected or refused` };
  const ended = e.outcome === 'succeeded' ? '' : `the session ${e.outcome.replace('_', ' ')}: `;
  return { state: 'none', why: guardOf(e) ?? `${ended}nothing to apply` };
}

function judgeSignal(kind: string, input: OutcomeInput): SignalResult {
  const { escalation: e, pr, signals } = input;
  const work = applied(kind, input);
  if (work.state === 'waiting') return { outcome: 'pending', reason: work.why };
  if (work.state === 'none') return { outcome: 'not_applied', reason: work.why };
  const moved = e.headSha === null || pr.headSha !== e.headSha;
  const ciRunning = pr.ci === 'pending' || pr.ci === 'none';
  const present = signals.filter((s) => s.kind === kind);
  switch (kind) {
    case 'ci_failing':
      if (!moved) return { outcome: 'pending', reason: 'push not seen yet' };
      if (ciRunning) return { outcome: 'pending', reason: 'CI running on pushed head' };
      return pr.ci === 'failing'
        ? { outcome: 'unresolved', reason: `CI still failing on ${short(pr.headSha)}` }
        : { outcome: 'resolved', reason: `CI passing on ${short(pr.headSha)}` };
    case 'conflict':
      if (!moved) return { outcome: 'pending', reason: 'push not seen yet' };
      // GitHub's UNKNOWN is still computing: it never settles a conflict either way.
      if (pr.mergeable === 'unknown')
        return { outcome: 'pending', reason: 'mergeability unknown on pushed head' };
      return pr.mergeable === 'conflicting'
        ? { outcome: 'unresolved', reason: `still conflicting on ${short(pr.headSha)}` }
        : { outcome: 'resolved', reason: `no conflict on ${short(pr.headSha)}` };
    case 'changes_requested': {
      // The reviewer looked again after the dispatch and still requests changes.
      const again = present.some((s) => at(s.evidence.at as string | undefined) > e.startedAt);
      if (again && !ciRunning)
        return { outcome: 'unresolved', reason: 'changes requested again after the work' };
      if (present.length) return { outcome: 'pending', reason: 'change request still standing' };
      return { outcome: 'resolved', reason: 'change request dismissed or approved' };
    }
    case 'maintainer_comment':
      return { outcome: 'resolved', reason: 'the maintainer was answered' };
    default: {
      // stale_body: the description was edited; is it still stale?
      const still = present.filter((s) => e.fingerprints.includes(s.fingerprint));
      if (at(pr.lastEditedAt) <= e.startedAt || Number.isNaN(at(pr.lastEditedAt)))
        return { outcome: 'pending', reason: 'edit not seen yet' };
      return still.length
        ? { outcome: 'unresolved', reason: 'description still stale after the edit' }
        : { outcome: 'resolved', reason: 'description brought up to date' };
    }
  }
}

/**
 * The judgements a scan records: every escalation of a judged PR whose outcome is not settled
 * yet, judged against the PR and the signals of this scan's verdict.
 */
export function settleOutcomes(
  judged: readonly Judged[],
  actions: ReadonlyMap<number, readonly ActionRecord[]>,
  rules: Pick<RulesConfig, 'approvalWindowHours'>,
  now: number,
): OutcomeWrite[] {
  const writes: OutcomeWrite[] = [];
  for (const j of judged) {
    if (j.history.escalations.length === 0) continue;
    const settled = new Set(
      j.history.outcomes.filter((o) => o.settledAt !== null).map((o) => o.escalationId),
    );
    for (const e of j.history.escalations) {
      if (settled.has(e.id)) continue;
      const { outcome, reason } = judgeOutcome({
        escalation: e,
        actions: actions.get(e.id) ?? [],
        pr: j.pr,
        signals: j.evaluation.verdict.signals,
        history: j.history,
        now,
        approvalWindowMs: rules.approvalWindowHours * 3_600_000,
      });
      writes.push({ escalationId: e.id, outcome, reason });
    }
  }
  return writes;
}

/**
 * Pure: where an open escalation stands now, in a few words for `radar queue`: its session
 * running, an action waiting for `radar approve` (read now, not at the last scan), or what the
 * last scan said it waits for.
 */
export function openState(
  session: string,
  actions: readonly Pick<ActionRecord, 'kind' | 'state'>[],
  lastReason: string | null,
): string {
  if (session === 'running') return 'session running';
  const waiting = actions.find((a) => isWaiting(a.state));
  if (waiting) return `${waiting.kind.replace('_', ' ')} waiting`;
  return lastReason ?? 'judged at the next scan';
}
