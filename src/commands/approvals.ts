import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { ExitCode, RadarError, UsageError } from '../core/errors.js';
import { requireToken, resolveEndpoint } from '../github/endpoint.js';
import type { DispatchLedger } from '../ledger/ports.js';
import type { Approval } from '../core/dispatch.js';
import { performApproval } from '../dispatch/approvals.js';
import { createGitHubClient } from '../github/client.js';
import { bodyDiff, describeApproval, renderApprovals } from '../dispatch/render.js';
import { pusher } from '../dispatch/push.js';
import { terminalWidth } from '../render/table.js';

/**
 * `radar approvals|approve|reject`: the human gate for comments, closes, and what sessions
 * produced (pushes of their commits, replies, drafted descriptions).
 */

/** Waiting for a human: pending, or performing (a write whose outcome radar has yet to learn). */
const waiting = (a: Approval) => a.status === 'pending' || a.status === 'performing';

function approvalById(
  store: DispatchLedger,
  text: string,
  open: (a: Approval) => boolean = waiting,
): Approval {
  const id = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  const approval = Number.isSafeInteger(id) ? store.approval(id) : undefined;
  if (!approval) throw new UsageError(`no approval ${text} (see radar approvals)`);
  if (!open(approval))
    throw new RadarError(`approval ${approval.id} is already ${approval.status}`);
  return approval;
}

/** `radar approvals [--all]`: what waits for a human. */
export function list(ctx: Context, options: CommandOptions<'approvals'>): number {
  const store = ctx.existingLedger().dispatch;
  const rows = options.all ? store.approvals() : store.approvals().filter(waiting);
  if (ctx.json)
    writeJson(
      ctx,
      'approvals',
      rows.map((a) => ({
        ...a,
        kind: a.action,
        what: describeApproval(a),
        ...(a.action === 'edit_body'
          ? {
              diff: bodyDiff(
                typeof a.payload?.before === 'string' ? a.payload.before : null,
                a.body ?? '',
              ),
            }
          : {}),
      })),
    );
  else if (rows.length === 0)
    ctx.stdout.write(options.all ? 'no approvals yet\n' : 'nothing waits for approval\n');
  else
    ctx.stdout.write(
      renderApprovals(rows, ctx.color, terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns)),
    );
  return 0;
}

/** `radar approve <id>`: performs one action through the GitHub API. */
export async function approve(ctx: Context, idText: string): Promise<number> {
  const db = ctx.existingLedger();
  const store = db.dispatch;
  const approval = approvalById(store, idText);
  const push = pusher(ctx.config(), ctx.env, process.cwd());
  if (approval.action === 'push') {
    // git's own remote and credentials: no GitHub token needed, none handed to git.
    const outcome = await performApproval(approval, {
      store,
      now: () => ctx.now().getTime(),
      push,
    });
    return reportOutcome(ctx, approval, outcome);
  }
  const endpoint = resolveEndpoint(ctx.env);
  const token = await requireToken(ctx.env, endpoint);
  const pr = db.prs.byNodeId(approval.nodeId);
  const outcome = await performApproval(approval, {
    store,
    github: createGitHubClient({ endpoint, token: token.value, logger: ctx.logger() }),
    now: () => ctx.now().getTime(),
    existingBodies: pr?.comments.map((c) => c.body ?? '') ?? [],
    push,
  });
  return reportOutcome(ctx, approval, outcome);
}

function reportOutcome(
  ctx: Context,
  approval: Approval,
  outcome: Awaited<ReturnType<typeof performApproval>>,
): number {
  if (ctx.json) writeJson(ctx, 'approve', { id: approval.id, ...outcome });
  else ctx.stdout.write(`approval ${approval.id}: ${outcome.status}: ${outcome.message}\n`);
  // Another radar performs it now: try again later, as for a lock.
  if (outcome.status === 'busy') return ExitCode.locked;
  return outcome.status === 'done' || outcome.status === 'duplicate' ? 0 : 1;
}

/** `radar reject <id>`: drops one action. */
export function reject(ctx: Context, idText: string): number {
  const store = ctx.existingLedger().dispatch;
  const approval = approvalById(store, idText, (a) => a.status === 'pending');
  store.decide(approval.id, 'rejected', 'rejected by the user', ctx.now().getTime());
  if (ctx.json) writeJson(ctx, 'reject', { id: approval.id, status: 'rejected' });
  else ctx.stdout.write(`approval ${approval.id} rejected\n`);
  return 0;
}
