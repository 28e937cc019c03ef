import type { Context } from '../context.js';
import { writeJson } from './json-output.js';
import { plural } from '../render/plural.js';
import { budgetStates } from '../budget/state.js';
import { accountScope } from '../budget/sources.js';
import { localDateTime, machineZone } from '../time/zone.js';
import {
  formatInt,
  renderTable,
  tableLayout,
  terminalWidth,
  type LayoutColumn,
} from '../render/table.js';
import { BURN_WINDOW_MS, burn, type Burn } from '../budget/burn.js';
import { wrapText } from '../render/wrap.js';
import { accountFolders } from '../config/paths.js';
import type { ProviderConfig } from '../config/schema.js';
import type { AccountFolder } from '../core/dispatch.js';
import { accountOf } from '../budget/models.js';
import { buildReport } from '../tokens/report.js';
import {
  billingPeriod,
  describeValue,
  renewalDay,
  subscriptionValue,
  type SubscriptionValue,
} from '../budget/value.js';

const WEEK_MS = 7 * 86_400_000;
import type { Style } from '../render/color.js';
import type { BudgetState } from '../core/budget.js';

/**
 * `radar budget`: is each weekly subscription quota on pace, how fast is it burning (tokens per
 * hour over the last day), where does that rate end the week, and when does the quota run out.
 */
export async function run(ctx: Context): Promise<number> {
  const zone = ctx.config().timezone ?? machineZone();
  const { now, results } = await budgetData(ctx);
  if (ctx.json) {
    writeJson(ctx, 'budget', { now: new Date(now).toISOString(), providers: results });
    return 0;
  }
  render(ctx, zone, results);
  return 0;
}

export type BudgetRow = BudgetState & {
  burn: Burn;
  estimated: { tokens: number; sessions: number };
  /** The subscription's value used this billing month (null: no monthlyPrice configured). */
  value: SubscriptionValue | null;
};

/** The figures of `radar budget` (its --json, and the HTML page's). */
export async function budgetData(ctx: Context): Promise<{ now: number; results: BudgetRow[] }> {
  const config = ctx.config();
  const now = ctx.now().getTime();
  const usage = ctx.existingLedger().usage;
  const states = await budgetStates(usage, config, ctx.env, now, ctx.cwd);
  const folders = accountFolders(config.budget.providers, ctx.env, ctx.cwd);
  const results = await Promise.all(
    states.map(async (state) => {
      const provider = { name: state.provider, agent: state.agent };
      const account = accountScope(config.budget.providers, provider, folders);
      const entry = config.budget.providers.find(
        (p) => p.name === state.provider && p.agent === state.agent,
      );
      const weeklyTokens = entry?.weeklyTokens;
      const resetsAt = state.resetsAt ? Date.parse(state.resetsAt) : null;
      const weekEnd = resetsAt ?? now;
      return {
        ...state,
        burn: burn({
          now,
          lastDayTokens: await usage.countedTokens(state.agent, now - BURN_WINDOW_MS, now, account),
          usedPercent: state.usedPercent,
          weeklyTokens,
          resetsAt,
        }),
        // Sessions of this week that reported no usage: their reservations, as estimates.
        estimated: await usage.estimatedTokens(state.agent, weekEnd - WEEK_MS, weekEnd, account),
        value:
          entry?.monthlyPrice === undefined
            ? null
            : await valueUsed(ctx, entry, entry.monthlyPrice, folders, now),
      };
    }),
  );
  return { now, results };
}

/**
 * The API-equivalent cost of an account's tokens since its last renewal, against its price: the
 * account's counted events (its sessions, its own folder's, and for the first account the rest
 * of its agent's), priced per model at list prices.
 */
