import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { shippedSchemaUrl, starterConfig, STARTER_WEEKLY_TOKENS } from '../config/starter.js';
import { formatInt } from '../render/number.js';
import { resolveConfigPath } from '../config/locate.js';
import { makeFolders } from '../files/folders.js';

type InitOptions = CommandOptions<'init'>;

export function run(ctx: Context, path: string | undefined, options: InitOptions): number {
  // Default: where radar reads it from any folder (--config / RADAR_CONFIG, else the config folder).
  const target = path
    ? resolve(ctx.cwd, path)
    : resolveConfigPath(ctx.options.config, ctx.env, ctx.cwd).looked;
  if (existsSync(target) && !options.force) {
    throw new UsageError(`${target} already exists; use --force to overwrite it`);
  }
  makeFolders(dirname(target));
  writeFileSync(target, starterConfig(shippedSchemaUrl()));
  if (ctx.json)
    writeJson(ctx, 'init', { written: target, starterWeeklyTokens: STARTER_WEEKLY_TOKENS });
  else
    ctx.stdout.write(
      `wrote ${target}\n` +
        `budget: a starter weekly quota of ${formatInt(STARTER_WEEKLY_TOKENS)} tokens for codex and for claude ` +
        `(budget.providers[].weeklyTokens); agents are dispatched only within it. Set it from your plan:\n` +
        `  after some use, \`radar report tokens --by agent --since 7d\` gives the week's tokens; divide by the\n` +
        `  share of the weekly limit your plan's usage page shows (8,000,000 at 40% → 20,000,000),\n` +
        `  or set a usageCommand that prints the used % (see \`radar budget\`).\n` +
        `edit it, then check it with: radar doctor${path ? ` --config ${target}` : ''}\n`,
    );
  return 0;
}
