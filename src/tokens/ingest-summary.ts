import type { Stats } from 'node:fs';
import { errorMessage } from '../core/errors.js';
import type { RunHeader, SkipReason } from '../core/tokens.js';
import type { TokenLedger } from '../ledger/ports.js';
import type { BucketResolver } from './bucket.js';
import type { ParseResult } from './parse-file.js';
import type { ParsePool } from './pool.js';

/** What both halves of the ingest (ingest.ts, ingest-read.ts) share: its options and summary. */

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
  /**
   * Logged Codex runs that name no session (0.36) and fit several rollouts: counted from their
   * logs as before, not tied (a rollout of theirs may then count them again).
   */
  ambiguousTies: RunHeader[];
}

export interface IngestOptions {
  store: TokenLedger;
  /** The machine reading the files (its id): its sources are its own. */
  machine: string;
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
  /**
   * Parser threads already started (a first ingest starts them before the ledger is made): used
   * instead of starting others, and stopped when the ingest is done.
   */
  parsers?: ParsePool;
  /** Ceiling for one event's tokens; larger counts are skipped as implausible. */
  maxEventTokens?: number;
  /**
   * What was parsed of each file read (every event, those already recorded too), when its write
   * joins the batch: a dispatched session learns its run keys, session and results here.
   */
  onParsed?: (path: string, parsed: ParseResult) => void;
}

/** Below this much to read, worker threads cost more than they save. */
const WORKER_THRESHOLD_BYTES = 64 << 20;

/** Whether this much to read, in this many files, is parsed on worker threads. */
export function parsesOnThreads(
  threads: IngestOptions['threads'],
  bytes: number,
  files: number,
): boolean {
  return (
    threads === 'always' ||
    ((threads ?? 'auto') === 'auto' && bytes >= WORKER_THRESHOLD_BYTES && files > 1)
  );
}

/** A file found by its stat not to be unchanged: ingestFiles hands these to the reader. */
export interface StatedFile {
  path: string;
  st: Stats;
}

/** A read error as a user reads it: a file that vanished says so. */
export function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the file disappeared before it could be read';
  return errorMessage(error);
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
    ambiguousTies: [],
  };
}

/** Adds the logged runs a tie found ambiguous, each once. */
export function noteAmbiguousTies(summary: IngestSummary, headers: readonly RunHeader[]): void {
  const seen = new Set(summary.ambiguousTies.map((h) => JSON.stringify(h)));
  for (const h of headers) if (!seen.has(JSON.stringify(h))) summary.ambiguousTies.push(h);
}
