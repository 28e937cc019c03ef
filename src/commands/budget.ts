import type { Context } from '../context.js';
import { budgetStates } from '../budget/state.js';
import { localDateTime, machineZone } from '../time/zone.js';
import { renderTable } from '../render/table.js';
import type { Style } from '../render/color.js';

/** `radar budget`: is each weekly subscription quota on pace? */
export async function run(ctx: Context): Promise<number> {
  const config = ctx.config();
  const zone = config.timezone ?? machineZone();
  const now = ctx.now().getTime();
  const results = await budgetStates(ctx.existingLedger().usage, config, ctx.env, now);
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

/** Over pace or exhausted is the alarm, under pace the nudge to spend. */
function verdictStyle(verdict: string): Style | undefined {
  if (verdict === 'over' || verdict === 'exhausted') return 'red';
  if (verdict === 'under') return 'yellow';
  if (verdict === 'on-pace') return 'green';
  return verdict === 'unknown' ? 'dim' : undefined;
}
