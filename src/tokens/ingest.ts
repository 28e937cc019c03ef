import { statSync, type Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TokenStore } from '../ledger/token-store.js';
import type { KnownSource } from './identity.js';
import type { BucketResolver } from './bucket.js';
import type { SkipReason } from './types.js';
import { errorMessage } from '../errors.js';

/**
 * The ingest shell: find files, and tell those that have not changed since they were read by
 * their stat alone. What changed is read by ingest-read.ts: lineage, new bytes only, each file's
 * events committed with its new offset (whole files per transaction).
 */

export interface IngestSummary {
  filesSeen: number;
  filesRead: number;
  filesUnchanged: number;
  bytesRead: number;
  newEvents: number;
  newTokens: number;
  /** Markers already in the ledger (re-read bytes, copies, forked sessions). */
  duplicates: number;
  rateLimitSamples: number;
  linesSkipped: number;
  skipped: Partial<Record<SkipReason, number>>;
  filesSkipped: { path: string; reason: string }[];
  unreadable: { path: string; error: string }[];
  /** Compressed files whose bytes stop making sense part-way: the lines before were counted. */
  damaged: { path: string; error: string; keptEvents: number }[];
  /** Paths that name a file already read under another name (hard links). */
  sameFile: number;
}

export interface IngestOptions {
  store: TokenStore;
  bucketFor: BucketResolver;
  /**
   * Zone of time stamps without a designator; a function is asked once, when the first file is
   * to be read (naming the machine's zone costs the first use of Intl, which a re-ingest of
   * unchanged files need not pay).
   */
  zone: string | (() => string);
  now: () => number;
  onFile?: (path: string, done: number, total: number) => void;
  /** Parse on worker threads: 'auto' (default) when there is a lot to read. */
  threads?: 'auto' | 'never' | 'always';
  /** Ceiling for one event's tokens; larger counts are skipped as implausible. */
  maxEventTokens?: number;
}

/**
 * Every regular file under the given paths, sorted, each once. A folder that cannot be read is
 * reported and skipped; the rest of the tree is still walked. Symlinked files are followed and
 * named by their target (a `latest.log` link is the file it points to); symlinked folders are
 * not (no loops).
 */
export async function collectFiles(
  paths: readonly string[],
  unreadable: IngestSummary['unreadable'],
): Promise<string[]> {
  const files = new Set<string>();
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: dir, error: errorMessage(error) });
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) files.add(path);
      else if (e.isSymbolicLink()) {
        try {
          if ((await stat(path)).isFile()) files.add(await realpath(path));
        } catch (error) {
          // A link to a file that is gone (or a loop) is a log the user expects to be read.
          unreadable.push({ path, error: `broken link: ${errorMessage(error)}` });
        }
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    try {
      const st = await stat(abs);
      if (st.isFile()) files.add(await realpath(abs));
      else if (st.isDirectory()) await walk(abs);
    } catch (error) {
      unreadable.push({ path: abs, error: errorMessage(error) });
    }
  }
  return [...files].sort();
}

/** A file found by its stat not to be unchanged: ingestFiles hands these to the reader. */
export interface StatedFile {
  path: string;
  st: Stats;
}

/**
 * Ingests these files. A file whose stat says it is unchanged costs that stat and one row lookup,
 * and when every file is unchanged (the cron path) nothing else loads: the reader, the parsers
 * and the worker threads come in only for files that changed (ingest-read.ts).
 */
export async function ingestFiles(
  files: readonly string[],
  options: IngestOptions,
  summary: IngestSummary,
): Promise<void> {
  const stated: StatedFile[] = [];
  const seen = new Set<string>();
  for (const path of files) {
    summary.filesSeen++;
    let st: Stats;
    try {
      st = statSync(path);
    } catch (error) {
      summary.unreadable.push({ path, error: readError(error) });
      continue;
    }
    // Hard links (and a path given twice under two names) are one file, read once.
    const identity = `${st.dev}:${st.ino}`;
    if (seen.has(identity)) {
      summary.sameFile++;
      continue;
    }
    seen.add(identity);
    if (st.size !== 0) stated.push({ path, st });
  }
  // Nothing is claimed before planning: a file unchanged in place is its source's only file.
  const first = options.store.firstCandidates(
    stated.map(({ path, st }) => ({ path, dev: st.dev, ino: st.ino })),
  );
  const changed = stated.filter(({ path, st }, i) => !unchangedByStat(path, st, first[i]));
  summary.filesUnchanged += stated.length - changed.length;
  if (changed.length === 0) return;
  const { readChangedFiles } = await import('./ingest-read.js');
  await readChangedFiles(changed, options, summary);
}

/** A read error as a user reads it: a file that vanished says so. */
export function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the file disappeared before it could be read';
  return errorMessage(error);
}

/**
 * A file whose path, identity, size and modification time are those recorded when it was last
 * read to its end costs a stat, not a read: the planner would find it unchanged (its first and
 * last bytes are the ones hashed then, unless someone rewrote it and reset its mtime). A source
 * in `claimed` is one another file of the run already continues.
 */
export function unchangedByStat(
  path: string,
  st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>,
  first: KnownSource | undefined,
  claimed: ReadonlySet<number> = new Set(),
): boolean {
  return (
    first !== undefined &&
    !claimed.has(first.id) &&
    first.path === path &&
    first.dev === st.dev &&
    first.ino === st.ino &&
    first.size === st.size &&
    first.mtimeMs === st.mtimeMs &&
    (first.encoding !== 'plain' || first.offset === st.size)
  );
}

export function emptySummary(): IngestSummary {
  return {
    filesSeen: 0,
    filesRead: 0,
    filesUnchanged: 0,
    bytesRead: 0,
    newEvents: 0,
    newTokens: 0,
    duplicates: 0,
    rateLimitSamples: 0,
    linesSkipped: 0,
    skipped: {},
    filesSkipped: [],
    unreadable: [],
    damaged: [],
    sameFile: 0,
  };
}
