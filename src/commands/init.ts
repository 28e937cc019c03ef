import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import { STARTER_CONFIG } from '../config/starter.js';

interface InitOptions {
  force?: boolean;
}

export function run(ctx: Context, path: string | undefined, options: InitOptions): number {
  const target = resolve(ctx.cwd, path ?? ctx.options.config ?? 'config/radar.json');
  if (existsSync(target) && !options.force) {
    throw new UsageError(`${target} already exists; use --force to overwrite it`);
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, STARTER_CONFIG);
  if (ctx.json) ctx.stdout.write(`${JSON.stringify({ written: target })}\n`);
  else
    ctx.stdout.write(
      `wrote ${target}\nedit it, then check it with: radar doctor --config ${target}\n`,
    );
  return 0;
}
