import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import type { Estimated } from '../ledger/ports.js';
import { buildReport, reportFromTotals } from '../tokens/report.js';
import { TIME_DIMENSIONS, type Rates, type TokenReport } from '../core/token-report.js';
import { isTimeZone, machineZone, periods, weekdayIndex } from '../time/zone.js';
import { DATE_FORMS, parseWhen } from '../time/relative.js';
import {
  bar,
  formatInt,
  formatPercent,
  renderCsv,
  renderTable,
  tableLayout,
  terminalWidth,
  type LayoutColumn,
} from '../render/table.js';
import { byCodePoint } from '../render/order.js';
import { wrapText } from '../render/wrap.js';
import { inert } from '../render/inert.js';
import { accountFolders } from '../config/paths.js';
import type { AggregateRow } from '../core/token-report.js';
import {
  accountOf,
  describeOffList,
  hasAllowlist,
  offListRuns,
  type OffList,
} from '../budget/models.js';
import { modelRows } from '../budget/holds.js';

type ReportOptions = CommandOptions<'report tokens'>;

/** `radar report tokens`: where the tokens went, grouped by one dimension. */
export async function run(ctx: Context, options: ReportOptions): Promise<number> {
  const data = await tokenReportData(ctx, options);
  const { report, estimated, offList } = data;
  if (ctx.json) {
    const { tz, since, until } = data;
    writeJson(ctx, 'report tokens', { ...report, estimated, offList, tz, since, until });
    return 0;
  }
  if (options.csv) {
    ctx.stdout.write(
      renderCsv(
        [report.by, 'tokens', 'share', 'events', 'est_cost_usd'],
        report.groups.map((g) => [
          g.key,
          g.tokens,
          (report.total.tokens ? g.tokens / report.total.tokens : 0).toFixed(4),
          g.events,
          g.costUsd === undefined ? '' : g.costUsd.toFixed(2),
        ]),
      ),
    );
    return 0;
  }
  const width = terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns);
  ctx.stdout.write(
    wrapText(
      renderReport(report, width) + renderEstimated(estimated) + renderOffList(offList),
      width,
    ),
  );
  return 0;
}

export interface TokenReportData {
  report: TokenReport;
  estimated: (Estimated & { agent: string })[];
  /** Runs on a model outside their allowlist in the range. */
  offList: ReturnType<typeof offListJson>[];
  tz: string;
  since: string | undefined;
  until: string | undefined;
}

/** The figures of `radar report tokens` (its --json, and the HTML page's). */
export async function tokenReportData(
  ctx: Context,
  options: Pick<ReportOptions, 'by' | 'since' | 'until' | 'tz'>,
): Promise<TokenReportData> {
  const config = ctx.config();
  const by = options.by ?? 'bucket';
  const zone = options.tz ?? config.timezone ?? machineZone();
  if (!isTimeZone(zone))
    throw new UsageError(`--tz: "${zone}" is not a known IANA time zone (e.g. "Europe/Berlin")`);
  const parse = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const at = parseWhen(text, ctx.now().getTime(), zone);
    if (at === undefined) throw new UsageError(`${flag}: "${text}" is not ${DATE_FORMS}`);
    return at;
  };
  const range = { since: parse('--since', options.since), until: parse('--until', options.until) };
  const db = ctx.existingLedger();
  const ledger = db.reports;
  // Rows by account and model: `--by account`, and then the allowlist check too.
  let byAccount: Promise<AggregateRow[]> | undefined;
  const accountRows = () =>
    (byAccount ??= ledger.aggregateByAccount(
      range,
      accountFolders(config.budget.providers, ctx.env, ctx.cwd),
    ));
  const loadPrices = async (models: string[]) =>
    (await import('../tokens/prices.js')).loadPrices(db.prices, models);
  let report: TokenReport;
  if (by === 'day' || by === 'week' || by === 'month') {
    const span = await ledger.eventSpan();
    const first = Math.max(span?.first ?? 0, range.since ?? -Infinity);
    const last = Math.min(span?.last ?? -1, (range.until ?? Infinity) - 1);
    if (span && first <= last) {
      // Priced in SQLite: prices first, for every model the ledger has.
      const models = await ledger.models();
      const prices = await loadPrices(models);
      const rates = new Map<string, Rates>();
      for (const model of models) {
        const r = prices(model);
        if (r) rates.set(model, r);
      }
      const list = periods(first, last, by, zone, weekdayIndex(config.weekStart));
      report = reportFromTotals(await ledger.periodTotals(list, range, rates), by);
    } else report = buildReport([], by, {});
  } else {
    const rows =
      by === 'account'
        ? (await accountRows()).map((r) => ({
            ...r,
            key: accountOf(config.budget.providers, r.agent, r.key),
          }))
        : await ledger.aggregateByColumn(by, range);
    const prices =
      rows.length > 0
        ? await loadPrices(rows.flatMap((r) => (r.model ? [r.model] : [])))
        : undefined;
    report = buildReport(rows, by, { prices });
  }

  // Sessions that reported no usage: their reservations, shown apart as estimates.
  const estimated = await ledger.estimated(range);
  // Runs on a model outside their agent's (account's) allowlist, flagged apart.
  const offList = hasAllowlist(config)
    ? offListRuns(
        by === 'account'
          ? (await accountRows()).map((r) => ({ ...r, account: r.key }))
          : await modelRows(db, config, ctx, range),
        config,
      ).map(offListJson)
    : [];
  return { report, estimated, offList, tz: zone, since: options.since, until: options.until };
}

