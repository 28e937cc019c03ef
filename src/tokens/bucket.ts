import { createRequire } from 'node:module';
import { basename, relative } from 'node:path';
import type Picomatch from 'picomatch';
import type { MarkerFormat } from '../core/tokens.js';

/** Which bucket an event goes to: --bucket, then config rules, then a default from the file. */

export interface BucketRule {
  match: string;
  bucket: string;
}

const EXTENSION_RE = /\.(?:log|txt|out|err|json|jsonl|ndjson|zst|gz|bz2|xz|old|bak)$/i;
const DATE_TAIL_RE = /[-_.]?\d{4}-?\d{2}-?\d{2}(?:[T_ -]?\d{2}(?:[:-]?\d{2}){0,2}(?:\.\d+)?Z?)?$/i;
const NUMBER_TAIL_RE = /[-_.]T?\d+$/;

/** `hourly-doctor-2026-06-11T10.log` → `hourly-doctor`; `nightly.log.1` → `nightly`. */
export function defaultBucket(path: string): string {
  const name = basename(path);
  let stem = name;
  for (;;) {
    const next = stem
      .replace(EXTENSION_RE, '')
      .replace(DATE_TAIL_RE, '')
      .replace(NUMBER_TAIL_RE, '');
    if (next === stem || next === '') break;
    stem = next;
  }
  return stem || name;
}

export const FORMAT_BUCKETS: Partial<Record<MarkerFormat, string>> = {
  'codex-rollout': 'codex-session',
  'claude-transcript': 'claude-session',
};

export type BucketResolver = (path: string, format: MarkerFormat) => string;

export function bucketResolver(
  rules: readonly BucketRule[],
  cwd: string,
  override?: string,
): BucketResolver {
  // picomatch is loaded only for rules: most setups have none, and the cron path need not load it.
  const picomatch =
    rules.length > 0
      ? (createRequire(import.meta.url)('picomatch') as typeof Picomatch)
      : undefined;
  const matchers = rules.map((rule) => {
    // A pattern without "/" matches the file name; one with "/" the path (absolute or from cwd).
    const isMatch = picomatch!(rule.match, { dot: true, basename: !rule.match.includes('/') });
    return { rule, isMatch };
  });
  const cache = new Map<string, string | null>();
  return (path, format) => {
    if (override) return override;
    let ruled = cache.get(path);
    if (ruled === undefined) {
      const rel = relative(cwd, path);
      ruled = matchers.find((m) => m.isMatch(path) || m.isMatch(rel))?.rule.bucket ?? null;
      cache.set(path, ruled);
    }
    return ruled ?? FORMAT_BUCKETS[format] ?? defaultBucket(path);
  };
}
