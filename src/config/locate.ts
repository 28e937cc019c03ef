import { existsSync } from 'node:fs';
import { locateConfig, locateLedger, surroundings } from './locations.js';
import type { ConfigLocation, LedgerLocation } from './locations.js';

/**
 * Which config file to read: --config, then RADAR_CONFIG, then the user's config folder
 * (`$XDG_CONFIG_HOME/radar/radar.json`, see locations.ts) when present, else built-in defaults.
 * An explicitly named file that is missing is an error; `./config/radar.json` of an older radar
 * is reported (legacy), not read.
 */
export function resolveConfigPath(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): ConfigLocation {
  return locateConfig(explicit, surroundings(env, cwd, existsSync));
}

/**
 * The ledger: --ledger, then RADAR_LEDGER, then the config's `ledger.url`, then
 * `$XDG_STATE_HOME/radar/radar.db`.
 */
export function resolveLedger(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  configured?: string,
): LedgerLocation {
  return locateLedger(explicit, surroundings(env, cwd, existsSync), configured);
}
