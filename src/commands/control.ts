import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { toVerdictRecord } from '../rules/candidates.js';
import { judgeAll } from '../rules/judge.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import { formatPrRef } from '../core/pr.js';
import { resolvePr } from './pr-arg.js';
import { readModelHolds } from '../budget/holds.js';
import { inert } from '../render/inert.js';

/** `radar stop <pr>` and `radar resume <pr>`: manual control, recorded in the ledger. */

type ControlOptions = CommandOptions<'stop'> | CommandOptions<'resume'>;

export async function stop(
  ctx: Context,
  pr: string,
  options: CommandOptions<'stop'>,
): Promise<number> {
  return control(ctx, 'stop', pr, options);
}

export async function resume(
  ctx: Context,
  pr: string | undefined,
  options: CommandOptions<'resume'>,
): Promise<number> {
  if (options.model) {
    const agent = options.model;
    const db = ctx.existingLedger();
    const now = ctx.now().getTime();
    // What held it back, said before it is forgotten (the hold as the next dispatch saw it).
    const held = (await readModelHolds(db, ctx.config(), ctx, now)).get(agent) ?? null;
    db.dispatch.resolveModelHold(agent, now, options.reason ?? null);
    if (ctx.json)
      writeJson(ctx, 'resume', { agent, held, resolvedAt: new Date(now).toISOString() });
    else
      ctx.stdout.write(
        held
          ? `${agent}: released (${inert(held)}); runs before now no longer hold it back\n`
          : `${agent}: nothing held it back; runs before now will not\n`,
      );
    if (!pr && !options.permissions) return 0;
  }
  if (options.permissions) {
    const cleared = ctx.existingLedger().rules.clearPermissions(options.permissions);
    const message = cleared
      ? `${options.permissions}: forgot ${cleared} denied write${cleared === 1 ? '' : 's'}; radar may try again`
      : `${options.permissions}: no denied writes were recorded`;
    if (ctx.json) writeJson(ctx, 'resume', { repo: options.permissions, cleared });
    else ctx.stdout.write(`${message}\n`);
    if (!pr) return 0;
  }
  if (!pr) {
    if (options.model) return 0;
    throw new UsageError(
      'say which PR to resume (or --permissions <owner/name>, or --model <agent>)',
    );
  }
  return control(ctx, 'resume', pr, options);
}

async function control(
  ctx: Context,
  action: 'stop' | 'resume',
  text: string,
  options: ControlOptions,
): Promise<number> {
  const db = ctx.existingLedger();
  const pr = resolvePr(db.prs, text);
  const rules = db.rules;
  const now = ctx.now().getTime();
  const budget = agentBudgets(await budgetStates(db.usage, ctx.config(), ctx.env, now, ctx.cwd));
  // The control and the verdict it leads to are written together.
  const verdict = db.transaction(() => {
    rules.addControl(pr.nodeId, { at: now, action, by: 'user', reason: options.reason ?? null });
    const before = rules.verdict(pr.nodeId);
    const { judged } = judgeAll({
      prs: [pr],
      histories: rules.histories(pr.nodeId),
      permissions: rules.permissions(),
      previousTier: () => before?.tier,
      budget,
      rules: ctx.config().rules,
      now,
    });
    rules.recordVerdicts(
      null,
      now,
      judged.map((j) => toVerdictRecord(j, before)),
    );
    return judged[0]?.evaluation.verdict;
  });
  if (ctx.json) {
    writeJson(ctx, action, { pr: formatPrRef(pr), action, tier: verdict?.tier ?? null });
    return 0;
  }
  ctx.stdout.write(
    `${formatPrRef(pr)}: ${action === 'stop' ? 'stopped' : 'resumed'}` +
      (verdict ? ` (tier now ${verdict.tier})` : '') +
      '\n',
  );
  return 0;
}
