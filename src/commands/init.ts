import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { STARTER_CONFIG } from '../config/starter.js';
import { resolveConfigPath } from '../config/locate.js';

interface InitOptions {
  force?: boolean;
}

export function run(ctx: Context, path: string | undefined, options: InitOptions): number {
  // Default: where radar reads it from any folder (--config / RADAR_CONFIG, else the config folder).
  const target = path
    ? resolve(ctx.cwd, path)
    : resolveConfigPath(ctx.options.config, ctx.env, ctx.cwd).looked;
  if (existsSync(target) && !options.force) {
    throw new UsageError(`${target} already exists; use --force to overwrite it`);
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, STARTER_CONFIG);
  if (ctx.json) writeJson(ctx, 'init', { written: target });
  else
    ctx.stdout.write(
      `wrote ${target}\nedit it, then check it with: radar doctor${path ? ` --config ${target}` : ''}\n`,
    );
  return 0;
}
