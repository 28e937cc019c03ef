import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { ExitCode, RadarError, UsageError } from '../core/errors.js';
import { requireToken, resolveEndpoint } from '../github/endpoint.js';
import { createGitHubClient } from '../github/client.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import type { BudgetState } from '../core/budget.js';
import type { StoredPr } from '../core/pr.js';
import type { Verdict } from '../core/verdict.js';
import { isAuthError, runScan, type ScanSummary } from '../scan/scan.js';
import { formatInt } from '../render/number.js';
import { plural } from '../render/plural.js';
import { redactUrl } from '../redact.js';
import { CLEAR_LINE, LINE_START } from '../render/terminal.js';
import { writeJson, type ScanJson } from './json-output.js';

type ScanCommandOptions = CommandOptions<'scan'>;

/** `radar scan [--dispatch]`: the scan under its lock, then (the lock released) the agents. */
export async function run(ctx: Context, options: ScanCommandOptions = {}): Promise<number> {
  if (options.max !== undefined) {
    if (!options.dispatch) throw new UsageError('--max goes with --dispatch');
    (await import('../dispatch/after-scan.js')).parseMax(options.max, 0);
  }
  const { code, candidates, budget, summary, reaped } = await scan(ctx, options);
  if (!options.dispatch || (code !== 0 && code !== ExitCode.flagged)) return code;
  const { dispatchAfterScan } = await import('../dispatch/after-scan.js');
  const { heldBackReport } = await import('../dispatch/held-back.js');
  const { paceJson } = await import('../dispatch/pace-policy.js');
  // The verdicts and budget this scan judged with: neither is read again.
  const dispatched = await dispatchAfterScan(ctx, {
    max: options.max,
    candidates,
    budget,
    reaped,
  });
  const { results } = dispatched;
  // One document: the scan, with what the dispatch did inside it.
  if (ctx.json)
    writeJson(ctx, 'scan', {
      ...summary,
      dispatch: {
        pace: paceJson(dispatched.pace),
        results: results.map(({ prompt: _prompt, ...r }) => r),
        approvalsQueued: dispatched.approvalsQueued,
        reaped: dispatched.reaped,
        modelHolds: dispatched.modelHolds,
      },
    } satisfies ScanJson);
  const report = heldBackReport(results, code, ctx.env.PATH, dispatched.modelHolds);
  for (const line of report.lines) ctx.stderr.write(`radar: ${line}\n`);
  return report.code;
}

interface ScanOutcome {
  code: number;
  /** Watched open PRs with their new verdicts. */
  candidates: readonly { pr: StoredPr; verdict: Verdict }[];
  /** The providers' budget states the rules routed with. */
  budget: readonly BudgetState[];
  summary: ScanSummary;
  /** With --dispatch: sessions reaped before the queue was judged. */
  reaped: number;
}

