import { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as V8 from 'node:v8';
import { fnv1a32 } from '../core/digest.js';
import type { RadarConfig } from './schema.js';
import { makeFolders } from '../files/folders.js';

/**
 * The validated config, kept between runs. Validating a config file loads zod and builds the
 * config schema, about 25 ms of every command's start (a cron scan's included); a config that
 * this very build validated before, from the very same text, validates to the same result.
 *
 * One file per config file (named from its path), holding the build, the path, the whole text
 * and the result. A hit needs all three equal: the text itself is compared, not a digest of it,
 * so an edit is never missed. Anything else (no file, another build, an edit, a file that
 * cannot be read or decoded) is a miss, and the config is validated as without a cache. Only a
 * valid config is kept: an invalid one is reported on every run. The cache is an optimisation
 * only: a cache folder that cannot be written changes nothing but the speed.
 */

declare const RADAR_BUILD_ID: string | undefined;

/**
 * node:v8 (its serializer keeps the config's values exactly) loads when there is a config to
 * keep or read back, not at every start: about 3 ms, with its heap and profiler bindings.
 */
const v8 = () => createRequire(import.meta.url)('node:v8') as typeof V8;

/**
 * The build this code belongs to: a digest of its modules and locked packages, set by the bundle
 * (scripts/bundle.ts). Unbundled modules (the tests' own process) have none, and keep nothing.
 */
export const BUILD_ID: string | undefined =
  typeof RADAR_BUILD_ID === 'string' ? RADAR_BUILD_ID : undefined;

/** Configs kept at most: one per config file, and a config named once (a temporary one) ages out. */
export const KEPT_CONFIGS = 16;

export interface ConfigCacheEntry {
  build: string;
  path: string;
  text: string;
  config: RadarConfig;
}

export function cacheFileOf(dir: string, path: string): string {
  return join(dir, `config-${fnv1a32(path)}.bin`);
}

/** The kept config for this build, path and text, or undefined. */
export function readCachedConfig(
  dir: string,
  build: string,
  path: string,
  text: string,
): RadarConfig | undefined {
  let entry: Partial<ConfigCacheEntry> | undefined;
  try {
    entry = v8().deserialize(readFileSync(cacheFileOf(dir, path))) as Partial<ConfigCacheEntry>;
  } catch {
    return undefined;
  }
  return entry?.build === build &&
    entry.path === path &&
    entry.text === text &&
    typeof entry.config === 'object' &&
    entry.config !== null
    ? entry.config
    : undefined;
}

/**
 * Keeps a validated config (written whole under another name, then renamed: a reader never sees
 * half a file). Readable by its owner only, as a config may name commands and paths.
 */
export function writeCachedConfig(dir: string, entry: ConfigCacheEntry): void {
  const file = cacheFileOf(dir, entry.path);
  const part = `${file}.${process.pid}.part`;
  try {
    makeFolders(dir, 0o700);
    writeFileSync(part, v8().serialize(entry), { mode: 0o600 });
    renameSync(part, file);
    forgetOldest(dir);
  } catch {
    try {
      rmSync(part, { force: true });
    } catch {
      // Nothing was written, or it cannot be removed either: a miss next time, nothing more.
    }
  }
}

/** Past KEPT_CONFIGS kept configs, the least recently written go (a miss for them, nothing more). */
function forgetOldest(dir: string): void {
  const kept = readdirSync(dir).filter((name) => /^config-[0-9a-f]{8}\.bin$/.test(name));
  if (kept.length <= KEPT_CONFIGS) return;
  const byAge = kept
    .map((name) => ({
      name,
      at: statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0,
    }))
    .sort((a, b) => b.at - a.at);
  for (const { name } of byAge.slice(KEPT_CONFIGS)) rmSync(join(dir, name), { force: true });
}
