/**
 * The human gate: risky actions (a templated comment, closing a PR) are queued, and done only
 * when the user approves them. Comments are deduplicated by their normalised body (never posted
 * twice on a PR); a write GitHub denies is recorded as a permission boundary and never retried.
 */
import { createHash } from 'node:crypto';
import type { StoredPr } from '../core/pr.js';
import type { Verdict } from '../core/verdict.js';
import type { Approval, DispatchStore } from '../ledger/dispatch-store.js';
import type { GitHubWrites, WriteResult } from '../github/port.js';

/** A polite nudge, for a PR gone quiet or a maintainer who has not answered. */
export const PING_COMMENT =
  'Hi! Friendly ping on this PR: it is still current on my side. Is anything else needed from me to move it forward? Happy to rebase or adjust.';

/** Case, spacing and trailing punctuation do not make a comment new. */
export function normalizeBody(body: string): string {
  return body
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
  store: DispatchStore,
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

/** The two GitHub writes approvals make: methods of the GitHub port. */
export type GitHubWriter = Pick<GitHubWrites, 'comment' | 'close'>;

export type { WriteResult };

export type ApproveOutcome =
  | { status: 'done'; message: string }
  | { status: 'duplicate' | 'denied' | 'failed' | 'not-pending'; message: string };

/** GitHub answered: you may not (403), or this does not exist for you (404). */
const isDenial = (status: number) => status === 401 || status === 403 || status === 404;

/**
 * Performs one approved action. `existingBodies`: the PR's comment bodies as last scanned (so a
 * comment the user already posted by hand is not posted again).
 */
export async function performApproval(
  approval: Approval,
  deps: {
    store: DispatchStore;
    github: GitHubWriter;
    now: () => number;
    existingBodies?: readonly string[];
  },
): Promise<ApproveOutcome> {
  const { store } = deps;
  if (approval.status !== 'pending')
    return { status: 'not-pending', message: `approval ${approval.id} is ${approval.status}` };
  const finish = (status: Exclude<ApproveOutcome['status'], 'not-pending'>, message: string) => {
    store.decide(approval.id, status, message, deps.now());
    return { status, message } as ApproveOutcome;
  };
  const boundary = store.boundary(approval.repo, approval.action);
  if (boundary)
    return finish(
      'denied',
      `GitHub denied ${approval.action} on ${approval.repo} before (${boundary.status}${boundary.message ? `: ${boundary.message}` : ''}); not retried`,
    );
  if (approval.action === 'comment') {
    const body = approval.body ?? '';
    const hash = bodyHash(body);
    if (
      store.wasPosted(approval.nodeId, hash) ||
      (deps.existingBodies ?? []).some((b) => bodyHash(b) === hash)
    )
      return finish('duplicate', 'the same comment is already on the PR; not posted again');
    const r = await deps.github.comment(approval.repo, approval.number, body);
    if (r.ok) {
      store.recordPosted(approval.nodeId, hash, deps.now(), approval.id);
      return finish('done', `commented on ${approval.repo}#${approval.number}`);
    }
    return failed(approval, r, store, deps.now, finish);
  }
  const r = await deps.github.close(approval.repo, approval.number);
  if (r.ok) return finish('done', `closed ${approval.repo}#${approval.number}`);
  return failed(approval, r, store, deps.now, finish);
}

function failed(
  approval: Approval,
  r: Extract<WriteResult, { ok: false }>,
  store: DispatchStore,
  now: () => number,
  finish: (status: 'denied' | 'failed', message: string) => ApproveOutcome,
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
  // A transient failure (5xx, network): the approval stays pending, to be approved again.
  return {
    status: 'failed',
    message: `GitHub answered ${r.status || 'nothing'}: ${r.message}; still pending`,
  };
}