async function valueUsed(
  ctx: Context,
  entry: ProviderConfig,
  priceUsd: number,
  folders: readonly AccountFolder[],
  now: number,
): Promise<SubscriptionValue> {
  const config = ctx.config();
  const db = ctx.existingLedger();
  const { start, end } = billingPeriod(
    now,
    renewalDay(entry.renewsOn),
    config.timezone ?? machineZone(),
  );
  const rows = (
    await db.reports.aggregateByAccount({ since: start, until: now }, folders, entry.agent)
  )
    .map((r) => ({ ...r, key: accountOf(config.budget.providers, r.agent, r.key) }))
    .filter((r) => r.key === entry.name);
  const { loadPrices } = await import('../tokens/prices.js');
  const prices = await loadPrices(
    db.prices,
    rows.flatMap((r) => (r.model ? [r.model] : [])),
  );
  const group = buildReport(rows, 'account', { prices }).groups[0];
  return subscriptionValue({
    priceUsd,
    usedUsd: group?.costUsd ?? 0,
    unpricedTokens: group?.unpricedTokens ?? 0,
    start,
    end,
    now,
  });
}

/**
 * The budget table's columns. From 80 cells the sources go first, then the burn rate and the
 * projection; under 80 the compact set: provider, used, expected, verdict, when it runs out
 * (narrower still, the expected share goes, then when it runs out).
 */
const BUDGET_COLUMNS: readonly LayoutColumn[] = [
  { header: 'provider', max: 24, compact: true },
  { header: 'used', align: 'right', compact: true },
  { header: 'expected', align: 'right', priority: 4, compact: true },
  { header: 'verdict', style: verdictStyle, priority: 6, compact: true },
  { header: 'tokens/h', align: 'right', priority: 1 },
  { header: 'at reset', align: 'right', priority: 2 },
  { header: 'runs out', priority: 5, compact: true },
  { header: 'resets', priority: 3 },
  { header: 'source', max: 48, min: 12, priority: 0 },
];

/** The budget table's cells, one row per provider, in BUDGET_COLUMNS order. */
function budgetRows(results: readonly BudgetRow[], zone: string): string[][] {
  const pct = (v: number | null) => (v === null ? '?' : `${v.toFixed(1)}%`);
  const runsOut = (b: Burn) =>
    b.lastsToReset === null
      ? '?'
      : b.lastsToReset
        ? 'after reset'
        : localDateTime(Date.parse(b.runsOutAt!), zone);
  return results.map((r) => [
    r.provider,
    pct(r.usedPercent),
    pct(r.expectedPercent),
    r.verdict,
    formatInt(Math.round(r.burn.tokensPerHour)),
    pct(r.burn.projectedPercent === null ? null : Math.round(r.burn.projectedPercent * 10) / 10),
    runsOut(r.burn),
    r.resetsAt ? localDateTime(Date.parse(r.resetsAt), zone) : '?',
    r.source ?? '-',
  ]);
}

/** The budget table for a terminal `width` cells wide (undefined: a pipe, every column). */
export function budgetTable(
  rows: readonly (readonly string[])[],
  width: number | undefined,
  color = false,
): string {
  const { columns, cells } = tableLayout(BUDGET_COLUMNS, rows, { width });
  return renderTable(columns, cells, { color, width });
}

function render(ctx: Context, zone: string, results: BudgetRow[]): void {
  const width = terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns);
  ctx.stdout.write(budgetTable(budgetRows(results, zone), width, ctx.color));
  for (const r of results) {
    if (r.advice) ctx.stdout.write(wrapText(`${r.provider}: ${r.advice}\n`, width));
    if (r.value) ctx.stdout.write(wrapText(`${r.provider}: ${describeValue(r.value)}\n`, width));
    if (r.estimated.sessions > 0)
      ctx.stdout.write(
        wrapText(
          `${r.provider}: ~${formatInt(r.estimated.tokens)} tokens estimated this week ` +
            `(${plural(r.estimated.sessions, 'session')} reported no usage; each counts its reservation)\n`,
          width,
        ),
      );
    for (const p of r.problems) ctx.stderr.write(`radar: ${r.provider}: ${p}\n`);
  }
}

/** Over pace or exhausted is the alarm, under pace the nudge to spend. */
function verdictStyle(verdict: string): Style | undefined {
  if (verdict === 'over' || verdict === 'exhausted') return 'red';
  if (verdict === 'under') return 'yellow';
  if (verdict === 'on-pace') return 'green';
  return verdict === 'unknown' ? 'dim' : undefined;
}
