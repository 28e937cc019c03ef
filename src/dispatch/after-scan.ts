/**
 * `radar scan --dispatch`: after the scan has recorded its verdicts and released the scan lock,
 * the flagged PRs go to agents. Progress goes to stderr on a terminal or with --verbose; the
 * results to stdout (with --json, inside the scan's one document: the caller writes it).
 */
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import type { BudgetState } from '../core/budget.js';
import { dispatchFlagged, reapSessions, type Candidate, type DispatchSummary } from './dispatch.js';
import { renderResults } from './render.js';
import { plural } from '../render/plural.js';
import { describePace } from './pace-policy.js';
import { readModelHolds } from '../budget/holds.js';

/** `--max N`: a non-negative integer, else the configured dispatch.maxPerScan. */
export function parseMax(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--max: "${text}" is not a number of PRs`);
  return Number(text);
}

/**
 * Before the scan judges the queue: sessions of a dead radar here, or of a machine whose lease
 * expired, are closed, and the signals an expired session claimed are pending again for the
 * judgement (reap, then plan). Safe beside other machines' dispatches, as their own reaps are.
 */
export function reapBeforeScan(ctx: Context): Promise<number> {
  return reapSessions({
    config: ctx.config(),
    ledger: ctx.ledger(),
    ledgerPath: ctx.ledgerPath(),
    now: () => ctx.now().getTime(),
    env: ctx.env,
    cwd: ctx.cwd,
    logger: ctx.logger(),
  });
}

export async function dispatchAfterScan(
  ctx: Context,
  options: {
    max?: string;
    /** The PRs the scan judged, with their verdicts. */
    candidates: readonly Candidate[];
    /** The budget states the scan read. */
    budget: readonly BudgetState[];
    /** Sessions reaped before the scan judged (reapBeforeScan). */
    reaped?: number;
  },
): Promise<DispatchSummary> {
  const config = ctx.config();
  const ledger = ctx.ledger();
  const now = () => ctx.now().getTime();
  const chatty = !ctx.json && (Boolean(ctx.stderr.isTTY) || Boolean(ctx.options.verbose));
  const summary = await dispatchFlagged({
    candidates: options.candidates,
    // Without --max, the agents' pace decides (dispatch.maxPerScan on pace).
    max: options.max === undefined ? undefined : parseMax(options.max, 0),
    config,
    ledger,
    ledgerPath: ctx.ledgerPath(),
    budget: options.budget,
    now,
    env: ctx.env,
    cwd: ctx.cwd,
    logger: ctx.logger(),
    modelHolds: await readModelHolds(ledger, config, ctx, now()),
    reaped: options.reaped ?? 0,
    readBody: async (repo, number) => {
      const { resolveEndpoint, requireToken } = await import('../github/endpoint.js');
      const { createGitHubClient } = await import('../github/client.js');
      const endpoint = resolveEndpoint(ctx.env);
      const token = await requireToken(ctx.env, endpoint);
      return createGitHubClient({
        endpoint,
        token: token.value,
        logger: ctx.logger(),
      }).pullRequestBody(repo, number);
    },
    onEvent: (e) => {
      if (!chatty) return;
      if (e.kind === 'started')
        ctx.stderr.write(`radar: ${e.agent} working on ${e.pr} (run log ${e.runLog})\n`);
      if (e.kind === 'fallback')
        ctx.stderr.write(`radar: ${e.agent} could not start for ${e.pr}: ${e.reason}\n`);
    },
  });
  // With --json the caller puts the dispatch inside the scan's one document.
  if (ctx.json) return summary;
  if (summary.results.some((r) => r.escalationId !== undefined) || chatty) {
    for (const line of describePace(summary.pace)) ctx.stdout.write(`${line}\n`);
    ctx.stdout.write(renderResults(summary.results));
    if (summary.approvalsQueued.length)
      ctx.stdout.write(
        `${plural(summary.approvalsQueued.length, 'action')} queued for a human (radar approvals)\n`,
      );
  }
  return summary;
}
