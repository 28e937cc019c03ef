import type { Context } from '../context.js';
import { fromCommand, fromLedger, fromRollouts, type Usage } from '../budget/sources.js';
import { pace, type Pace, type Checkpoint } from '../budget/pace.js';
import {
  localDateTime,
  machineZone,
  startOfNextWeek,
  startOfWeek,
  weekdayIndex,
} from '../time/zone.js';
import { renderTable } from '../render/table.js';
import type { Style } from '../render/color.js';

interface ProviderBudget {
  provider: string;
  agent: string;
  usedPercent: number | null;
  expectedPercent: number | null;
  verdict: Pace['verdict'] | 'unknown';
  advice?: string;
  resetsAt: string | null;
  source: string | null;
  detail?: string;
  problems: string[];
}

/** `radar budget`: is each weekly subscription quota on pace? */
export async function run(ctx: Context): Promise<number> {
  const config = ctx.config();
  const zone = config.timezone ?? machineZone();
  const now = ctx.now().getTime();
  const weekStartDay = weekdayIndex(config.weekStart);
  const calendarStart = startOfWeek(now, zone, weekStartDay);
  const calendarEnd = startOfNextWeek(now, zone, weekStartDay);
  const db = ctx.ledger();
  const results: ProviderBudget[] = [];
  for (const provider of config.budget.providers) {
    const problems: string[] = [];
    let usage: Usage | undefined;
    if (provider.agent === 'codex' && provider.rolloutRateLimits) usage = fromRollouts(db, now);
    if (!usage) {
      const fromCmd = await fromCommand(provider, config.budget.commandTimeoutMs, ctx.env);
      if (fromCmd && 'error' in fromCmd) problems.push(fromCmd.error);
      else usage = fromCmd;
    }
    usage ??= fromLedger(db, provider, calendarStart, calendarEnd);
    if (!usage) {
      results.push({
        provider: provider.name,
        agent: provider.agent,
        usedPercent: null,
        expectedPercent: null,
        verdict: 'unknown',
        advice: 'no source: ingest Codex rollouts, or set usageCommand or weeklyTokens',
        resetsAt: null,
        source: null,
        problems,
      });
      continue;
    }
    const windowEnd = usage.resetsAt ?? calendarEnd;
    const windowStart = usage.windowStart ?? windowEnd - 7 * 86_400_000;
    // Checkpoint days count from the start of the quota's own week.
    const daysIntoWeek = Math.floor((now - windowStart) / 86_400_000);
    const checkpoints: Checkpoint[] = config.budget.checkpoints.map((cp) => ({
      afterDays: (weekdayIndex(cp.day) - weekdayIndex(config.weekStart) + 7) % 7,
      dayName: cp.day,
      below: cp.below,
      above: cp.above,
    }));
    const p = pace({
      usedPercent: usage.usedPercent,
      now,
      windowStart,
      windowEnd,
      band: config.budget.targetBand,
      checkpoints,
      daysIntoWeek:
        usage.windowStart !== undefined
          ? daysIntoWeek
          : Math.floor((now - calendarStart) / 86_400_000),
    });
    results.push({
      provider: provider.name,
      agent: provider.agent,
      usedPercent: round1(p.usedPercent),
      expectedPercent: round1(p.expectedPercent),
      verdict: p.verdict,
      advice: p.advice,
      resetsAt: new Date(windowEnd).toISOString(),
      source: usage.source,
      detail: usage.detail,
      problems,
    });
  }
  if (ctx.json) {
    ctx.stdout.write(
      `${JSON.stringify({ now: new Date(now).toISOString(), providers: results })}\n`,
    );
    return 0;
  }
  const pct = (v: number | null) => (v === null ? '?' : `${v.toFixed(1)}%`);
  ctx.stdout.write(
    renderTable(
      [
        { header: 'provider' },
        { header: 'used', align: 'right' },
        { header: 'expected', align: 'right' },
        { header: 'verdict', style: verdictStyle },
        { header: 'resets' },
        { header: 'source', max: 48 },
      ],
      results.map((r) => [
        r.provider,
        pct(r.usedPercent),
        pct(r.expectedPercent),
        r.verdict,
        r.resetsAt ? localDateTime(Date.parse(r.resetsAt), zone) : '?',
        r.source ?? '-',
      ]),
      { color: ctx.color },
    ),
  );
  for (const r of results) {
    if (r.advice) ctx.stdout.write(`${r.provider}: ${r.advice}\n`);
    for (const p of r.problems) ctx.stderr.write(`radar: ${r.provider}: ${p}\n`);
  }
  return 0;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Over pace or exhausted is the alarm, under pace the nudge to spend. */
function verdictStyle(verdict: string): Style | undefined {
  if (verdict === 'over' || verdict === 'exhausted') return 'red';
  if (verdict === 'under') return 'yellow';
  if (verdict === 'on-pace') return 'green';
  return verdict === 'unknown' ? 'dim' : undefined;
}
