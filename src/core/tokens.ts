import type { AgentName } from './agents.js';

/** What the token parsers produce and the ledger keeps: plain data, no I/O. */

/** The source format of a marker; each documents what its `total` means (README "Token markers"). */
export type MarkerFormat =
  | 'codex-text' // `tokens used` lines: Codex's blended total as printed (input − cached + output)
  | 'codex-exec-json' // `turn.completed` usage: input + output
  | 'codex-rollout' // delta of the session's cumulative total_token_usage.total_tokens
  | 'claude-result' // `claude -p` result usage: input + cache creation + cache read + output
  | 'claude-transcript'; // assistant message usage, same sum as claude-result

export type TimeSource = 'line' | 'preceding' | 'mtime';

export interface TokenEvent {
  /** Identifies the marker across files and runs: the ledger keeps one row per fingerprint. */
  fingerprint: string;
  /**
   * A launcher's marker known by its content (`contextual`): the fingerprint radar gave it before
   * (its format, lineage and offset). A marker recorded under it by an older radar is not new.
   */
  legacyFingerprint?: string;
  /** For transcripts: several lines share a fingerprint; the largest one is the truth. */
  keepLargest: boolean;
  at: number;
  atSource: TimeSource;
  agent: AgentName;
  model?: string;
  format: MarkerFormat;
  input?: number;
  cachedInput?: number;
  cacheCreation?: number;
  output?: number;
  reasoning?: number;
  total: number;
  /** Byte offset of the marker's line in the (decompressed) file. */
  offset: number;
  sessionId?: string;
  isError?: boolean;
  /**
   * The agent run this marker belongs to, whatever file it was read from: `codex:<thread id>` or
   * `claude:<session id>`. A run seen in several sources (a cron log and the agent's own session
   * file) is counted once by the ledger.
   */
  runKey?: string;
  /**
   * A launcher marker that prints its thread's total so far (`codex exec` in newer versions,
   * also after `codex exec resume`): that total. The ledger counts each run's increase over the
   * thread's previous run, whatever order the logs are read in.
   */
  threadTotal?: ThreadTotal;
  /**
   * How the run started, to tie a log that names no session (Codex 0.36) to its rollout: on a
   * logged run's markers, and on a rollout's first event.
   */
  runHeader?: RunHeader;
}

/**
 * The event as one object of one shape: every field of TokenEvent, in one order, absent ones
 * undefined. The parsers build events in several shapes (each format sets its own fields); copied
 * into this one when emitted, every event a thread handles shares one hidden class with those the
 * writing thread unpacks (wire.ts) and copies (withUsageOf), so the code that reads them is
 * compiled once for one shape instead of deoptimized and recompiled for each.
 */
export function uniformEvent(e: TokenEvent): TokenEvent {
  return withUsageOf(e, e);
}

/**
 * An event with the time, model and usage of another line of the same response (`line`, the
 * larger one), every other field its own; the model is the line's, else the event's, else
 * `fallbackModel`. Written out field by field rather than spread: the writing thread copies
 * events it received from a parser thread, and V8 copies such objects through its slow path when
 * spread (about 3 µs each, against 0.05 µs written out). The type names every field of
 * TokenEvent, so a new field cannot be left out of the copy.
 */
export function withUsageOf(
  first: TokenEvent,
  line: TokenEvent,
  fallbackModel?: string,
): TokenEvent {
  const copy: { [K in keyof Required<TokenEvent>]: TokenEvent[K] } = {
    fingerprint: first.fingerprint,
    legacyFingerprint: first.legacyFingerprint,
    keepLargest: first.keepLargest,
    at: line.at,
    atSource: first.atSource,
    agent: first.agent,
    model: line.model ?? first.model ?? fallbackModel,
    format: first.format,
    input: line.input,
    cachedInput: line.cachedInput,
    cacheCreation: line.cacheCreation,
    output: line.output,
    reasoning: line.reasoning,
    total: line.total,
    offset: first.offset,
    sessionId: first.sessionId,
    isError: first.isError,
    runKey: first.runKey,
    threadTotal: first.threadTotal,
    runHeader: first.runHeader,
  };
  return copy;
}

/**
 * A Codex run's start: the log's header, or the rollout's session_meta and model. Codex 0.29 and
 * 0.36 name no session in their logs; their markers (and their rollouts' token counts) also carry
 * the run's cumulative usage at that marker, which the rollout records too.
 */
export interface RunHeader {
  /** Absent from `codex exec --json` of 0.36 (no header). */
  version?: string;
  cwd?: string;
  model?: string;
  at: number;
  /** The run's cumulative usage at this marker (only Codex's blended number from a human log). */
  usage?: ThreadTotal;
  /** When the marker was printed or recorded, if its line says. */
  markedAt?: number;
}

export interface ThreadTotal {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
  total: number;
  /** Only Codex's blended number is known (`tokens used`): no split. */
  blendedOnly?: boolean;
}

/** A quota window an agent reported about itself (Codex rollout rate_limits). */
export interface RateLimitSample {
  provider: AgentName;
  windowMinutes: number;
  usedPercent: number;
  resetsAt?: number;
  at: number;
}

export type SkipReason =
  | 'malformed-json'
  | 'oversized-line'
  | 'bad-usage'
  | 'bad-number'
  /** A count that is not a safe non-negative integer, or above the per-event ceiling. */
  | 'implausible-number'
  | 'unprocessable-line';

/** Formats read from the agent's own session file (the richest split of a run). */
export const SESSION_FORMATS: ReadonlySet<MarkerFormat> = new Set([
  'codex-rollout',
  'claude-transcript',
]);

export const isSessionFormat = (format: MarkerFormat) => SESSION_FORMATS.has(format);

/** One recorded event of an agent run, as run reconciliation (tokens/runs.ts) weighs it. */
export interface RunEvent {
  id: number;
  format: MarkerFormat;
  at: number;
  bucket: string;
  /** The bucket the event's own file gives it. */
  ownBucket: string;
  counted: boolean;
  threadTotal?: ThreadTotal;
  input: number | null;
  cachedInput: number | null;
  output: number | null;
  reasoning: number | null;
  total: number;
}

/** What changes for one event of a run. */
export interface RunDecision {
  id: number;
  counted: boolean;
  bucket: string;
  /** New amounts, for launcher markers that print a thread total. */
  amounts?: Pick<RunEvent, 'input' | 'cachedInput' | 'output' | 'reasoning' | 'total'>;
}

/** What the ledger knows of one source (a file, at the time it was last read). */
export interface KnownSource {
  id: number;
  /** The machine that read it (null: recorded before machines were known). */
  machine: string | null;
  lineage: string;
  path: string;
  dev: number | null;
  ino: number | null;
  headHash: string;
  headLen: number;
  size: number;
  offset: number;
  tailHash: string | null;
  encoding: string;
  family: string | null;
  state: string | null;
  mtimeMs: number | null;
}

/**
 * What a source recorded of its file's stat when it was last read: enough to tell an unchanged
 * file without reading it (a re-ingest reads this much of every source).
 */
export type SourceStat = Pick<
  KnownSource,
  'id' | 'path' | 'dev' | 'ino' | 'size' | 'offset' | 'encoding' | 'mtimeMs'
>;
