import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { TokenStore, SourceRow, NewSource } from '../ledger/token-store.js';
import { MarkerParser, type ParserState } from './parse.js';
import { detectEncoding, looksBinary, readMarkers, type Encoding, type Family } from './read.js';
import type { BucketResolver } from './bucket.js';
import type { SkipReason } from './types.js';
import { errorMessage } from '../errors.js';

/**
 * The ingest shell: find files, recognise each file's lineage (appended, renamed, rotated,
 * truncated), read only new bytes, and commit events and the new offset in one transaction.
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
}

const hash = (buf: Buffer) => createHash('sha256').update(buf).digest('hex').slice(0, 32);

/** Every regular file under the given paths, sorted, each once. */
export async function collectFiles(
  paths: readonly string[],
  unreadable: IngestSummary['unreadable'],
): Promise<string[]> {
  const files = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    try {
      const st = await stat(abs);
      if (st.isFile()) files.add(abs);
      else if (st.isDirectory()) {
        const entries = await readdir(abs, { recursive: true, withFileTypes: true });
        for (const e of entries) {
          // Node 20's Dirent has parentPath (20.12+) or path: fall back for older minors.
          const parent =
            (e as { parentPath?: string }).parentPath ?? (e as { path?: string }).path ?? abs;
          if (e.isFile()) files.add(join(parent, e.name));
          else if (e.isSymbolicLink()) {
            const target = join(parent, e.name);
            if ((await stat(target).catch(() => undefined))?.isFile()) files.add(target);
          }
        }
      }
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

const readRange = async (path: string, start: number, length: number) =>
  readRangeSync(path, start, length);

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

export async function ingestFiles(
  files: readonly string[],
  options: IngestOptions,
  summary: IngestSummary,
): Promise<void> {
  let pending: (() => void)[] = [];
  let pendingEvents = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingEvents = 0;
    options.store.transaction(() => batch.forEach((commit) => commit()));
  };
  let done = 0;
  for (const path of files) {
    options.onFile?.(path, done++, files.length);
    summary.filesSeen++;
    try {
      const read = await readOne(path, options, summary);
      if (read) {
        pending.push(read.commit);
        pendingEvents += read.events;
      }
    } catch (error) {
      summary.unreadable.push({ path, error: errorMessage(error) });
    }
    if (pendingEvents >= BATCH_EVENTS || pending.length >= BATCH_FILES) flush();
  }
  flush();
}

/** Reads one file's new bytes; returns the write to run inside the batch's transaction. */
async function readOne(
  path: string,
  options: IngestOptions,
  summary: IngestSummary,
): Promise<{ commit: () => void; events: number } | undefined> {
  const { store } = options;
  const st = statSync(path);
  const size = st.size;
  if (size === 0) return undefined;
  const head = await readRange(path, 0, Math.min(HEAD, size));
  const encoding: Encoding = detectEncoding(head);
  if (encoding === 'plain' && looksBinary(head)) {
    summary.filesSkipped.push({ path, reason: 'binary file' });
    return undefined;
  }
  const plan = await planRead(path, st.dev, st.ino, size, st.mtimeMs, head, encoding, store);
  if (plan.unchanged) {
    summary.filesUnchanged++;
    return undefined;
  }
  // A new lineage gets a fresh key; a resumed file or a rotated copy keeps its original's.
  const lineage = plan.row?.lineage ?? plan.lineage ?? randomUUID();
  const parser = new MarkerParser({
    zone: options.zone,
    mtimeMs: st.mtimeMs,
    lineage,
    state: plan.state,
  });
  const outcome = await readMarkers(path, parser, {
    from: plan.from,
    encoding,
    family: plan.family,
  });
  summary.filesRead++;
  summary.bytesRead += outcome.bytesRead;
  const tailStart = Math.max(0, outcome.committed - TAIL);
  const tailHash =
    encoding === 'plain' && outcome.committed > 0
      ? hash(await readRange(path, tailStart, outcome.committed - tailStart))
      : null;
  for (const [reason, n] of parser.skipped) {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
    summary.linesSkipped += n;
  }
  const source: NewSource = {
    lineage,
    path,
    dev: st.dev,
    ino: st.ino,
    headHash: hash(head),
    headLen: head.length,
    size,
    offset: outcome.committed,
    tailHash,
    encoding,
    family: outcome.family,
    state: JSON.stringify(outcome.state),
    mtimeMs: st.mtimeMs,
    now: options.now(),
  };
  const commit = () => {
    let sourceId = plan.row?.id;
    if (sourceId === undefined) sourceId = store.insertSource(source);
    else store.updateSource(sourceId, source);
    for (const event of parser.events) {
      const result = store.writeEvent({
        ...event,
        bucket: options.bucketFor(path, event.format),
        sourceId,
        sourcePath: path,
      });
      if (result.write === 'inserted') summary.newEvents++;
      else if (result.write === 'duplicate') summary.duplicates++;
      summary.newTokens += result.tokens;
    }
    for (const sample of parser.samples)
      if (store.writeSample(sample, path)) summary.rateLimitSamples++;
  };
  return { commit, events: parser.events.length + parser.samples.length };
}

async function planRead(
  path: string,
  dev: number,
  ino: number,
  size: number,
  mtimeMs: number,
  head: Buffer,
  encoding: Encoding,
  store: TokenStore,
): Promise<Plan> {
  const headOf = async (len: number) =>
    len <= head.length ? head.subarray(0, len) : readRange(path, 0, len);
  const sameStart = async (row: SourceRow) =>
    row.head_len <= size && hash(await headOf(row.head_len)) === row.head_hash;

  for (const row of store.candidates(path, dev, ino)) {
    const sameFile = (row.dev === dev && row.ino === ino) || row.path === path;
    if (!sameFile || !(await sameStart(row))) continue;
    if (encoding !== 'plain') {
      // Compressed files are rewritten whole, never appended: unchanged or read again.
      const unchanged = row.size === size && row.mtime_ms === mtimeMs && row.encoding === encoding;
      return { row, from: 0, unchanged };
    }
    if (row.offset > size) continue; // truncated: a new lineage
    const tailStart = Math.max(0, row.offset - TAIL);
    const tailOk =
      row.offset === 0 ||
      row.tail_hash === hash(await readRange(path, tailStart, row.offset - tailStart));
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
  // A rotated copy (copytruncate, or compressed by logrotate) of a known file joins its lineage,
  // so markers already counted from the original are recognised by position.
  const parent = rotationParent(path);
  if (parent) {
    for (const row of store.byPath(parent)) {
      if (row.encoding === 'plain' && encoding === 'plain' && (await sameStart(row))) {
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
