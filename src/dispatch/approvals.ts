/**
 * The human gate: risky actions (a templated comment, closing a PR, a session's commits pushed
 * to the PR, its reply, its drafted description) are queued, and done only when the user
 * approves them. Comments are deduplicated by their normalised body (never posted
 * twice on a PR); a write GitHub denies is recorded as a permission boundary and never retried.
 *
 * An approval is claimed (`performing`) in the statement that checks it is pending, so two
 * `radar approve` of one id never both write. A comment carries a hidden marker naming its
 * approval: should radar die between the claim and the outcome (or the answer be lost), the next
 * `radar approve` looks for the marker on the PR, and records the comment found instead of
 * posting it again. Closing a PR twice changes nothing, so a close is simply sent again.
 */
import { createHash } from 'node:crypto';
import type { StoredPr } from '../core/pr.js';
import type { Verdict } from '../core/verdict.js';
import type { DispatchLedger } from '../ledger/ports.js';
import type { Approval } from '../core/dispatch.js';
import type { GitHubPort, WriteResult } from '../github/port.js';
import { processAlive } from '../process/alive.js';
import type { PushOutcome } from './push.js';

/** A polite nudge, for a PR gone quiet or a maintainer who has not answered. */
export const PING_COMMENT =
  'Hi! Friendly ping on this PR: it is still current on my side. Is anything else needed from me to move it forward? Happy to rebase or adjust.';

/** The hidden line that names the approval a comment was posted for. */
export const approvalMarker = (a: Pick<Approval, 'id' | 'createdAt'>): string =>
  `<!-- radar approval ${a.id}-${a.createdAt} -->`;

const MARKER_RE = /<!-- radar approval \d+-\d+ -->/g;

/** Case, spacing, trailing punctuation and radar's marker do not make a comment new. */
export function normalizeBody(body: string): string {
  return body
    .replace(MARKER_RE, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!]+$/, '')
    .trim();
}

export const bodyHash = (body: string): string =>
  createHash('sha256').update(normalizeBody(body)).digest('hex').slice(0, 32);

/** What a verdict asks a human to approve: a close when stop-loss recommends it, a ping when routed to a template. */
export function proposedActions(verdict: Verdict): {
  action: 'comment' | 'close';
  body: string | null;
  reason: string;
  fingerprint: string | null;
}[] {
  const out: ReturnType<typeof proposedActions> = [];
  if (verdict.recommendation === 'close')
    out.push({
      action: 'close',
      body: null,
      reason: verdict.reasons.join(' ') || 'stop-loss recommends closing',
      fingerprint: null,
    });
  if (verdict.route === 'template') {
    const signal =
      verdict.signals.find((s) => verdict.pending.includes(s.fingerprint)) ?? verdict.signals[0];
    out.push({
      action: 'comment',
      body: PING_COMMENT,
      reason: signal ? `${signal.kind}: ${signal.detail}` : 'templated comment',
      fingerprint: signal?.fingerprint ?? null,
    });
  }
  return out;
}