/** An off-list run as `--json` gives it. */
function offListJson(o: OffList) {
  return {
    agent: o.agent,
    account: o.account,
    model: o.model,
    tokens: o.tokens,
    events: o.events,
    allowlist: o.allowlist.patterns,
    key: o.allowlist.key,
    message: describeOffList(o),
  };
}

/** Runs on a model outside the allowlist, after the table. */
export function renderOffList(rows: readonly ReturnType<typeof offListJson>[]): string {
  return rows
    .map(
      (o) =>
        `flagged: ${inert(o.message)}: ${formatInt(o.tokens)} tokens in ${formatInt(o.events)} ` +
        `event${o.events === 1 ? '' : 's'} (radar resume --model ${o.agent} once it is resolved)\n`,
    )
    .join('');
}

/** The estimates, apart from the measured totals (never added to them). */
export function renderEstimated(rows: readonly (Estimated & { agent: string })[]): string {
  return rows
    .map(
      (e) =>
        `estimated: ~${formatInt(e.tokens)} tokens of ${e.agent} in ${formatInt(e.sessions)} ` +
        `session${e.sessions === 1 ? '' : 's'} that reported no usage (their reservations; not in the totals)\n`,
    )
    .join('');
}

/**
 * The report table's columns. From 80 cells the bar goes first, then events and shares; under 80
 * the compact set: the key, tokens, share, cost and bar, the key cut before any goes.
 */
const REPORT_COLUMNS = (by: string): LayoutColumn[] => [
  { header: by, max: 40, min: 10, compact: true },
  { header: 'tokens', align: 'right', compact: true },
  { header: 'share', align: 'right', priority: 2, compact: true },
  { header: 'events', align: 'right', priority: 1 },
  { header: 'est. API cost', align: 'right', priority: 3, compact: true },
  { header: '', priority: 0, compact: true },
];

/** The report table's cells for `width` cells (undefined: a pipe), in REPORT_COLUMNS order. */
function reportRows(report: TokenReport, width: number | undefined): string[][] {
  const { total, groups } = report;
  const top = groups[0];
  // Time rows read best in order; other dimensions biggest first.
  const rows = TIME_DIMENSIONS.has(report.by)
    ? [...groups].sort((a, b) => byCodePoint(a.key, b.key))
    : groups;
  const money = (usd: number | undefined, unpriced: number) =>
    usd === undefined ? '' : `$${usd.toFixed(2)}${unpriced > 0 ? '+' : ''}`;
  // The bar takes what a wide terminal has left, 8 to 30 cells.
  const barWidth = Math.max(8, Math.min(30, (width ?? 100) - 80));
  return rows.map((g) => [
    g.key,
    formatInt(g.tokens),
    formatPercent(g.tokens / total.tokens),
    formatInt(g.events),
    money(g.costUsd, g.unpricedTokens),
    bar(g.tokens, top?.tokens ?? 0, barWidth),
  ]);
}

/** The report table for a terminal `width` cells wide (undefined: a pipe, every column). */
export function reportTable(report: TokenReport, width: number | undefined): string {
  const { columns, cells } = tableLayout(REPORT_COLUMNS(report.by), reportRows(report, width), {
    width,
  });
  return renderTable(columns, cells, { width });
}

export function renderReport(report: TokenReport, width: number | undefined): string {
  const { total, groups, by } = report;
  if (groups.length === 0)
    return 'no token events in the ledger for this range (run `radar ingest` first)\n';
  const top = groups[0]!;
  const head =
    `${formatInt(total.tokens)} tokens across ${formatInt(total.events)} marked events; ` +
    `largest ${by}: ${top.key} (${formatInt(top.tokens)}, ${formatPercent(top.tokens / total.tokens)})\n`;
  const table = reportTable(report, width);
  const foot =
    total.costUsd !== undefined
      ? `est. API cost: $${total.costUsd.toFixed(2)} at pay-per-token list prices (an estimate; ` +
        `${total.unpricedTokens > 0 ? `${formatInt(total.unpricedTokens)} tokens of unknown models or splits are not priced` : 'all tokens priced'})\n`
      : '';
  return head + '\n' + table + (foot ? '\n' + foot : '');
}
