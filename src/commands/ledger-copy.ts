import type { Context } from '../context.js';
import { writeJson } from './json-output.js';
import { redactUrl } from '../redact.js';

/**
 * `radar ledger copy --to postgres://…`: this machine's SQLite ledger into an empty PostgreSQL
 * one, every row with its id, in one transaction (context.ts `copyLedgerTo` refuses the rest).
 */
export async function run(ctx: Context, options: { to: string }): Promise<number> {
  const copy = await ctx.copyLedgerTo(options.to);
  const from = ctx.ledgerPath();
  const to = redactUrl(options.to);
  const rows = copy.tables.reduce((sum, t) => sum + t.rows, 0);
  if (ctx.json) {
    writeJson(ctx, 'ledger copy', {
      from,
      to,
      rows,
      tables: Object.fromEntries(copy.tables.map((t) => [t.table, t.rows])),
      adoptedSources: copy.adoptedSources,
    });
    return 0;
  }
  const lines = [
    `copied ${rows.toLocaleString('en-US')} rows in ${copy.tables.length} tables from ${from} to ${to}`,
    ...copy.tables
      .filter((t) => t.rows > 0)
      .map((t) => `  ${t.table.padEnd(24)} ${t.rows.toLocaleString('en-US').padStart(10)}`),
  ];
  if (copy.adoptedSources > 0)
    lines.push(
      `${copy.adoptedSources} sources recorded before machines existed are now this machine's`,
    );
  lines.push(
    `point radar at it: --ledger, RADAR_LEDGER or ledger.url; ${from} is unchanged (keep it as a backup)`,
  );
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
