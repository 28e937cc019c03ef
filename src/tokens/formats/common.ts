import { createHash } from 'node:crypto';
import {
  uniformEvent,
  type MarkerFormat,
  type RateLimitSample,
  type SkipReason,
  type TimeSource,
  type TokenEvent,
} from '../../core/tokens.js';
import { parseIsoInZone } from '../../time/zone.js';

/**
 * What every log format module shares: the one interface a format implements (a line in, events
 * out, its own slice of the parser's state) and the small readers of numbers and usage objects.
 * Pure: no I/O, the clock and the zone come in through the context.
 */

export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

export interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
  total: number;
}

export const zeroUsage = (): Usage => ({ input: 0, cached: 0, output: 0, reasoning: 0, total: 0 });

/** Longest line parsed for markers: the ingest and the session runner skip longer ones. */
export const MAX_LINE = 16 << 20;

/** No single marker holds more tokens than this unless the config says otherwise. */
export const DEFAULT_MAX_EVENT_TOKENS = 1_000_000_000;

/** A token count in JSON: a non-negative safe integer, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A quota figure (a percentage, a window length): any finite non-negative number. */
export function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A present count that is not one (fractional, negative, beyond 2^53): the line is implausible. */
export const invalidCount = (value: unknown) =>
  value !== undefined && value !== null && num(value) === undefined;

/**
 * Whether any value of the object is a present count that is not one. A loop, not
 * Object.values(…).some(…): it runs for every marker, and the array is garbage at once.
 */
function holdsInvalidCount(o: Json): boolean {
  for (const key in o) if (Object.hasOwn(o, key) && invalidCount(o[key])) return true;
  return false;
}

/** Why a usage object could not be read: an impossible count, or missing fields. */
export const usageSkip = (usage: Json | undefined): SkipReason =>
  usage && holdsInvalidCount(usage) ? 'implausible-number' : 'bad-usage';

/** Codex's usage object (`total_token_usage`, `turn.completed` usage), or undefined. */
export function readCodexUsage(u: Json): Usage | undefined {
  if (holdsInvalidCount(u)) return undefined;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  return {
    input,
    cached: num(u.cached_input_tokens) ?? 0,
    output,
    reasoning: num(u.reasoning_output_tokens) ?? 0,
    total: num(u.total_tokens) ?? input + output,
  };
}

/** The increase from `before` to `now`, field by field (never negative). */
export function usageIncrease(now: Usage, before: Usage) {
  return {
    input: Math.max(0, now.input - before.input),
    cachedInput: Math.max(0, now.cached - before.cached),
    output: Math.max(0, now.output - before.output),
    reasoning: Math.max(0, now.reasoning - before.reasoning),
    total: now.total - before.total,
  };
}

/**
 * What a cumulative usage counts from. Codex's counter is per process: a smaller total is a new
 * counter, and so is a total equal to its own last response's usage after a non-zero one (a
 * resumed run of a Codex that starts its counter again, whose first response may well exceed
 * the earlier run's total). Either way the new total counts whole.
 */
export function counterBase(now: Usage, last: Usage | undefined, before: Usage): Usage {
  if (now.total < before.total) return zeroUsage();
  const restarted =
    last !== undefined &&
    before.total > 0 &&
    now.total !== before.total &&
    last.total === now.total &&
    last.input === now.input &&
    last.output === now.output;
  return restarted ? zeroUsage() : before;
}

/** A short content hash (node:crypto is computation, not I/O). */
export function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

export interface ParserOptions {
  /** Zone for timestamps without a designator (the machine's, or config `timezone`). */
  zone: string;
  /** The file's mtime: the time of markers with no timestamp before them. */
  mtimeMs: number;
  /** Stable id of the file's lineage: positional fingerprints are scoped to it. */
  lineage: string;
  /** Ceiling for one event's tokens; larger counts are skipped as implausible. */
  maxEventTokens?: number;
}

