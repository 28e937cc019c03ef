import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import type { EventPlace, NewSource } from '../ledger/ports.js';
import { shortHash } from './parse.js';
import type { ParseJob, ParseResult } from './parse-file.js';
import { inlinePool, workerPool, type ParsePool } from './pool.js';
import { resultOf, type ParseAnswer } from './wire.js';
import { decodedHead, detectEncoding, looksBinary, type Encoding } from './read.js';
import { HEAD, TAIL, planRead, type FileView, type ReadPlan } from './identity.js';
import type { KnownSource, TokenEvent } from '../core/tokens.js';
import {
  readError,
  type IngestOptions,
  type IngestSummary,
  type StatedFile,
  noteAmbiguousTies,
  parsesOnThreads,
} from './ingest-summary.js';
import { reconcileRuns, tieLoggedRuns, writeEvents, type EventToWrite } from './record.js';

/**
 * The reading half of the ingest shell, loaded only when some file changed: recognise each
 * file's lineage (appended, renamed, rotated, truncated), read only new bytes, and commit each
 * file's events together with its new offset (whole files per transaction), so a crash never
 * half-records a file.
 */

const hash = shortHash;

/**
 * Files are planned in groups: every file's lineage candidates in one lookup per group (a
 * statement per file costs a round trip on a server), the parsers starting after the first.
 */
const PLAN_GROUP = 256;

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

/** Files are committed in batches: one transaction per batch, never part of a file. */
const BATCH_EVENTS = 4_000;
const BATCH_FILES = 200;
/**
 * A batch is written early, at this size, when the next file's parse is not in yet: the writing
 * thread would only wait, and what it writes now is not left for the end of the ingest.
 */
const WAITING_BATCH_EVENTS = 500;
/**
 * Parses run ahead of the commits by at most this many files and bytes (results wait in memory,
 * on the main thread's heap). Enough for the parser thread to keep going while a batch is
 * written; more only keeps more results alive through the main thread's young-generation
 * collections (128 files and 128 MB cost about 5 % more CPU on the realistic corpus than 48).
 */
const AHEAD_FILES = 48;
const AHEAD_BYTES = 48 << 20;
/** Raw bytes decompressed to recognise a compressed file's first KiB. */
const DECODE_PROBE = 64 << 10;

interface FileJob {
  path: string;
  plan: ReadPlan;
  job: ParseJob;
  source: Omit<NewSource, 'offset' | 'tailHash' | 'family' | 'state' | 'now'>;
}

type Settled = { result: ParseAnswer } | { error: unknown };

/**
 * Reads what changed in these files (ingestFiles has found them not unchanged by their stat).
 * They are planned, parsed and committed in their order, whole files per transaction.
 */
