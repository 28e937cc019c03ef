import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { TokenStore, SourceRow, NewSource } from '../ledger/token-store.js';
import { shortHash, type ParserState } from './parse.js';
import type { ParseJob, ParseResult } from './parse-file.js';
import { inlinePool, workerPool } from './pool.js';
import { detectEncoding, looksBinary, type Encoding, type Family } from './read.js';
import type { BucketResolver } from './bucket.js';
import type { SkipReason } from './types.js';
import { errorMessage } from '../errors.js';

/**
 * The ingest shell: find files, recognise each file's lineage (appended, renamed, rotated,
 * truncated), read only new bytes, and commit each file's events together with its new offset
 * (whole files per transaction), so a crash never half-records a file.
 */

const HEAD = 1024;
const TAIL = 256;

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
}

export interface IngestOptions {
  store: TokenStore;
  bucketFor: BucketResolver;
  zone: string;
  now: () => number;
  onFile?: (path: string, done: number, total: number) => void;
  /** Parse on worker threads: 'auto' (default) when there is a lot to read. */
  threads?: 'auto' | 'never' | 'always';
}

const hash = shortHash;

/**
 * Every regular file under the given paths, sorted, each once. A folder that cannot be read is
 * reported and skipped; the rest of the tree is still walked. Symlinked files are followed,
 * symlinked folders are not (no loops).
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
      else if (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile())
        files.add(path);
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    try {
      const st = await stat(abs);
      if (st.isFile()) files.add(abs);
      else if (st.isDirectory()) await walk(abs);
    } catch (error) {
      unreadable.push({ path: abs, error: errorMessage(error) });
    }
  }
  return [...files].sort();
}

/** Small synchronous reads (head and tail checks): cheaper than a thread-pool round trip. */
function readRangeSync(path: string, start: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** `a.log.1`, `a.log-20260611`, `a.log.2026-06-11` → `a.log`: the file a rotated copy came from. */
export function rotationParent(path: string): string | undefined {
  const name = basename(path);
  const m =
    /^(.+?)(?:[.-](?:\d{1,4}|\d{8}(?:\d{2,6})?|\d{4}-\d{2}-\d{2}(?:[T_-][\d:-]+)?))(?:\.(?:gz|zst))?$/.exec(
      name,
    );
  return m?.[1] ? join(dirname(path), m[1]) : undefined;
}

interface Plan {
  /** Existing row for this very file (same inode or path, same content so far). */
  row?: SourceRow;
  lineage?: string;
  from: number;
  state?: ParserState;
  family?: Family;
  unchanged: boolean;
}

/** Files are committed in batches: one transaction per batch, never part of a file. */
const BATCH_EVENTS = 20_000;
const BATCH_FILES = 200;
/** Below this much to read, worker threads cost more than they save. */
const WORKER_THRESHOLD_BYTES = 64 << 20;

interface FileJob {
  path: string;
  plan: Plan;
  job: ParseJob;
  source: Omit<NewSource, 'offset' | 'tailHash' | 'family' | 'state' | 'now'>;
}

export async function ingestFiles(
  files: readonly string[],
  options: IngestOptions,
  summary: IngestSummary,
): Promise<void> {
  // 1. Plan every file: which lineage, which bytes (cheap: stat, first KiB, a few rows).
  const jobs: FileJob[] = [];
  let toRead = 0;
  for (const path of files) {
    summary.filesSeen++;
    try {
      const job = planFile(path, options, summary);
      if (job) {
        jobs.push(job);
        toRead += Math.max(0, job.source.size - job.plan.from);
      }
    } catch (error) {
      summary.unreadable.push({ path, error: errorMessage(error) });
    }
  }
  // 2. Parse, on worker threads when there is a lot to read; 3. commit in file order.
  const threads = options.threads ?? 'auto';
  const useWorkers =
    threads === 'always' ||
    (threads === 'auto' && toRead >= WORKER_THRESHOLD_BYTES && jobs.length > 1);
  const pool = useWorkers ? workerPool() : inlinePool();
  const ahead = 8;
  const results: Promise<ParseResult>[] = [];
  const start = (i: number) => {
    const j = jobs[i];
    if (j) results[i] = pool.parse(j.job);
  };
  let pending: (() => void)[] = [];
  let pendingEvents = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingEvents = 0;
    options.store.transaction(() => batch.forEach((commit) => commit()));
  };
  try {
    for (let i = 0; i < Math.min(ahead, jobs.length); i++) start(i);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      options.onFile?.(job.path, i, jobs.length);
      try {
        const result = await results[i]!;
        const commit = finishFile(job, result, options, summary);
        pending.push(commit);
        pendingEvents += result.events.length + result.samples.length;
      } catch (error) {
        summary.unreadable.push({ path: job.path, error: errorMessage(error) });
      } finally {
        delete results[i];
        start(i + ahead);
      }
      if (pendingEvents >= BATCH_EVENTS || pending.length >= BATCH_FILES) flush();
    }
    flush();
  } finally {
    await pool.close();
  }
}

