import { defaultConfig } from './defaults.js';
import type { LoadedConfig } from './load.js';

/** loadConfig for when no config file exists: the defaults, without loading zod. */
export function loadConfig(): LoadedConfig {
  return { config: defaultConfig(), path: undefined };
}