/** Queues a verdict's actions; returns the ids of those newly queued. */
export function queueActions(
  store: DispatchLedger,
  pr: StoredPr,
  verdict: Verdict,
  now: number,
): number[] {
  const ids: number[] = [];
  for (const a of proposedActions(verdict)) {
    const id = store.queueApproval({
      nodeId: pr.nodeId,
      repo: pr.repo,
      number: pr.number,
      action: a.action,
      body: a.body,
      bodyHash: a.body ? bodyHash(a.body) : '',
      reason: a.reason,
      fingerprint: a.fingerprint,
      now,
    });
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/**
 * What approvals ask of the GitHub port: the two writes, and the PR's recent comments (a claimed
 * write's own, looked for after a crash).
 */
export type GitHubWriter = Pick<
  GitHubPort,
  'comment' | 'close' | 'editBody' | 'commentsSince' | 'pullRequestBody'
>;

export type { WriteResult };

export type ApproveOutcome =
  | { status: 'done'; message: string }
  | {
      status: 'duplicate' | 'denied' | 'failed' | 'refused' | 'not-pending' | 'busy';
      message: string;
    };

/** GitHub answered: you may not (403), or this does not exist for you (404). */
const isDenial = (status: number) => status === 401 || status === 403 || status === 404;

/** A claim older than this is abandoned, whoever holds its pid now (a write times out in 30 s). */
export const CLAIM_TTL_MS = 10 * 60_000;
/** How far before its claim radar looks for a comment it may have posted (clocks differ). */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * What `radar approve` may do with an approval as read (pure): claim it (pending), leave it to
 * the live process performing it (busy), recover it (its claimant died, or left it after a write
 * whose outcome is unknown), or nothing (decided).
 */
export function claimDecision(
  a: Pick<Approval, 'status' | 'claimedBy' | 'claimedAt'>,
  now: number,
  alive: (pid: number) => boolean,
): 'claim' | 'busy' | 'recover' | 'decided' {
  if (a.status === 'pending') return 'claim';
  if (a.status !== 'performing') return 'decided';
  if (a.claimedBy !== null && alive(a.claimedBy) && now - (a.claimedAt ?? 0) < CLAIM_TTL_MS)
    return 'busy';
  return 'recover';
}

interface ApproveDeps {
  store: DispatchLedger;
  /** Absent where only pushes are performed (`dispatch.autoApply` after a session). */
  github?: GitHubWriter;
  now: () => number;
  existingBodies?: readonly string[];
  /** The claiming process (default: this one), and how a claimant's liveness is checked. */
  pid?: number;
  alive?: (pid: number) => boolean;
  /** Pushes a `push` approval's commits (git at the edge: push.ts). */
  push?: (approval: Approval) => Promise<PushOutcome>;
}

/** Where a write goes, for its permission boundary: a push goes to the head repository. */
export const writeTarget = (a: Pick<Approval, 'action' | 'repo' | 'payload'>): string =>
  a.action === 'push' && typeof a.payload?.headRepo === 'string' ? a.payload.headRepo : a.repo;

/**
 * Claims the approval for this process. Returns the claim it took over when recovering one, null
 * for a fresh claim, or the outcome when it cannot be claimed.
 */
function claim(
  approval: Approval,
  deps: ApproveDeps,
  self: number,
): { recovered: Approval | null } | ApproveOutcome {
  const alive = deps.alive ?? ((pid: number) => processAlive(pid));
  // A second look when the row changed between the read and the claim.
  for (let a: Approval | undefined = approval, look = 0; a && look < 2; look++) {
    const decision = claimDecision(a, deps.now(), alive);
    if (decision === 'decided')
      return { status: 'not-pending', message: `approval ${a.id} is ${a.status}` };
    if (decision === 'busy')
      return {
        status: 'busy',
        message: `approval ${a.id} is being performed by another radar (pid ${a.claimedBy}, since ${new Date(a.claimedAt ?? 0).toISOString()}); not performed twice`,
      };
    if (decision === 'claim' && deps.store.claimApproval(a.id, self, deps.now()))
      return { recovered: null };
    if (decision === 'recover' && deps.store.takeOverApproval(a.id, a, self, deps.now()))
      return { recovered: a };
    a = deps.store.approval(a.id);
  }
  return {
    status: 'busy',
    message: `approval ${approval.id} was claimed by another radar meanwhile; not performed twice`,
  };
}

/**
 * Performs one approved action. `existingBodies`: the PR's comment bodies as last scanned (so a
 * comment the user already posted by hand is not posted again).
 */
export async function performApproval(
  approval: Approval,
  deps: ApproveDeps,
): Promise<ApproveOutcome> {
  const { store } = deps;
  const self = deps.pid ?? process.pid;
  const claimed = claim(approval, deps, self);
  if ('status' in claimed) return claimed;
  const finish = (
    status: Exclude<ApproveOutcome['status'], 'not-pending' | 'busy'>,
    message: string,
  ) => {
    store.decide(approval.id, status, message, deps.now(), 'performing');
    return { status, message } as ApproveOutcome;
  };
  const ref = `${approval.repo}#${approval.number}`;
  const target = writeTarget(approval);
  const boundary = store.boundary(target, approval.action);
  if (boundary)
    return finish(
      'denied',
      `${approval.action === 'push' ? 'the remote' : 'GitHub'} denied ${approval.action} on ${target} before (${boundary.status ? `${boundary.status}: ` : ''}${boundary.message ?? ''}); not retried`,
    );
  if (approval.action === 'push') return performPush(approval, deps, finish, self);
  const { github } = deps;
  if (!github) {
    store.releaseApproval(approval.id, self, 'nothing');
    return { status: 'failed', message: 'no GitHub client here; still pending' };
  }
  if (approval.action === 'edit_body')
    return performEditBody(approval, { ...deps, github }, finish, self, ref);
  if (approval.action === 'comment') {
    const body = approval.body ?? '';
    const hash = bodyHash(body);
    const marker = approvalMarker(approval);
    const posted = () => {
      store.recordPosted(approval.nodeId, hash, deps.now(), approval.id);
      return finish(
        'done',
        `the comment was posted on ${ref} before radar stopped; not posted again`,
      );
    };
    if (claimed.recovered) {
      if ((deps.existingBodies ?? []).some((b) => b.includes(marker))) return posted();
      const since = (claimed.recovered.claimedAt ?? approval.createdAt) - CLOCK_SKEW_MS;
      let bodies: string[];
      try {
        bodies = await github.commentsSince(approval.repo, approval.number, since);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return unknown(approval, { ok: false, status: 0, message }, store, self);
      }
      if (bodies.some((b) => b.includes(marker))) return posted();
    }
    if (
      store.wasPosted(approval.nodeId, hash) ||
      (deps.existingBodies ?? []).some((b) => bodyHash(b) === hash)
    )
      return finish('duplicate', 'the same comment is already on the PR; not posted again');
    const r = await github.comment(approval.repo, approval.number, `${body}\n\n${marker}`);
    if (r.ok) {
      store.recordPosted(approval.nodeId, hash, deps.now(), approval.id);
      return finish('done', `commented on ${ref}`);
    }
    return failed(approval, r, store, deps.now, finish, self);
  }
  const r = await github.close(approval.repo, approval.number);
  if (r.ok) return finish('done', `closed ${ref}`);
  return failed(approval, r, store, deps.now, finish, self);
}

/**
 * A transient failure (5xx, network, rate limit). Nothing was written when GitHub refused for its
 * rate limit, and closing or editing twice changes nothing: the approval is pending again. A comment whose
 * fate is unknown stays `performing`, unclaimed: the next `radar approve` looks for it on the PR
 * before posting.
 */
function unknown(
  approval: Approval,
  r: Extract<WriteResult, { ok: false }>,
  store: DispatchLedger,
  self: number,
): ApproveOutcome {
  // Closing or writing the same description twice changes nothing: sent again.
  const nothing = approval.action !== 'comment' || r.status === 429;
  store.releaseApproval(approval.id, self, nothing ? 'nothing' : 'unknown');
  const next = nothing
    ? 'still pending'
    : `radar approve ${approval.id} looks for the comment on the PR before posting it again`;
  return {
    status: 'failed',
    message: `GitHub answered ${r.status || 'nothing'}: ${r.message}; ${next}`,
  };
}

function failed(
  approval: Approval,
  r: Extract<WriteResult, { ok: false }>,
  store: DispatchLedger,
  now: () => number,
  finish: (status: 'denied' | 'failed', message: string) => ApproveOutcome,
  self: number,
): ApproveOutcome {
  if (isDenial(r.status)) {
    store.recordBoundary({
      repo: approval.repo,
      action: approval.action,
      deniedAt: now(),
      status: r.status,
      message: r.message,
    });
    return finish(
      'denied',
      `GitHub denied ${approval.action} on ${approval.repo} (${r.status}: ${r.message}); recorded, never retried`,
    );
  }
  return unknown(approval, r, store, self);
}

type Finish = (
  status: Exclude<ApproveOutcome['status'], 'not-pending' | 'busy'>,
  message: string,
) => ApproveOutcome;

async function performPush(
  approval: Approval,
  deps: ApproveDeps,
  finish: Finish,
  self: number,
): Promise<ApproveOutcome> {
  if (!deps.push) {
    deps.store.releaseApproval(approval.id, self, 'nothing');
    return { status: 'failed', message: 'pushes are not available here; still pending' };
  }
  const r = await deps.push(approval);
  if (r.status === 'retry') {
    deps.store.releaseApproval(approval.id, self, 'nothing');
    return { status: 'failed', message: `${r.message}; still pending` };
  }
  if (r.status === 'denied') {
    deps.store.recordBoundary({
      repo: writeTarget(approval),
      action: 'push',
      deniedAt: deps.now(),
      status: 0,
      message: r.message,
    });
    return finish('denied', `${r.message}; recorded, never retried`);
  }
  return finish(r.status, r.message);
}

/**
 * A drafted description replaces the PR's: refused when the description changed since the draft
 * was queued (the diff the user approved would no longer be the one applied).
 */
async function performEditBody(
  approval: Approval,
  deps: ApproveDeps & { github: GitHubWriter },
  finish: Finish,
  self: number,
  ref: string,
): Promise<ApproveOutcome> {
  const body = approval.body ?? '';
  const before = typeof approval.payload?.before === 'string' ? approval.payload.before : null;
  let current: string;
  try {
    current = await deps.github.pullRequestBody(approval.repo, approval.number);
  } catch (error) {
    deps.store.releaseApproval(approval.id, self, 'nothing');
    return {
      status: 'failed',
      message: `reading the description of ${ref}: ${(error as Error).message}; still pending`,
    };
  }
  const same = (a: string, b: string) =>
    a.replace(/\r\n?/g, '\n').trim() === b.replace(/\r\n?/g, '\n').trim();
  if (same(current, body)) return finish('duplicate', `${ref} already has this description`);
  if (before !== null && !same(current, before))
    return finish(
      'refused',
      `the description of ${ref} changed since the draft was queued; nothing written`,
    );
  const r = await deps.github.editBody(approval.repo, approval.number, body);
  if (r.ok) return finish('done', `updated the description of ${ref}`);
  return failed(approval, r, deps.store, deps.now, finish, self);
}