/** Decides what to read of one file; undefined when there is nothing to do. */
function planFile(
  path: string,
  options: IngestOptions,
  summary: IngestSummary,
): FileJob | undefined {
  const st = statSync(path);
  const size = st.size;
  if (size === 0) return undefined;
  const head = readRangeSync(path, 0, Math.min(HEAD, size));
  const encoding: Encoding = detectEncoding(head);
  if (encoding === 'plain' && looksBinary(head)) {
    summary.filesSkipped.push({ path, reason: 'binary file' });
    return undefined;
  }
  const plan = planRead(path, st.dev, st.ino, size, st.mtimeMs, head, encoding, options.store);
  if (plan.unchanged) {
    summary.filesUnchanged++;
    return undefined;
  }
  // A new lineage gets a fresh key; a resumed file or a rotated copy keeps its original's.
  const lineage = plan.row?.lineage ?? plan.lineage ?? randomUUID();
  return {
    path,
    plan,
    job: {
      path,
      from: plan.from,
      encoding,
      family: plan.family,
      state: plan.state,
      lineage,
      zone: options.zone,
      mtimeMs: st.mtimeMs,
    },
    source: {
      lineage,
      path,
      dev: st.dev,
      ino: st.ino,
      headHash: hash(head),
      headLen: head.length,
      size,
      encoding,
      mtimeMs: st.mtimeMs,
    },
  };
}

/** Counts a parsed file into the summary and returns its write for the batch transaction. */
function finishFile(
  file: FileJob,
  result: ParseResult,
  options: IngestOptions,
  summary: IngestSummary,
): () => void {
  const { store } = options;
  const { path, plan } = file;
  summary.filesRead++;
  summary.bytesRead += result.bytesRead;
  for (const [reason, n] of result.skipped) {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
    summary.linesSkipped += n;
  }
  const tailStart = Math.max(0, result.committed - TAIL);
  const tailHash =
    file.source.encoding === 'plain' && result.committed > 0
      ? hash(readRangeSync(path, tailStart, result.committed - tailStart))
      : null;
  const source: NewSource = {
    ...file.source,
    offset: result.committed,
    tailHash,
    family: result.family,
    state: JSON.stringify(result.state),
    now: options.now(),
  };
  return () => {
    let sourceId = plan.row?.id;
    if (sourceId === undefined) sourceId = store.insertSource(source);
    else store.updateSource(sourceId, source);
    // The last read ended on an unfinished line: what it counted is replaced by this read.
    if (plan.state?.provisional?.length) {
      const removed = store.deleteEvents(plan.state.provisional);
      summary.newEvents -= removed.events;
      summary.newTokens -= removed.tokens;
    }
    for (const event of result.events) {
      const written = store.writeEvent({
        ...event,
        bucket: options.bucketFor(path, event.format),
        sourceId,
        sourcePath: path,
      });
      if (written.write === 'inserted') summary.newEvents++;
      else if (written.write === 'duplicate') summary.duplicates++;
      summary.newTokens += written.tokens;
    }
    for (const sample of result.samples)
      if (store.writeSample(sample, path)) summary.rateLimitSamples++;
  };
}

function planRead(
  path: string,
  dev: number,
  ino: number,
  size: number,
  mtimeMs: number,
  head: Buffer,
  encoding: Encoding,
  store: TokenStore,
): Plan {
  const headOf = (len: number) =>
    len <= head.length ? head.subarray(0, len) : readRangeSync(path, 0, len);
  const sameStart = (row: SourceRow) =>
    row.head_len <= size && hash(headOf(row.head_len)) === row.head_hash;

  for (const row of store.candidates(path, dev, ino)) {
    const sameFile = (row.dev === dev && row.ino === ino) || row.path === path;
    if (!sameFile || !sameStart(row)) continue;
    if (encoding !== 'plain') {
      // Compressed files are rewritten whole, never appended: unchanged or read again.
      const unchanged = row.size === size && row.mtime_ms === mtimeMs && row.encoding === encoding;
      return { row, from: 0, unchanged };
    }
    if (row.offset > size) continue; // truncated: a new lineage
    const tailStart = Math.max(0, row.offset - TAIL);
    const tailOk =
      row.offset === 0 ||
      row.tail_hash === hash(readRangeSync(path, tailStart, row.offset - tailStart));
    if (!tailOk) continue; // rewritten with other content: a new lineage
    const state = row.state ? (JSON.parse(row.state) as ParserState) : undefined;
    const unchanged =
      row.offset === size && row.path === path && row.dev === dev && row.ino === ino;
    return {
      row,
      from: row.offset,
      state,
      family: (row.family ?? undefined) as Family | undefined,
      unchanged,
    };
  }
  // A file moved by copy-and-delete (a new inode under a new name) whose original is gone:
  // the same content, so it resumes where the original stopped.
  if (encoding === 'plain') {
    for (const row of store.byHead(head, hash)) {
      if (row.encoding !== 'plain' || row.offset > size || row.offset === 0) continue;
      if (originalStillThere(row)) continue; // a copy beside its original is another file
      const tailStart = Math.max(0, row.offset - TAIL);
      if (row.tail_hash !== hash(readRangeSync(path, tailStart, row.offset - tailStart))) continue;
      return {
        row,
        from: row.offset,
        state: row.state ? (JSON.parse(row.state) as ParserState) : undefined,
        family: (row.family ?? undefined) as Family | undefined,
        unchanged: false,
      };
    }
  }
  // A rotated copy (copytruncate, or compressed by logrotate) of a known file joins its lineage,
  // so markers already counted from the original are recognised by position.
  const parent = rotationParent(path);
  if (parent) {
    for (const row of store.byPath(parent)) {
      if (row.encoding === 'plain' && encoding === 'plain' && sameStart(row)) {
        return { lineage: row.lineage, from: 0, unchanged: false };
      }
    }
  }
  return { from: 0, unchanged: false };
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
  };
}

/** The file a source row describes is still at its path (same inode). */
function originalStillThere(row: SourceRow): boolean {
  try {
    const st = statSync(row.path);
    return st.ino === row.ino && st.dev === row.dev;
  } catch {
    return false;
  }
}
