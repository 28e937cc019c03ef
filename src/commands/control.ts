import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { toVerdictRecord } from '../rules/candidates.js';
import { judgeAll } from '../rules/judge.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import { formatPrRef } from '../core/pr.js';
import { resolvePr } from './pr-arg.js';

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
  if (options.permissions) {
    const cleared = ctx.existingLedger().rules.clearPermissions(options.permissions);
    const message = cleared
      ? `${options.permissions}: forgot ${cleared} denied write${cleared === 1 ? '' : 's'}; radar may try again`
      : `${options.permissions}: no denied writes were recorded`;
    if (ctx.json) writeJson(ctx, 'resume', { repo: options.permissions, cleared });
    else ctx.stdout.write(`${message}\n`);
    if (!pr) return 0;
  }
  if (!pr) throw new UsageError('say which PR to resume (or --permissions <owner/name>)');
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
  const budget = agentBudgets(await budgetStates(db.usage, ctx.config(), ctx.env, now));
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