/** The cron job. Silent unless something is wrong, a TTY is watching, or --json. */
async function scan(ctx: Context, options: ScanCommandOptions): Promise<ScanOutcome> {
  const config = ctx.config();
  if (config.watch.authors.length === 0 && config.watch.repos.length === 0)
    throw new UsageError(
      'nothing to watch: set watch.authors or watch.repos in the config (see `radar init`)',
    );
  const endpoint = resolveEndpoint(ctx.env);
  const token = await requireToken(ctx.env, endpoint);
  const db = ctx.ledger();
  // Reap, then judge: a session whose machine's lease expired gives its signals back before the
  // verdicts are made, so its PR is flagged and dispatched by this run.
  const reaped = options.dispatch
    ? await (await import('../dispatch/after-scan.js')).reapBeforeScan(ctx)
    : 0;
  // One scan at a time per ledger: a lock file beside a SQLite ledger, the server's advisory lock
  // for a PostgreSQL one (scans on several machines never overlap).
  const release = db.lock('scan', 'radar scan');
  try {
    const port = createGitHubClient({ endpoint, token: token.value, logger: ctx.logger() });
    const tty = Boolean(ctx.stderr.isTTY) && !ctx.json;
    let summary: ScanSummary;
    // The rules route around an agent whose weekly quota is used up.
    const states = await budgetStates(db.usage, config, ctx.env, ctx.now().getTime(), ctx.cwd);
    let candidates: ScanOutcome['candidates'] = [];
    try {
      summary = await runScan({
        port,
        store: db.prs,
        rules: db.rules,
        outcomes: db.outcomes,
        budget: agentBudgets(states),
        config,
        logger: ctx.logger(),
        now: () => ctx.now().getTime(),
        onProgress: tty
          ? (seen, total) => ctx.stderr.write(`${LINE_START}scanning: ${seen}/${total} PRs`)
          : undefined,
        onJudged: (judged) => (candidates = judged),
      });
    } catch (error) {
      if (isAuthError(error))
        throw new UsageError(
          `GitHub rejected the token from ${token.source} (401 Bad credentials) at ${redactUrl(endpoint.apiUrl)}`,
        );
      throw error;
    } finally {
      if (tty) ctx.stderr.write(CLEAR_LINE);
    }
    const fatal = summary.status === 'error' && !summary.stop;
    const code = fatal
      ? 1
      : summary.status !== 'ok'
        ? 1
        : options.failOnFlag && summary.flagged.length > 0
          ? ExitCode.flagged
          : 0;
    // With --dispatch the document waits for the dispatch, which goes inside it.
    const dispatching = options.dispatch && (code === 0 || code === ExitCode.flagged);
    if (ctx.json) {
      if (!dispatching) writeJson(ctx, 'scan', { ...summary, dispatch: null } satisfies ScanJson);
    } else if (ctx.stdout.isTTY || ctx.options.verbose) ctx.stdout.write(renderScan(summary));
    for (const e of summary.errors) ctx.stderr.write(`radar: scan: ${e}\n`);
    for (const w of summary.warnings) ctx.stderr.write(`radar: scan: warning: ${w}\n`);
    // A rate-limit stop has already said so in its one line (and kept what it fetched).
    if (fatal) throw new RadarError('scan failed: nothing was fetched');
    return { code, candidates, budget: states, summary, reaped };
  } finally {
    release();
  }
}

export function renderScan(s: ScanSummary): string {
  const lines = [
    `scanned ${plural(s.prsSeen, 'PR')} in ${(s.durationMs / 1000).toFixed(1)} s: ` +
      `${plural(s.requests, 'request')}, ${plural(s.points, 'point')}${s.remaining !== null ? `, ${formatInt(s.remaining)} remaining` : ''}`,
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
      `flagged ${f.repo}#${f.number} (score ${f.score}, route ${f.route}): ` +
        // Kinds on the terminal; the fingerprints are in --json and `radar explain`.
        [...new Set(f.signals.map((fp) => fp.slice(0, fp.indexOf(':'))))].join(', '),
    );
  if (s.flagged.length > 10)
    lines.push(`… and ${s.flagged.length - 10} more flagged (radar queue)`);
  if (s.newPrs) lines.push(plural(s.newPrs, 'new PR'));
  // Named here too, not only on stderr: a PR GitHub could not read is one the user must look at.
  for (const k of s.skipped)
    lines.push(`skipped ${k.repo}#${k.number}: GitHub could not give its details (${k.reason})`);
  for (const r of s.resolved) lines.push(`${r.repo}#${r.number} ${r.state}`);
  for (const c of s.changed.slice(0, 20)) {
    const fields = c.fields
      .filter((f) => f.field !== 'state')
      .map((f) => {
        if (f.field === 'reviews') return 'reviews';
        // A commit as git abbreviates it; the whole SHA is in --json.
        const short = (v: string | null) =>
          v === null ? '-' : f.field === 'headSha' ? v.slice(0, 7) : v;
        return `${f.field} ${short(f.from)}→${short(f.to)}`;
      });
    if (fields.length) lines.push(`${c.repo}#${c.number}: ${fields.join(', ')}`);
  }
  if (s.changed.length > 20)
    lines.push(`… and ${s.changed.length - 20} more changed PRs (radar queue)`);
  return `${lines.join('\n')}\n`;
}