export async function readChangedFiles(
  files: readonly StatedFile[],
  options: IngestOptions,
  summary: IngestSummary,
  likelyNew = 0,
): Promise<void> {
  // 1. Plan every file: which lineage, which bytes (cheap: first KiB, a few rows). Once
  // there is enough to read to pay for worker threads, they start, and parse the files planned
  // so far while the rest is planned.
  const jobs: FileJob[] = [];
  const claimed = new Set<number>();
  let toRead = 0;
  const enough = (bytes: number, files: number) => parsesOnThreads(options.threads, bytes, files);
  // A worker thread takes a while to load: started now when the stats promise enough to read,
  // it loads while the files are probed and planned (else once the plans add up to enough).
  let pool: ParsePool | undefined =
    options.parsers ?? (enough(likelyNew, files.length) ? workerPool() : undefined);
  // Reads run ahead of the commits (parsers keep going while a batch is written), up to a bound
  // on the files and bytes in flight; each one settles into a value, so a file that fails while
  // waiting its turn is reported in its turn, never as an unhandled rejection.
  const results: Promise<Settled>[] = [];
  /** The parses that have answered, by index: those whose result the ingest can take at once. */
  const answered: boolean[] = [];
  const weight = (j: FileJob) => Math.max(0, j.source.size - j.job.from);
  let started = 0;
  let inFlight = 0;
  const startMore = (parser: ParsePool, done: number) => {
    for (; started < jobs.length; started++) {
      const j = jobs[started]!;
      const running = started - done;
      if (running >= 2 && (running >= AHEAD_FILES || inFlight + weight(j) > AHEAD_BYTES)) break;
      inFlight += weight(j);
      const index = started;
      results[index] = settledParse(parser, j.job).then((settled) => {
        answered[index] = true;
        return settled;
      });
    }
  };
  try {
    for (let group = 0; group < files.length; group += PLAN_GROUP) {
      for (const { probed, known } of probeAll(
        files.slice(group, group + PLAN_GROUP),
        options,
        summary,
      )) {
        try {
          const job = planFile(probed, known, options, summary, claimed);
          if (job) {
            jobs.push(job);
            toRead += weight(job);
          }
        } catch (error) {
          summary.unreadable.push({ path: probed.path, error: readError(error) });
        }
        if (!pool && enough(toRead, jobs.length)) pool = workerPool();
        if (pool) startMore(pool, 0);
      }
    }
    // 2. Parse, on worker threads when there is a lot to read (else here); 3. commit in order.
    pool ??= inlinePool();
    await commitAll(pool);
  } finally {
    await pool?.close();
  }

  async function commitAll(parser: ParsePool): Promise<void> {
    let pending: FileWrite[] = [];
    let pendingEvents = 0;
    const flush = () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingEvents = 0;
      options.store.transaction(() => {
        // Runs whose markers changed are counted once again in the same transaction.
        const touched = new Set<string>();
        commitFiles(batch, options, summary, touched);
        const ties = tieLoggedRuns(options.store);
        ties.runKeys.forEach((k) => touched.add(k));
        noteAmbiguousTies(summary, ties.ambiguous);
        summary.newTokens += reconcileRuns(options.store, touched);
      });
    };
    startMore(parser, 0);
    for (let i = 0; i < jobs.length; i++) {
      let job = jobs[i]!;
      options.onFile?.(job.path, i, jobs.length);
      if (!answered[i] && pendingEvents >= WAITING_BATCH_EVENTS) {
        // Not in yet, once the answers that arrived meanwhile are handled: the batch is written
        // now, while this thread would only wait, rather than after the last parse.
        await nextTurn();
        if (!answered[i]) flush();
      }
      const settled = await results[i]!;
      delete results[i];
      inFlight -= weight(job);
      startMore(parser, i + 1);
      if ('error' in settled) {
        summary.unreadable.push({ path: job.path, error: readError(settled.error) });
        continue;
      }
      let result = resultOf(settled.result);
      if (
        job.plan.kind === 'join' &&
        job.plan.verify &&
        result.probedHash !== job.plan.verify.tailHash
      ) {
        // It only started like that lineage: read it again as content of its own.
        job = { ...job, plan: { kind: 'new' } };
        job.job = { ...job.job, lineage: randomUUID(), probe: undefined };
        job.source = { ...job.source, lineage: job.job.lineage };
        const again = await settledParse(parser, job.job);
        if ('error' in again) {
          summary.unreadable.push({ path: job.path, error: readError(again.error) });
          continue;
        }
        result = resultOf(again.result);
      }
      pending.push(finishFile(job, result, options, summary));
      pendingEvents += result.events.length + result.samples.length;
      if (pendingEvents >= BATCH_EVENTS || pending.length >= BATCH_FILES) flush();
    }
    // Every parse is in: the parser threads stop while the last batch is written.
    const stopping = parser.close();
    flush();
    await stopping;
  }
}

/** A turn of the event loop: what arrived meanwhile (a parser thread's answer) is handled first. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A parse that settles into a value: its failure is reported in the file's turn. */
const settledParse = (pool: ParsePool, job: ParseJob): Promise<Settled> =>
  pool.parse(job).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );

const zones = new WeakMap<IngestOptions, string>();

/** The options' zone, asked of its function once. */
function zoneOf(options: IngestOptions): string {
  if (typeof options.zone === 'string') return options.zone;
  let zone = zones.get(options);
  if (zone === undefined) zones.set(options, (zone = options.zone()));
  return zone;
}

/** A file's first bytes, read before its lineage is looked up. */
interface Probed {
  path: string;
  st: Stats;
  head: Buffer;
  encoding: Encoding;
  decoded: Buffer | undefined;
}

