import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { plural } from '../render/plural.js';
import { UsageError } from '../core/errors.js';
import { funnelReport, queueReport } from '../rules/reports.js';
import { TIERS } from '../core/verdict.js';
import { formatInt, formatPercent, renderTable } from '../render/table.js';
import { outcomeReport } from '../rules/outcome-report.js';
import { outcomeCounts } from './report-outcomes.js';
import { machineZone } from '../time/zone.js';
import { DATE_FORMS, parseWhen } from '../time/relative.js';

/** `radar report queue` and `radar report funnel`: the queue's shape, and what the rules saved. */

export function queue(ctx: Context): number {
  const db = ctx.existingLedger();
  const verdicts = db.rules.verdicts();
  const r = queueReport(db.prs.all(), (id) => verdicts.get(id)?.tier, ctx.now().getTime());
  if (ctx.json) {
    writeJson(ctx, 'report queue', r);
    return 0;
  }
  if (r.openPrs === 0) {
    ctx.stdout.write('no open PRs in the ledger (run `radar scan` first)\n');
    return 0;
  }
  const out = [
    `${r.openPrs} open PRs in ${r.repos} repositor${r.repos === 1 ? 'y' : 'ies'}, ` +
      `${formatInt(r.changedFiles)} changed files total, about ${formatInt(r.additionsPerPr)} additions ` +
      `and ${r.filesPerPr.toFixed(1)} files per PR`,
    `by tier: ${[...TIERS, 'unjudged' as const]
      .filter((t) => r.byTier[t] > 0)
      .map((t) => `${r.byTier[t]} ${t}`)
      .join(', ')}`,
  ];
  if (r.oldest) out.push(`oldest: ${r.oldest.pr}, ${r.oldest.days} days`);
  if (r.zombies.length) {
    out.push(`zombies (watch only until a maintainer speaks):`);
    for (const z of r.zombies) out.push(`  ${z.pr}  ${z.days} days  ${z.title}`);
  }
  ctx.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

export function funnel(ctx: Context, options: CommandOptions<'report funnel'>): number {
  const zone = ctx.config().timezone ?? machineZone();
  let since = 0;
  if (options.since !== undefined) {
    const at = parseWhen(options.since, ctx.now().getTime(), zone);
    if (at === undefined) throw new UsageError(`--since: "${options.since}" is not ${DATE_FORMS}`);
    since = at;
  }
  const { r, bought, outcomes } = funnelData(ctx, since);
  if (ctx.json) {
    writeJson(ctx, 'report funnel', { since: options.since ?? null, ...r, outcomes });
    return 0;
  }
  const suppressed = Object.entries(r.suppressed).sort((a, b) => b[1] - a[1]);
  const out = [
    `signal observations   ${formatInt(r.observations)}`,
    `distinct candidates   ${formatInt(r.candidates)}   (one per fingerprint, however many scans saw it)`,
    `suppressed            ${formatInt(suppressed.reduce((s, [, n]) => s + n, 0))}` +
      (suppressed.length
        ? `   (${suppressed.map(([k, n]) => `${k.replaceAll('_', ' ')} ${n}`).join(', ')})`
        : ''),
    `waiting for dispatch  ${formatInt(r.waiting)}`,
    `acted on              ${formatInt(r.actedOn)}`,
    `outcomes              ${outcomeCounts(bought)}` +
      (bought.judged
        ? `   (resolution rate ${formatPercent(bought.resolutionRate!, 0)} of ${bought.judged} judged)`
        : ''),
    '',
  ];
  if (r.byKind.length)
    out.push(
      renderTable(
        [
          { header: 'signal' },
          { header: 'observations', align: 'right' },
          { header: 'candidates', align: 'right' },
          { header: 'suppressed', align: 'right' },
          { header: 'waiting', align: 'right' },
          { header: 'acted on', align: 'right' },
        ],
        r.byKind.map((k) => [
          k.kind,
          formatInt(k.observations),
          formatInt(k.candidates),
          formatInt(k.suppressed),
          formatInt(k.waiting),
          formatInt(k.actedOn),
        ]),
      ).trimEnd(),
      '',
    );
  const c = r.cost;
  out.push(
    `token cost: ${formatInt(c.tokens)} tokens in ${c.sessions} agent session${c.sessions === 1 ? '' : 's'}` +
      (c.sessions ? ` (${c.sessionsWithUsage} of ${c.sessions} reported usage)` : ''),
  );
  out.push(
    c.perMergedPr === null
      ? `per merged PR: no PR merged yet`
      : `per merged PR: ${formatInt(c.perMergedPr)} (all tokens over ${c.mergedPrs} merged PRs)`,
  );
  if (c.sessions)
    out.push(
      `  spent on merged PRs ${formatInt(c.tokensOnMerged)}, closed unmerged ${formatInt(c.tokensOnClosedUnmerged)}, still open ${formatInt(c.tokensOnOpen)}`,
    );
  for (const k of c.byKind)
    out.push(
      `  ${k.kind.padEnd(20)} ${formatInt(k.tokens).padStart(12)} in ${plural(k.sessions, 'session')}`,
    );
  for (const t of c.byTier)
    out.push(
      `  now ${t.tier.padEnd(16)} ${formatInt(t.tokens).padStart(12)} on ${plural(t.prs, 'PR')}`,
    );
  ctx.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** The figures of `radar report funnel` (its --json, and the HTML page's). */
export function funnelData(ctx: Context, since: number) {
  const db = ctx.existingLedger();
  const rules = db.rules;
  const prs = new Map(db.prs.all().map((p) => [p.nodeId, p] as const));
  const verdicts = rules.verdicts();
  const rows = rules.funnelRows(since);
  const r = funnelReport(
    rows.candidates,
    rows.escalations,
    (id) => prs.get(id),
    (id) => verdicts.get(id)?.tier,
  );
  // The funnel's last stage: what the sessions bought, the same figures as `report outcomes`.
  const bought = outcomeReport(db.outcomes.outcomeRows(since));
  const outcomes = {
    byOutcome: bought.byOutcome,
    judged: bought.judged,
    resolutionRate: bought.resolutionRate,
    tokensPerResolvedSignal: bought.tokensPerResolvedSignal,
  };
  return { r, bought, outcomes };
}
