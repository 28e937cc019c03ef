import type { Context } from '../context.js';
import { writeJson } from './json-output.js';
import { renderEscalations } from '../dispatch/render.js';
import { terminalWidth } from '../render/table.js';

/**
 * `radar escalations`: the sessions radar started, newest first, with what each left behind
 * (commits, diffstat, the guards that held a push back, the agent's final message).
 */
export function run(ctx: Context, options: { limit?: number }): number {
  const rows = ctx.existingLedger().dispatch.escalations(options.limit ?? 20);
  if (ctx.json) writeJson(ctx, 'escalations', rows);
  else if (rows.length === 0) ctx.stdout.write('no escalations yet\n');
  else
    ctx.stdout.write(
      renderEscalations(rows, ctx.color, terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns)),
    );
  return 0;
}
