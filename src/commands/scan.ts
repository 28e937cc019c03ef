import type { Context } from '../context.js';
import { ExitCode, RadarError, UsageError } from '../errors.js';
import { requireToken, resolveEndpoint } from '../github/endpoint.js';
import { createGitHubClient } from '../github/client.js';
import { PrStore } from '../ledger/pr-store.js';
import { RulesStore } from '../ledger/rules-store.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import { acquireProcessLock } from '../ledger/lock.js';
import { isAuthError, runScan, type ScanSummary } from '../scan/scan.js';
import { formatInt } from '../render/table.js';
import { redactUrl } from '../redact.js';

interface ScanCommandOptions {
  failOnFlag?: boolean;
  dispatch?: boolean;
  max?: string;
}

/** `radar scan`: the cron job. Silent unless something is wrong, a TTY is watching, or --json. */
export async function run(ctx: Context, options: ScanCommandOptions = {}): Promise<number> {
  const config = ctx.config();
  const max = options.max === undefined ? config.dispatch.maxPerScan : Number(options.max);
  if (!Number.isInteger(max) || max < 0)
    throw new UsageError(`--max: "${options.max}" is not a whole number of sessions`);
  if (config.watch.authors.length === 0 && config.watch.repos.length === 0)
    throw new UsageError(
      'nothing to watch: set watch.authors or watch.repos in the config (see `radar init`)',
    );
  const endpoint = resolveEndpoint(ctx.env);
  const token = await requireToken(ctx.env, endpoint);
  const ledgerPath = ctx.ledgerPath();
  const db = ctx.ledger();
  const release = acquireProcessLock(ledgerPath, 'scan', 'radar scan');
  let scanned: ScanSummary;
  try {
    const port = createGitHubClient({ endpoint, token: token.value, logger: ctx.logger() });
    const tty = Boolean(ctx.stderr.isTTY) && !ctx.json;
    let summary: ScanSummary;
    // The rules route around an agent whose weekly quota is used up.
    const budget = agentBudgets(await budgetStates(db, config, ctx.env, ctx.now().getTime()));
    try {
      summary = await runScan({
        port,
        store: new PrStore(db),
        rules: new RulesStore(db),
        budget,
        config,
        logger: ctx.logger(),
        now: () => ctx.now().getTime(),
        onProgress: tty
          ? (seen, total) => ctx.stderr.write(`\rscanning: ${seen}/${total} PRs`)
          : undefined,
      });
    } catch (error) {
      if (isAuthError(error))
        throw new UsageError(
          `GitHub rejected the token from ${token.source} (401 Bad credentials) at ${redactUrl(endpoint.apiUrl)}`,
        );
      throw error;
    } finally {
      if (tty) ctx.stderr.write('\r\x1b[K');
    }
    scanned = summary;
  } finally {
    release();
  }
  const summary = scanned;
  // Agents may work for hours: they run after the scan lock is released, so the next cron scan
  // still runs (a PR being worked on is recognised by its running escalation).
  const dispatched = options.dispatch ? await dispatch(ctx, max) : undefined;
  if (ctx.json)
    ctx.stdout.write(
      `${JSON.stringify(dispatched ? { ...summary, dispatch: dispatched } : summary)}\n`,
    );
  else {
    if (ctx.stdout.isTTY || ctx.options.verbose || dispatched)
      ctx.stdout.write(renderScan(summary));
    if (dispatched) {
      const { renderResults } = await import('../dispatch/render.js');
      ctx.stdout.write(renderResults(dispatched.results));
      if (dispatched.approvalsQueued.length)
        ctx.stdout.write(
          `${dispatched.approvalsQueued.length} action(s) wait for approval (radar approvals)\n`,
        );
    }
  }
  for (const e of summary.errors) ctx.stderr.write(`radar: scan: ${e}\n`);
  for (const w of summary.warnings) ctx.stderr.write(`radar: scan: warning: ${w}\n`);
  // A rate-limit stop has already said so in its one line (and kept what it fetched).
  if (summary.status === 'error' && !summary.stop)
    throw new RadarError('scan failed: nothing was fetched');
  if (summary.status !== 'ok') return 1;
  return options.failOnFlag && summary.flagged.length > 0 ? ExitCode.flagged : 0;
}

/** `--dispatch`: the escalate tier to agent sessions, within budget and concurrency. */
async function dispatch(ctx: Context, max: number) {
  const [{ dispatchFlagged }, { storedCandidates }, { budgetGate }] = await Promise.all([
    import('../dispatch/dispatch.js'),
    import('../dispatch/candidates.js'),
    import('../dispatch/budget-gate.js'),
  ]);
  const db = ctx.ledger();
  const config = ctx.config();
  const now = () => ctx.now().getTime();
  return dispatchFlagged({
    candidates: storedCandidates(db),
    max,
    config,
    db,
    ledgerPath: ctx.ledgerPath(),
    budgetGate: budgetGate(db, config, ctx.env, now),
    now,
    env: ctx.env,
    logger: ctx.logger(),
    onEvent: (e) => {
      if (e.kind === 'started' && !ctx.json)
        ctx.stderr.write(`radar: ${e.agent} working on ${e.pr} (run log ${e.runLog})\n`);
      if (e.kind === 'fallback')
        ctx.stderr.write(`radar: ${e.agent} could not start: ${e.reason}\n`);
    },
  });
}

export function renderScan(s: ScanSummary): string {
  const lines = [
    `scanned ${formatInt(s.prsSeen)} PRs in ${(s.durationMs / 1000).toFixed(1)} s: ${s.requests} requests, ` +
      `${s.points} points${s.remaining !== null ? `, ${formatInt(s.remaining)} remaining` : ''}`,
  ];
  if (s.stoppedEarly)
    lines.push(
      `stopped early (${s.stop?.reason ?? 'rate limit'}); kept what was fetched` +
        (s.stop?.retryAt ? `; try again after ${s.stop.retryAt}` : ''),
    );
  const tiers = Object.entries(s.tiers)
    .filter(([, n]) => n > 0)
    .map(([tier, n]) => `${n} ${tier}`);
  if (tiers.length) lines.push(`tiers: ${tiers.join(', ')}`);
  for (const f of s.flagged.slice(0, 10))
    lines.push(
      `flagged ${f.repo}#${f.number} (score ${f.score}, route ${f.route}): ${f.signals.join(' ')}`,
    );
  if (s.flagged.length > 10)
    lines.push(`… and ${s.flagged.length - 10} more flagged (radar queue)`);
  if (s.newPrs) lines.push(`${s.newPrs} new PRs`);
  for (const r of s.resolved) lines.push(`${r.repo}#${r.number} ${r.state}`);
  for (const c of s.changed.slice(0, 20)) {
    const fields = c.fields
      .filter((f) => f.field !== 'state')
      .map((f) =>
        f.field === 'reviews' ? 'reviews' : `${f.field} ${f.from ?? '-'}→${f.to ?? '-'}`,
      );
    if (fields.length) lines.push(`${c.repo}#${c.number}: ${fields.join(', ')}`);
  }
  if (s.changed.length > 20)
    lines.push(`… and ${s.changed.length - 20} more changed PRs (radar queue)`);
  return `${lines.join('\n')}\n`;
}
