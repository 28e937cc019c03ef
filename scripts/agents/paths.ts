import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentVersion } from './versions.js';
import { versionKey } from './versions.js';

/** The repository root, from dist/scripts/agents/ or scripts/agents/. */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${'/dist/'}`) ? resolve(here, '../../..') : resolve(here, '../..');
}

/** `.cache/agents/` under the repository root (git-ignored), or `$RADAR_AGENTS_CACHE`. */
export function cacheDir(): string {
  return process.env.RADAR_AGENTS_CACHE ?? join(repoRoot(), '.cache', 'agents');
}

/** The installed CLI's executable (npm's link under the prefix). */
export function binPath(v: AgentVersion): string {
  return join(cacheDir(), versionKey(v), 'node_modules', '.bin', v.agent);
}
