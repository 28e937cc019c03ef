import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Which config file to read: --config, then RADAR_CONFIG, then ./config/radar.json when
 * present, else built-in defaults. An explicitly named file that is missing is an error.
 */
export function resolveConfigPath(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { path: string | undefined; explicit: boolean } {
  const named = explicit ?? env.RADAR_CONFIG;
  if (named) return { path: resolve(cwd, named), explicit: true };
  const fallback = resolve(cwd, 'config/radar.json');
  return { path: existsSync(fallback) ? fallback : undefined, explicit: false };
}
