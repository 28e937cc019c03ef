import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { SourceStat } from '../core/tokens.js';
import type { ParsePool } from './pool.js';
import {
  parsesOnThreads,
  readError,
  type IngestOptions,
  type IngestSummary,
  type StatedFile,
} from './ingest-summary.js';

export {
  emptySummary,
  readError,
  type IngestOptions,
  type IngestSummary,
  type StatedFile,
} from './ingest-summary.js';

/**
 * The ingest shell: find files, and tell those that have not changed since they were read by
 * their stat alone. What changed is read by ingest-read.ts: lineage, new bytes only, each file's
 * events committed with its new offset (whole files per transaction).
 */

/**
 * Every regular file under the given paths, sorted, each once. A folder that cannot be read is
 * reported and skipped; the rest of the tree is still walked. Symlinked files are followed and
 * named by their target (a `latest.log` link is the file it points to); symlinked folders are
 * not (no loops). The walk is synchronous: nothing else runs meanwhile, and a thread-pool round
 * trip per folder costs more than the listing (hundreds of folders on a cron re-ingest).
 */
export async function collectFiles(
  paths: readonly string[],
  unreadable: IngestSummary['unreadable'],
): Promise<string[]> {
  const files = new Set<string>();
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: dir, error: errorMessage(error) });
      return;
    }
    // `dir` is absolute and normalised, an entry's name one segment: no join needed (path.join
    // normalises every path again, which costs more than the listing on a cron re-ingest).
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    for (const e of entries) {
      const path = prefix + e.name;
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) files.add(path);
      else if (e.isSymbolicLink()) {
        try {
          if (statSync(path).isFile()) files.add(realpathSync(path));
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
      const st = statSync(abs);
      if (st.isFile()) files.add(realpathSync(abs));
      else if (st.isDirectory()) walk(abs);
    } catch (error) {
      unreadable.push({ path: abs, error: errorMessage(error) });
    }
  }
  return [...files].sort();
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
    options.machine,
  );
  const changed: StatedFile[] = [];
  // What the changed files are likely to hold that is new: a file that grew in place, past its
  // recorded offset; any other, all of it. Enough to start the parser threads before planning.
  let likelyNew = 0;
  stated.forEach((file, i) => {
    const known = first[i];
    if (unchangedByStat(file.path, file.st, known)) return;
    changed.push(file);
    const grew =
      known?.path === file.path && known.ino === file.st.ino && known.encoding === 'plain';
    likelyNew += Math.max(0, file.st.size - (grew ? known.offset : 0));
  });
  summary.filesUnchanged += stated.length - changed.length;
  if (changed.length === 0) {
    await options.parsers?.close();
    return;
  }
  const { readChangedFiles } = await import('./ingest-read.js');
  await readChangedFiles(changed, options, summary, likelyNew);
}

/**
 * Parser threads started ahead of an ingest of these files, all of them to be read (a ledger
 * that does not exist yet), or undefined when that is too little to pay for them: a worker
 * thread takes about a tenth of a second to load, which a first ingest spends making the ledger
 * and planning the files (IngestOptions.parsers). The sizes are read for this only: the ingest
 * states the files again, under its lock.
 */
export async function parserThreadsFor(
  files: readonly string[],
  threads?: IngestOptions['threads'],
): Promise<ParsePool | undefined> {
  if (threads === 'never') return undefined;
  let bytes = 0;
  // Only until there is enough: the threads start at once, not after a stat of every file.
  for (let i = 0; i < files.length && !parsesOnThreads(threads, bytes, files.length); i++) {
    try {
      bytes += statSync(files[i]!).size;
    } catch {
      // Reported when the ingest states it.
    }
  }
  if (!parsesOnThreads(threads, bytes, files.length)) return undefined;
  const { workerPool } = await import('./pool.js');
  return workerPool();
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
  first: SourceStat | undefined,
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