/**
 * What a format module is given with each line: where its events and samples go, how to skip a
 * line with a reason, the time of a marker, and the state all formats of one file share (the
 * latest timestamp seen in the text, which times markers that carry none).
 */
export class ParseContext {
  readonly events: TokenEvent[] = [];
  readonly samples: RateLimitSample[] = [];
  readonly skipped = new Map<SkipReason, number>();
  private readonly sampleIndex = new Map<string, number>();

  constructor(
    readonly options: ParserOptions,
    /** Latest timestamp seen in the file's text (persisted with the parser's state). */
    public lastTs: number | undefined,
    /** Hash of the lines that place the markers read so far (see `note`); persisted too. */
    public context = '',
  ) {}

  /**
   * A line that tells runs apart (a header, a session id, a date, a marker) joins the file's
   * context: markers known by their surroundings hash it with their own line and offset.
   */
  note(line: string): void {
    this.context = shortHash(`${this.context}\n${line}`);
  }

  /**
   * A fingerprint for a marker that carries no identity of its own (a launcher's `tokens used`,
   * a `codex exec --json` turn): its line, its offset and the lines before it that tell runs
   * apart. A byte-identical copy of a log (`nightly.log.1`, a compressed rotation) gives the
   * same fingerprints, so it adds nothing; a real second run that printed the same line has
   * other surroundings (times, session ids) and counts.
   */
  contextual(format: MarkerFormat, offset: number, line: string): string {
    return `${format}:${shortHash(`${this.context}\n${offset}\n${line}`)}`;
  }

  countSkipped(reason: SkipReason): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  emit(event: TokenEvent): void {
    this.events.push(uniformEvent(event));
  }

  /** Every token_count repeats the quota windows: the latest sample of each window is kept. */
  sample(sample: RateLimitSample, id: string): void {
    const index = this.sampleIndex.get(id);
    if (index === undefined) {
      this.sampleIndex.set(id, this.samples.length);
      this.samples.push(sample);
    } else this.samples[index] = sample;
  }

  /** Counts above the ceiling, or beyond exact integers, are not usage: skipped with a reason. */
  plausible(total: number): boolean {
    if (
      Number.isSafeInteger(total) &&
      total <= (this.options.maxEventTokens ?? DEFAULT_MAX_EVENT_TOKENS)
    )
      return true;
    this.countSkipped('implausible-number');
    return false;
  }

  /** JSON.parse, counting a broken line; undefined when it does not parse. */
  parseJson(text: string, complete: boolean): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // An unterminated last line may still be being written: not an error (yet).
      if (complete) this.countSkipped('malformed-json');
      return undefined;
    }
  }

  /** A marker's time: its line's own, else the latest seen before it, else the file's mtime. */
  time(lineTs?: number): { at: number; atSource: TimeSource } {
    if (lineTs !== undefined) return { at: lineTs, atSource: 'line' };
    if (this.lastTs !== undefined) return { at: this.lastTs, atSource: 'preceding' };
    // Whole milliseconds, as every other time is (a file's mtime has a fraction).
    return { at: Math.floor(this.options.mtimeMs), atSource: 'mtime' };
  }

  /** The `timestamp` field of a JSON line, in the configured zone when it has none. */
  lineTime(o: Json): number | undefined {
    const ts = o.timestamp;
    return typeof ts === 'string' ? parseIsoInZone(ts, this.options.zone) : undefined;
  }

  /** A fingerprint for a marker known only by where it is in its lineage. */
  positional(format: MarkerFormat, offset: number): string {
    return `${format}:${this.options.lineage}:${offset}`;
  }
}

/**
 * One log format: reads the lines it recognises (text, or a JSON object already parsed) into
 * events through the context, keeping what it must remember between lines in its own state,
 * a plain object persisted with the file's offset so a later ingest resumes mid-file.
 */
export interface LineFormat<Line, State> {
  readonly name: MarkerFormat;
  /** Whether this line is one of the format's (cheap: looks at fields, never parses). */
  accepts(line: Line): boolean;
  read(line: Line, offset: number, state: State, ctx: ParseContext): void;
}