/** A file's first bytes (raw, and decoded when compressed); undefined for a binary file. */
function probeFile(path: string, st: Stats, summary: IngestSummary): Probed | undefined {
  const size = st.size;
  const head = readRangeSync(path, 0, Math.min(HEAD, size));
  const encoding: Encoding = detectEncoding(head);
  if (encoding === 'plain' && looksBinary(head)) {
    summary.filesSkipped.push({ path, reason: 'binary file' });
    return undefined;
  }
  const decoded =
    encoding === 'plain'
      ? undefined
      : decodedHead(readRangeSync(path, 0, Math.min(DECODE_PROBE, size)), encoding, HEAD);
  return { path, st, head, encoding, decoded };
}

/**
 * Probes these files and looks every one's lineage up in one call (one query on a server);
 * a file that cannot be read is reported and left out.
 */
function probeAll(
  files: readonly StatedFile[],
  options: IngestOptions,
  summary: IngestSummary,
): { probed: Probed; known: KnownSource[] }[] {
  const probed: Probed[] = [];
  for (const { path, st } of files) {
    try {
      const p = probeFile(path, st, summary);
      if (p) probed.push(p);
    } catch (error) {
      summary.unreadable.push({ path, error: readError(error) });
    }
  }
  const known = options.store.knownSourcesOf(
    probed.map(({ path, st, head, decoded }) => ({
      path,
      dev: st.dev,
      ino: st.ino,
      heads: decoded ? [head, decoded] : [head],
    })),
    hash,
    options.machine,
  );
  return probed.map((p, i) => ({ probed: p, known: known[i]! }));
}

