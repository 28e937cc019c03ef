import { createInterface } from 'node:readline/promises';
import type { Context } from '../context.js';
import { readModelHolds } from '../budget/holds.js';
import type { CommandOptions } from './types.js';
import { RadarError } from '../core/errors.js';
import { writeJson } from './json-output.js';
import { formatPrRef } from '../core/pr.js';
import type { Verdict } from '../core/verdict.js';
import { resolvePr } from './pr-arg.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import type { AgentBudget } from '../core/budget.js';
import { dispatchFlagged } from '../dispatch/dispatch.js';
import { renderResults } from '../dispatch/render.js';
import { describePace } from '../dispatch/pace-policy.js';

type EscalateOptions = CommandOptions<'escalate'>;

/** A PR never judged yet: no signals, so the session acts on a manual fingerprint only. */
const NO_VERDICT: Verdict = {
  tier: 'watch',
  score: 0,
  route: 'none',
  signals: [],
  pending: [],
  reasons: ['no verdict yet'],
  suppressed: null,
  recommendation: null,
};

/** `radar escalate <pr>`: one PR to an agent now, whatever its tier. */
export async function run(ctx: Context, prText: string, options: EscalateOptions): Promise<number> {
  // commander offers only the agents' names (AGENT_CHOICES).
  const agent = options.agent;
  const config = ctx.config();
  const db = ctx.existingLedger();
  const pr = resolvePr(db.prs, prText);
  const verdict = db.rules.verdict(pr.nodeId) ?? NO_VERDICT;
  if (pr.state !== 'open' && !options.force)
    throw new RadarError(`${formatPrRef(pr)} is ${pr.state}; --force dispatches it anyway`);
  const now = () => ctx.now().getTime();
  // Read once: the rehearsal and the session are checked against the same reading.
  const budget = await budgetStates(db.usage, config, ctx.env, now(), ctx.cwd);
  const common = {
    candidates: [{ pr, verdict }],
    max: 1,
    config,
    ledger: db,
    ledgerPath: ctx.ledgerPath(),
    budget,
    now,
    env: ctx.env,
    cwd: ctx.cwd,
    logger: ctx.logger(),
    manual: { agent, force: options.force },
    modelHolds: await readModelHolds(db, config, ctx, now()),
  };
  if (options.dryRun || (!options.yes && process.stdin.isTTY)) {
    const rehearsal = await dispatchFlagged({ ...common, dryRun: true });
    const r = rehearsal.results[0]!;
    if (options.dryRun) {
      if (ctx.json) writeJson(ctx, 'escalate', r);
      else {
        ctx.stdout.write(`${formatPrRef(pr)}: tier ${verdict.tier}, score ${verdict.score}\n`);
        if (r.status === 'dry_run') {
          ctx.stdout.write(`command: ${r.argv!.map(quoteArg).join(' ')}\n`);
          for (const s of r.skipped ?? []) ctx.stdout.write(`skipped ${s.agent}: ${s.why}\n`);
          const pace = describePace(rehearsal.pace).find((l) => l.startsWith(`pace: ${r.agent}`));
          ctx.stdout.write(
            `budget: ${r.agent} ${budgetWord(agentBudgets(budget).get(r.agent!))}\n` +
              `${pace} (a scan follows it; a dispatch by hand is not capped)\n` +
              `\n── prompt (stdin) ──\n${r.prompt}`,
          );
        } else ctx.stdout.write(renderResults([r]));
      }
      return r.status === 'dry_run' ? 0 : 1;
    }
    if (r.status !== 'dry_run') {
      ctx.stdout.write(renderResults([r]));
      return 1;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(
      `Start ${r.agent} on ${formatPrRef(pr)} (${verdict.tier}, score ${verdict.score})? [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.stderr.write('radar: not started\n');
      return 1;
    }
  }
  const summary = await dispatchFlagged({
    ...common,
    onEvent: (e) => {
      if (e.kind === 'started' && !ctx.json)
        ctx.stderr.write(`radar: ${e.agent} working on ${e.pr} (run log ${e.runLog})\n`);
      if (e.kind === 'fallback')
        ctx.stderr.write(`radar: ${e.agent} could not start: ${e.reason}\n`);
    },
  });
  const r = summary.results[0]!;
  if (ctx.json) writeJson(ctx, 'escalate', r);
  else ctx.stdout.write(renderResults([r]));
  return r.status === 'succeeded' ? 0 : 1;
}

const quoteArg = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** What a rehearsal says of the agent's budget (unknown runs only with budget.allowUnknown). */
function budgetWord(budget: AgentBudget | undefined): string {
  return budget === 'available' ? 'ok' : 'unknown (dispatched by budget.allowUnknown)';
}
