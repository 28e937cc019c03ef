import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { UsageError } from '../core/errors.js';
import { buildReport } from '../tokens/report.js';
import { checkpointsOf } from '../budget/state.js';
import { machineZone, periods, weekdayIndex } from '../time/zone.js';
import { DATE_FORMS, parseWhen } from '../time/relative.js';
import { renderPage, type PageInput } from '../html/page.js';
import { openerFor } from '../html/opener.js';
import { tokenReportData } from './report-tokens.js';
import { budgetData } from './budget.js';
import { describeValue } from '../budget/value.js';
import { funnelData } from './report-rules.js';
import { makeFolders } from '../files/folders.js';

/** `radar report html`: the reports as one self-contained page; prints its path. */
export async function run(ctx: Context, options: CommandOptions<'report html'>): Promise<number> {
  const file = await writeHtmlReport(ctx, options);
  ctx.stdout.write(`${file}\n`);
  if (options.open) {
    const failed = await openDetached(file);
    if (failed)
      ctx.stderr.write(`radar: could not open the page (${failed}); open ${file} yourself\n`);
  }
  return 0;
}

/**
 * Opens the file with the platform's opener, detached (it outlives radar); resolves once the
 * opener started, or to why it could not (no opener installed, not executable).
 */
export function openDetached(
  file: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const { command, args } = openerFor(platform, file);
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', env });
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ENOENT' ? `${command} not found` : `${command}: ${e.message}`),
    );
  });
}

/** Writes the page (default: report.html next to the ledger) and returns its path. */
export async function writeHtmlReport(
  ctx: Context,
  options: { out?: string; since?: string },
): Promise<string> {
  const config = ctx.config();
  const zone = config.timezone ?? machineZone();
  let since: number | undefined;
  if (options.since !== undefined) {
    since = parseWhen(options.since, ctx.now().getTime(), zone);
    if (since === undefined)
      throw new UsageError(`--since: "${options.since}" is not ${DATE_FORMS}`);
  }
  const range = { since: options.since };
  // The same figures as `radar report tokens --json` (by bucket, day and PR), budget and funnel.
  const byBucket = (await tokenReportData(ctx, { ...range, by: 'bucket' })).report;
  const byDay = (await tokenReportData(ctx, { ...range, by: 'day' })).report;
  const byPr = (await tokenReportData(ctx, { ...range, by: 'pr' })).report;
  const budget = await budgetData(ctx);
  const { r: funnel, bought: outcomes } = funnelData(ctx, since ?? 0);

  const db = ctx.existingLedger();
  const ledger = db.reports;
  const dayBuckets: PageInput['dayBuckets'][number][] = [];
  const dayEscalations: PageInput['dayEscalations'][number][] = [];
  const span = await ledger.eventSpan();
  const first = Math.max(span?.first ?? 0, since ?? -Infinity);
  if (span && first <= span.last)
    for (const day of periods(first, span.last, 'day', zone, weekdayIndex(config.weekStart))) {
      const dayRange = { since: Math.max(day.start, since ?? -Infinity), until: day.end };
      const rows = await ledger.aggregateByColumn('bucket', dayRange);
      for (const g of buildReport(rows, 'bucket', {}).groups)
        dayBuckets.push({ day: day.key, bucket: g.key, tokens: g.tokens });
      const escalated = await ledger.escalationByBucket(dayRange);
      for (const g of buildReport(escalated, 'bucket', {}).groups)
        dayEscalations.push({ day: day.key, bucket: g.key, tokens: g.tokens });
    }

  const verdicts = db.rules.verdicts();
  const prs = new Map(
    db.prs
      .all()
      .map((p) => [
        `${p.repo}#${p.number}`,
        { url: p.url, state: p.state, tier: verdicts.get(p.nodeId)?.tier },
      ]),
  );
  const html = renderPage({
    generatedAt: ctx.now().toISOString(),
    since: options.since ?? null,
    byBucket,
    byDay,
    byPr,
    dayBuckets,
    dayEscalations,
    pace: budget.results.map((r) => ({
      provider: r.provider,
      usedPercent: r.usedPercent,
      expectedPercent: r.expectedPercent,
      verdict: r.verdict,
      resetsAt: r.resetsAt,
      band: config.budget.targetBand,
      checkpoints: checkpointsOf(config),
      value: r.value ? describeValue(r.value) : null,
    })),
    funnel,
    outcomes,
    prInfo: (key) => prs.get(key),
  });
  const file = path.resolve(
    options.out ?? path.join(path.dirname(ctx.ledgerPath()), 'report.html'),
  );
  makeFolders(path.dirname(file));
  writeFileSync(file, html);
  return file;
}