/** Decides what to read of one file; undefined when there is nothing to do. */
function planFile(
  { path, st, head, encoding, decoded }: Probed,
  known: readonly KnownSource[],
  options: IngestOptions,
  summary: IngestSummary,
  claimed: Set<number>,
): FileJob | undefined {
  const size = st.size;
  const plan = planRead(
    fileView(path, st, encoding, head, decoded, options.machine),
    known,
    claimed,
  );
  if (plan.kind === 'unchanged') {
    summary.filesUnchanged++;
    return undefined;
  }
  if (plan.kind === 'resume') claimed.add(plan.source.id);
  // A new lineage gets a fresh key; a resumed file or a rotated copy keeps its original's.
  const lineage =
    plan.kind === 'join' ? plan.lineage : plan.kind === 'new' ? randomUUID() : plan.source.lineage;
  const from = plan.kind === 'resume' ? plan.from : 0;
  const verify = plan.kind === 'join' ? plan.verify : undefined;
  return {
    path,
    plan,
    job: {
      path,
      from,
      encoding,
      family: plan.kind === 'resume' ? plan.family : undefined,
      state: plan.kind === 'resume' ? plan.state : undefined,
      lineage,
      zone: zoneOf(options),
      mtimeMs: st.mtimeMs,
      maxEventTokens: options.maxEventTokens,
      probe: verify ? { start: Math.max(0, verify.offset - TAIL), end: verify.offset } : undefined,
    },
    source: {
      machine: options.machine,
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

/** The file being planned, as the pure planner sees it (reads only what it asks for). */
function fileView(
  path: string,
  st: Stats,
  encoding: Encoding,
  head: Buffer,
  decoded: Buffer | undefined,
  machine: string,
): FileView {
  return {
    machine,
    path,
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    encoding,
    hashRaw: (start, length) => {
      if (start + length > st.size) return undefined;
      const bytes =
        start + length <= head.length
          ? head.subarray(start, start + length)
          : readRangeSync(path, start, length);
      return bytes.length === length ? hash(bytes) : undefined;
    },
    hashDecodedHead: (length) =>
      decoded && decoded.length >= length ? hash(decoded.subarray(0, length)) : undefined,
    stillThere: (source) => stillThere(source),
  };
}

/** The file a source describes is at its path, same identity, same first bytes, as long. */
function stillThere(source: KnownSource): boolean {
  try {
    const st = statSync(source.path);
    if (st.ino !== source.ino || st.dev !== source.dev || st.size < source.offset) return false;
    return hash(readRangeSync(source.path, 0, source.headLen)) === source.headHash;
  } catch {
    return false;
  }
}

/** One parsed file's write, as the batch transaction commits it. */
interface FileWrite {
  path: string;
  source: NewSource;
  /** The source the file continues or reads again (updated), else a new one (inserted). */
  existing: number | undefined;
  /** Fingerprints the last read counted on an unfinished line: replaced by this read. */
  provisional: readonly string[] | undefined;
  events: readonly TokenEvent[];
  samples: ParseResult['samples'];
}

/** Counts a parsed file into the summary and returns its write for the batch transaction. */
function finishFile(
  file: FileJob,
  result: ParseResult,
  options: IngestOptions,
  summary: IngestSummary,
): FileWrite {
  const { path, plan } = file;
  summary.filesRead++;
  summary.bytesRead += result.bytesRead;
  for (const [reason, n] of result.skipped) {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
    summary.linesSkipped += n;
  }
  if (result.damaged !== undefined)
    summary.damaged.push({ path, error: result.damaged, keptEvents: result.events.length });
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
  options.onParsed?.(path, result);
  const existing = plan.kind === 'resume' || plan.kind === 'reread' ? plan.source : undefined;
  return {
    path,
    source,
    existing: existing?.id,
    provisional: plan.kind === 'resume' ? plan.state?.provisional : undefined,
    events: result.events,
    samples: result.samples,
  };
}

/**
 * Writes a batch of files, with the same outcome as writing them one after another, in a few
 * statements whatever their number (a statement is a round trip on a server): the new sources
 * in one insert, every file's events in one writeEvents (cut only where a file replaces what
 * its last read counted), every file's rate-limit samples in one insert.
 */
function commitFiles(
  files: readonly FileWrite[],
  options: IngestOptions,
  summary: IngestSummary,
  touched: Set<string>,
): void {
  const { store } = options;
  const created = store.insertSources(files.flatMap((f) => (f.existing ? [] : [f.source])));
  let next = 0;
  const ids = files.map((f) => {
    if (f.existing === undefined) return created[next++]!;
    store.updateSource(f.existing, f.source);
    return f.existing;
  });
  let writes: EventToWrite[] = [];
  const write = () => {
    for (const written of writeEvents(store, writes)) {
      if (written.write === 'inserted') summary.newEvents++;
      summary.duplicates += written.duplicates;
      summary.newTokens += written.tokens;
    }
    writes = [];
  };
  files.forEach((file, i) => {
    // The last read ended on an unfinished line: what it counted is replaced by this read, after
    // the files before it are written, as one after another.
    if (file.provisional?.length) {
      write();
      const removed = store.deleteEvents(file.provisional);
      summary.newEvents -= removed.events;
      summary.newTokens -= removed.tokens;
      removed.runKeys.forEach((k) => touched.add(k));
    }
    writes.push(...fileWrites(file, ids[i]!, options, touched));
  });
  write();
  summary.rateLimitSamples += store.writeSampleRows(
    files.flatMap((f) => f.samples.map((sample) => ({ sample, sourcePath: f.path }))),
  );
}

/** A file's events to write: lines of one response that share a fingerprint as one group. */
function fileWrites(
  file: FileWrite,
  sourceId: number,
  options: IngestOptions,
  touched: Set<string>,
): EventToWrite[] {
  const { path } = file;
  const groups = new Map<string, TokenEvent[]>();
  for (const event of file.events) {
    if (!event.keepLargest) continue;
    const group = groups.get(event.fingerprint);
    if (group) group.push(event);
    else groups.set(event.fingerprint, [event]);
  }
  // One place per format: a file's events share their bucket (bucketFor is path and format).
  const places = new Map<string, EventPlace>();
  const where = (event: TokenEvent) => {
    let place = places.get(event.format);
    if (!place) {
      place = { bucket: options.bucketFor(path, event.format), sourceId };
      places.set(event.format, place);
    }
    return place;
  };
  const writes: EventToWrite[] = [];
  for (const event of file.events) {
    let later: TokenEvent[] = [];
    if (event.keepLargest) {
      const group = groups.get(event.fingerprint);
      if (!group || group[0] !== event) continue; // written with the first of its group
      later = group.slice(1);
      later.forEach((e) => e.runKey && touched.add(e.runKey));
    }
    if (event.runKey) touched.add(event.runKey);
    writes.push({ event, later, where: where(event) });
  }
  return writes;
}
