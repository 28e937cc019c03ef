import { createHash } from 'node:crypto';
import type {
  MarkerFormat,
  RateLimitSample,
  SkipReason,
  TimeSource,
  TokenEvent,
} from '../core/tokens.js';
import { parseIsoInZone } from '../time/zone.js';

/**
 * The marker parser: one instance per file, fed line by line in file order. Pure and
 * synchronous; the format is detected from each line's content, never from the file name.
 */

/** Parser state that must survive between ingests so a file can be resumed mid-way. */
export interface ParserState {
  /** Latest timestamp seen in the file's text, for lines that carry none. */
  lastTs?: number;
  /** A `tokens used` line whose number is expected on the next line. */
  pending?: { offset: number; at?: number };
  /** Events from an unterminated last line, to be replaced when that line is read again. */
  provisional?: string[];
  /** Codex rollout: last cumulative usage and the model from the latest turn_context. */
  rollout?: RolloutState;
  /** The `codex exec` run being read (from its `OpenAI Codex v…` header on). */
  codexRun?: CodexRun;
  /** `codex exec --json`: the thread and its last cumulative usage. */
  execThread?: { id?: string; last?: Usage };
}

/**
 * What `tokens used` means, by the version in the run's header: up to 0.29 each line is one model
 * response's own usage (a run is their sum); 0.30–0.4x the thread's running total after every
 * response, sometimes printed twice (a run is its last line); later versions print the thread's
 * total once at the end of the run. Without a header each line counts as printed.
 */
export type CodexEra = 'per-response' | 'running-total' | 'final-total' | 'unknown';

interface CodexRun {
  era: CodexEra;
  version?: string;
  session?: string;
  /** Last number printed in this run (running and final totals count their increase). */
  last?: number;
}

interface RolloutState {
  total: Usage;
  model?: string;
  session?: string;
  /**
   * A forked or sub-agent thread starts by replaying its parent's history, token counts
   * included: those set the baseline and are never usage.
   */
  replay?: {
    parent: string;
    /** Line timestamp of the child's own session_meta (its creation). */
    createdAt?: number;
    /** Lines with an `ordinal` below this are the parent's history (newer Codex says so). */
    startOrdinal?: number;
    /** Timestamp of the last replayed line seen. */
    lastAt?: number;
  };
}

export interface Usage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
  total: number;
}

export interface ParserOptions {
  /** Zone for timestamps without a designator (the machine's, or config `timezone`). */
  zone: string;
  /** The file's mtime: the time of markers with no timestamp before them. */
  mtimeMs: number;
  /** Stable id of the file's lineage: positional fingerprints are scoped to it. */
  lineage: string;
  state?: ParserState;
  /** Ceiling for one event's tokens; larger counts are skipped as implausible. */
  maxEventTokens?: number;
}

/** No single marker holds more tokens than this unless the config says otherwise. */
export const DEFAULT_MAX_EVENT_TOKENS = 1_000_000_000;

/** Substrings of every JSON line that can matter; other JSON lines are skipped unparsed. */
export const JSON_NEEDLES = [
  '"usage"',
  'token_count',
  'turn_context',
  'session_meta',
  'thread.started',
  'tokens used',
];

/** A wrapper may prefix every line with an ISO time stamp (`ts`, `date -Is`): allowed, and used. */
const STAMP = String.raw`(?:\[([^\]]{8,40})\]|(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?))`;
// The number: digits with any punctuation or spaces between (locale separators); whether the
// grouping is one Codex can print is decided by parseTokenCount, so no marker vanishes silently.
const COUNT = String.raw`(\d[\d\p{P}\p{Zs}]*)`;
const MARKER_RE = new RegExp(
  String.raw`^\s*(?:${STAMP}\s*)?tokens used\b(?:\s*:)?\s*${COUNT}?\s*$`,
  'iu',
);
const NUMBER_LINE_RE = new RegExp(String.raw`^\s*(?:${STAMP}\s+)?${COUNT}\s*$`, 'u');
/** `OpenAI Codex v0.46.0 (research preview)`, maybe behind a time stamp or `node.exe : `. */
const HEADER_RE = /OpenAI Codex v(\d+)\.(\d+)\.(\d+)/;
const SESSION_LINE_RE = /^\s*(?:\[[^\]]*\]\s*)?session id:\s*([0-9a-f][0-9a-f-]{7,63})\s*$/i;
const ISO_IN_TEXT_RE =
  /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(\s?(?:Z|[+-]\d{2}:?\d{2})(?![\d]))?/i;
const DATE_CMD_RE =
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (?:([A-Z]{2,5}) )?(\d{4})\b/;
/** Lines of a replayed history are written in one burst; a model response takes longer. */
const REPLAY_GAP_MS = 1000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

const SEPARATORS = new Set([',', '.', "'", '\u2019', '\u00a0', '\u202f', ' ', '_']);

/**
 * A count as Codex prints it with the system locale's grouping: `12345`, `12,345`, `12.345`,
 * `12 345` (no-break or narrow no-break space), `12’345` (Swiss), `1,23,456` (Indian). One
 * separator throughout, the last group three digits. Anything else is undefined (a bad number).
 */
export function parseTokenCount(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const sep = /\D/.exec(t)?.[0];
  if (sep === undefined || !SEPARATORS.has(sep)) return undefined;
  const groups = t.split(sep);
  if (groups.some((g) => !/^\d+$/.test(g))) return undefined;
  const first = groups[0]!;
  const last = groups[groups.length - 1]!;
  const middle = groups.slice(1, -1);
  if (last.length !== 3) return undefined;
  const western = first.length <= 3 && middle.every((g) => g.length === 3);
  const indian = first.length <= 2 && middle.length > 0 && middle.every((g) => g.length === 2);
  return western || indian ? Number(groups.join('')) : undefined;
}

/** A token count in JSON: a non-negative safe integer, else undefined. */
function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A quota figure (a percentage, a window length): any finite non-negative number. */
function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A present count that is not one (fractional, negative, beyond 2^53): the line is implausible. */
const invalidCount = (value: unknown) =>
  value !== undefined && value !== null && num(value) === undefined;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

export class MarkerParser {
  readonly events: TokenEvent[] = [];
  readonly samples: RateLimitSample[] = [];
  readonly skipped = new Map<SkipReason, number>();
  private state: ParserState;
  private readonly sampleIndex = new Map<string, number>();

  constructor(private readonly options: ParserOptions) {
    this.state = structuredClone(options.state ?? {});
    delete this.state.provisional; // replaced by the ingest that reads this state
  }

  /** State to persist when the file is committed at the current line boundary. */
  snapshot(): ParserState {
    return structuredClone(this.state);
  }

  /** Where a resumed read must restart: before a `tokens used` line still waiting for its number. */
  pendingOffset(): number | undefined {
    return this.state.pending?.offset;
  }

  countSkipped(reason: SkipReason): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  /**
   * A line of text (without its newline). `complete` is false for a file's unterminated tail.
   * `holdsNeedle`: the caller found one of JSON_NEEDLES in the line (the check is not repeated).
   */
  line(raw: string, offset: number, complete = true, holdsNeedle = false): void {
    const text = raw.includes('\x1b') ? raw.replace(ANSI_RE, '') : raw;
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{')) {
      if ((holdsNeedle && text === raw) || JSON_NEEDLES.some((n) => trimmed.includes(n)))
        this.json(trimmed, offset, complete);
      return;
    }
    // `claude -p --output-format json --verbose` prints the whole run as one JSON array.
    if (trimmed.startsWith('[{') && trimmed.includes('"result"') && trimmed.includes('"usage"')) {
      this.jsonArray(trimmed, offset, complete);
      return;
    }
    if (this.state.pending) {
      if (trimmed.trim() === '') return;
      const pending = this.state.pending;
      this.state.pending = undefined;
      const m = NUMBER_LINE_RE.exec(text);
      if (m) {
        this.countedMarker(m[3] ?? '', pending.offset, pending.at, 'split');
        return;
      }
    }
    const marker =
      text.includes('okens used') || /tokens used/i.test(text) ? MARKER_RE.exec(text) : null;
    if (marker) {
      const [, bracketed, bare, count] = marker;
      const stamp = bracketed ?? bare;
      const at = stamp ? parseIsoInZone(stamp.replace(/\s+/, 'T'), this.options.zone) : undefined;
      if (count === undefined) this.state.pending = { offset, at };
      else this.countedMarker(count, offset, at, 'inline');
      if (at !== undefined) this.state.lastTs = at;
      return;
    }
    if (text.includes('OpenAI Codex v')) {
      const header = HEADER_RE.exec(text);
      if (header) this.startCodexRun(header);
    } else if (this.state.codexRun && /session id/i.test(text)) {
      const session = SESSION_LINE_RE.exec(text)?.[1];
      if (session) this.state.codexRun.session = session.toLowerCase();
    }
    this.noteTimestamp(text);
  }

  /** A `codex exec` header starts a run; its version says what `tokens used` means. */
  private startCodexRun(header: RegExpExecArray): void {
    const [major, minor] = [Number(header[1]), Number(header[2])];
    const era: CodexEra = major === 0 && minor < 30 ? 'per-response' : 'running-total';
    this.state.codexRun = { era, version: `${header[1]}.${header[2]}.${header[3]}` };
  }

  /**
   * The number of a `tokens used` marker, counted by its run's era, or skipped with a reason.
   * `split` is the form with the number on the next line: the thread's total, printed once at
   * the end of a run (newer Codex); `inline` is `[ts] tokens used: N`, whose meaning the run's
   * header version tells.
   */
  private countedMarker(
    count: string,
    offset: number,
    at: number | undefined,
    form: 'inline' | 'split',
  ): void {
    const printed = parseTokenCount(count);
    if (printed === undefined) {
      this.countSkipped('bad-number');
      return;
    }
    if (!this.plausible(printed)) return;
    const run = this.state.codexRun;
    if (run && form === 'split') run.era = 'final-total';
    if (!run || run.era === 'per-response' || run.era === 'unknown') {
      this.textMarker(offset, printed, at);
      return;
    }
    // A running or final total: the run adds its increase (a repeated line adds nothing).
    const before = run.last ?? 0;
    run.last = printed;
    const increase = printed >= before ? printed - before : printed;
    if (increase === 0) return;
    this.textMarker(offset, increase, at, run.session, printed);
  }

  /** Counts above the ceiling, or beyond exact integers, are not usage: skipped with a reason. */
  private plausible(total: number): boolean {
    if (
      Number.isSafeInteger(total) &&
      total <= (this.options.maxEventTokens ?? DEFAULT_MAX_EVENT_TOKENS)
    )
      return true;
    this.countSkipped('implausible-number');
    return false;
  }

  /** JSON.parse, counting a broken line; undefined when it does not parse. */
  private parseJson(text: string, complete: boolean): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // An unterminated last line may still be being written: not an error (yet).
      if (complete) this.countSkipped('malformed-json');
      return undefined;
    }
  }

  /** A JSON line already known to hold one of JSON_NEEDLES. */
  json(text: string, offset: number, complete = true): void {
    const o = obj(this.parseJson(text, complete));
    if (!o) return;
    const type = o.type;
    const payload = obj(o.payload);
    if (type === 'turn_context' && payload) {
      const model = typeof payload.model === 'string' ? payload.model : undefined;
      const rollout = (this.state.rollout ??= { total: zeroUsage() });
      if (!this.inReplay(o)) rollout.model = model;
      else rollout.model ??= model;
    } else if (type === 'session_meta' && payload) {
      this.sessionMeta(o, payload);
    } else if (type === 'thread.started') {
      const id = typeof o.thread_id === 'string' ? o.thread_id : undefined;
      // A resumed thread keeps counting from its total; another thread starts from zero.
      if (this.state.execThread?.id !== id) this.state.execThread = { id };
    } else if (type === 'event_msg' && payload?.type === 'token_count') {
      this.rolloutTokenCount(o, payload, offset);
    } else if (type === 'turn.completed') {
      this.execTurn(o, offset);
    } else if (type === 'result' && obj(o.usage)) {
      this.claudeResult(o, offset);
    } else if (type === 'assistant' && obj(obj(o.message)?.usage) && !('session_id' in o)) {
      // stream-json assistant lines carry snake_case session_id and are summed by their result.
      this.claudeTranscript(o, offset);
    }
  }

  /** A JSON array of messages: only its result objects count (they sum the run). */
  private jsonArray(text: string, offset: number, complete: boolean): void {
    const value = this.parseJson(text, complete);
    if (!Array.isArray(value)) return;
    for (const item of value) {
      const o = obj(item);
      if (o?.type === 'result' && obj(o.usage)) this.claudeResult(o, offset);
    }
  }

  private time(lineTs?: number): { at: number; atSource: TimeSource } {
    if (lineTs !== undefined) return { at: lineTs, atSource: 'line' };
    if (this.state.lastTs !== undefined) return { at: this.state.lastTs, atSource: 'preceding' };
    // Whole milliseconds, as every other time is (a file's mtime has a fraction).
    return { at: Math.floor(this.options.mtimeMs), atSource: 'mtime' };
  }

  private positional(format: MarkerFormat, offset: number): string {
    return `${format}:${this.options.lineage}:${offset}`;
  }

  private textMarker(
    offset: number,
    total: number,
    at?: number,
    session?: string,
    threadTotal?: number,
  ): void {
    this.events.push({
      fingerprint: this.positional('codex-text', offset),
      keepLargest: false,
      ...this.time(at),
      agent: 'codex',
      format: 'codex-text',
      total,
      offset,
      sessionId: session,
      runKey: session ? `codex:${session}` : undefined,
      // Only final totals are the thread's (a resumed thread's include its earlier runs).
      threadTotal:
        session && this.state.codexRun?.era === 'final-total'
          ? {
              input: 0,
              cached: 0,
              output: 0,
              reasoning: 0,
              total: threadTotal ?? total,
              blendedOnly: true,
            }
          : undefined,
    });
  }

  private noteTimestamp(text: string): void {
    if (text.length < 10) return;
    if (/\d{4}-\d\d-\d\d/.test(text)) {
      const m = ISO_IN_TEXT_RE.exec(text);
      if (m) {
        const at = parseIsoInZone(`${m[1]}T${m[2]}${(m[3] ?? '').trim()}`, this.options.zone);
        if (at !== undefined) this.state.lastTs = at;
        return;
      }
    }
    if (text.length < 24 || !text.includes(':')) return;
    const d = DATE_CMD_RE.exec(text);
    if (d) {
      const [, mon, day, h, mi, s, zoneAbbr, year] = d;
      const iso = `${year}-${String(MONTHS.indexOf(mon ?? '') + 1).padStart(2, '0')}-${(day ?? '').padStart(2, '0')}T${h}:${mi}:${s}`;
      const utc = zoneAbbr === 'UTC' || zoneAbbr === 'GMT' ? 'Z' : '';
      const at = parseIsoInZone(iso + utc, this.options.zone);
      if (at !== undefined) this.state.lastTs = at;
    }
  }

  private lineTime(o: Json): number | undefined {
    const ts = o.timestamp;
    if (typeof ts === 'string') return parseIsoInZone(ts, this.options.zone);
    return undefined;
  }

  private rolloutTokenCount(o: Json, payload: Json, offset: number): void {
    const lineTs = this.lineTime(o);
    if (lineTs !== undefined) this.state.lastTs = lineTs;
    const at = lineTs ?? this.time().at;
    const limits = obj(payload.rate_limits);
    if (limits) {
      for (const key of Object.keys(limits)) {
        const w = obj(limits[key]);
        const minutes = finite(w?.window_minutes);
        const used = finite(w?.used_percent);
        if (!w || minutes === undefined || used === undefined) continue;
        let resetsAt: number | undefined;
        if (typeof w.resets_at === 'number')
          resetsAt = w.resets_at * (w.resets_at < 1e11 ? 1000 : 1);
        else if (typeof w.resets_at === 'string') resetsAt = parseIsoInZone(w.resets_at, 'UTC');
        else if (finite(w.resets_in_seconds) !== undefined)
          // Rounded to the minute so one window keeps one reset time from event to event.
          resetsAt = Math.round((at + (w.resets_in_seconds as number) * 1000) / 60_000) * 60_000;
        // Every token_count repeats the windows: keep the latest sample of each window instance.
        const id = `${minutes}:${resetsAt ?? ''}`;
        const sample: RateLimitSample = {
          provider: 'codex',
          windowMinutes: minutes,
          usedPercent: used,
          resetsAt,
          at,
        };
        const index = this.sampleIndex.get(id);
        if (index === undefined) {
          this.sampleIndex.set(id, this.samples.length);
          this.samples.push(sample);
        } else this.samples[index] = sample;
      }
    }
    const info = obj(payload.info);
    if (!info) return; // rate-limit-only event
    const cumulative = obj(info.total_token_usage);
    if (!cumulative) return;
    const now = readCodexUsage(cumulative);
    if (!now) {
      this.countSkipped(
        Object.values(cumulative).some(invalidCount) ? 'implausible-number' : 'bad-usage',
      );
      return;
    }
    const rollout = (this.state.rollout ??= { total: zeroUsage() });
    const before = rollout.total;
    if (this.inReplay(o, now.total < before.total)) {
      // The parent's history, copied into a forked or sub-agent thread: a baseline, not usage.
      rollout.total = now;
      if (rollout.replay) rollout.replay.lastAt = lineTs ?? rollout.replay.lastAt;
      return;
    }
    // A smaller cumulative total means a new counter (a replaced session, or a forked thread
    // whose own counter starts from zero): count it whole.
    const base = now.total < before.total ? zeroUsage() : before;
    const delta = now.total - base.total;
    if (delta <= 0) {
      rollout.total = now;
      return; // re-emitted unchanged total
    }
    if (!this.plausible(delta)) return; // the baseline stays: the next sane total counts from it
    rollout.total = now;
    this.events.push({
      fingerprint: `codex-rollout:${typeof o.timestamp === 'string' ? o.timestamp : offset}:${now.input}:${now.cached}:${now.output}:${now.reasoning}:${now.total}`,
      keepLargest: false,
      at,
      atSource: lineTs !== undefined ? 'line' : this.time().atSource,
      agent: 'codex',
      model: rollout.model,
      format: 'codex-rollout',
      input: Math.max(0, now.input - base.input),
      cachedInput: Math.max(0, now.cached - base.cached),
      output: Math.max(0, now.output - base.output),
      reasoning: Math.max(0, now.reasoning - base.reasoning),
      total: delta,
      offset,
      sessionId: rollout.session,
      runKey: rollout.session ? `codex:${rollout.session}` : undefined,
    });
  }

  /**
   * A rollout's own session_meta (its first) names the thread and, for a forked or sub-agent
   * thread, its parent: what follows is the parent's history until the child's own work starts.
   * Later session_meta lines are copies from that history.
   */
  private sessionMeta(o: Json, payload: Json): void {
    const rollout = (this.state.rollout ??= { total: zeroUsage() });
    if (rollout.session !== undefined) return;
    const id = typeof payload.id === 'string' ? payload.id.toLowerCase() : undefined;
    rollout.session = id ?? '';
    const source = obj(payload.source);
    const spawn = obj(obj(source?.subagent)?.thread_spawn);
    const parent = [payload.forked_from_id, spawn?.parent_thread_id, payload.parent_thread_id].find(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    if (!parent) return;
    const historyBase = obj(payload.history_base);
    const startOrdinal = [
      payload.subagent_history_start_ordinal,
      payload.forked_from_ordinal_exclusive,
      historyBase?.end_ordinal_exclusive,
    ].find((v): v is number => typeof v === 'number');
    rollout.replay = { parent, createdAt: this.lineTime(o), startOrdinal };
  }

  /**
   * Whether a line of a forked thread's rollout is still its parent's replayed history. Newer
   * Codex numbers its lines and says where the thread's own lines start. Otherwise the replay is
   * the burst written when the thread was created (each line within a second of the one before,
   * or stamped before the thread existed, when the copy keeps the parent's times), and ends at
   * the latest when a token count falls below the replayed total (the thread's own counter).
   */
  private inReplay(o: Json, counterDropped = false): boolean {
    const replay = this.state.rollout?.replay;
    if (!replay) return false;
    let still: boolean;
    if (replay.startOrdinal !== undefined && typeof o.ordinal === 'number') {
      still = o.ordinal < replay.startOrdinal;
    } else if (counterDropped) {
      still = false;
    } else {
      const at = this.lineTime(o);
      const previous = replay.lastAt ?? replay.createdAt;
      still =
        at === undefined ||
        previous === undefined ||
        (replay.createdAt !== undefined && at <= replay.createdAt) ||
        at - previous <= REPLAY_GAP_MS;
    }
    if (!still) this.state.rollout!.replay = undefined; // the thread's own lines from here on
    return still;
  }

  /**
   * `turn.completed` reports the thread's total so far (Codex keeps the last total_token_usage),
   * so a turn adds its increase; a resumed thread's first turn includes its earlier runs, which
   * the ledger subtracts through the thread total.
   */
  private execTurn(o: Json, offset: number): void {
    const usage = obj(o.usage);
    const now = usage ? readCodexUsage(usage) : undefined;
    if (!usage || !now) {
      this.countSkipped(
        usage && Object.values(usage).some(invalidCount) ? 'implausible-number' : 'bad-usage',
      );
      return;
    }
    const thread = (this.state.execThread ??= {});
    const before = thread.last && thread.last.total <= now.total ? thread.last : zeroUsage();
    const delta = now.total - before.total;
    thread.last = now;
    if (delta <= 0) return;
    if (!this.plausible(delta)) return;
    const id = thread.id?.toLowerCase();
    this.events.push({
      fingerprint: this.positional('codex-exec-json', offset),
      keepLargest: false,
      ...this.time(),
      agent: 'codex',
      format: 'codex-exec-json',
      input: Math.max(0, now.input - before.input),
      cachedInput: Math.max(0, now.cached - before.cached),
      output: Math.max(0, now.output - before.output),
      reasoning: Math.max(0, now.reasoning - before.reasoning),
      total: delta,
      offset,
      sessionId: id,
      runKey: id ? `codex:${id}` : undefined,
      threadTotal: id ? { ...now } : undefined,
    });
  }

  /** Why a usage object could not be read: an impossible count, or missing fields. */
  private usageSkip(usage: Json | undefined): SkipReason {
    return usage && Object.values(usage).some(invalidCount) ? 'implausible-number' : 'bad-usage';
  }

  private claudeResult(o: Json, offset: number): void {
    const usage = readClaudeUsage(obj(o.usage));
    if (!usage) {
      this.countSkipped(this.usageSkip(obj(o.usage)));
      return;
    }
    if (!this.plausible(usage.total)) return;
    const lineTs = this.lineTime(o);
    const session = typeof o.session_id === 'string' ? o.session_id.toLowerCase() : undefined;
    this.events.push({
      // A run's session id, duration, turns, cost and usage identify it: the same result printed
      // into two logs (or inside a --verbose array) is one run.
      fingerprint: `claude-result:${shortHash(
        JSON.stringify([
          o.session_id,
          o.subtype,
          o.duration_ms,
          o.num_turns,
          o.total_cost_usd,
          usage,
        ]),
      )}`,
      keepLargest: false,
      ...this.time(lineTs),
      agent: 'claude',
      model: mainModel(obj(o.modelUsage)),
      format: 'claude-result',
      ...usage,
      offset,
      sessionId: session,
      runKey: session ? `claude:${session}` : undefined,
      isError: o.is_error === true || (typeof o.subtype === 'string' && o.subtype !== 'success'),
    });
  }

  private claudeTranscript(o: Json, offset: number): void {
    const message = obj(o.message) ?? {};
    const model = typeof message.model === 'string' ? message.model : undefined;
    if (model === '<synthetic>') return; // an API error written as a message
    const usage = readClaudeUsage(obj(message.usage));
    if (!usage) {
      this.countSkipped(this.usageSkip(obj(message.usage)));
      return;
    }
    if (!this.plausible(usage.total)) return;
    const lineTs = this.lineTime(o);
    if (lineTs !== undefined) this.state.lastTs = lineTs;
    const id = typeof message.id === 'string' ? message.id : undefined;
    const session = typeof o.sessionId === 'string' ? o.sessionId.toLowerCase() : undefined;
    this.events.push({
      // One response is one message id, whatever request carried it: partial lines, sidechain
      // replays and retries under a new requestId (and Bedrock ids without one) merge on it.
      fingerprint:
        id !== undefined ? `claude-msg:${id}` : this.positional('claude-transcript', offset),
      keepLargest: true,
      ...this.time(lineTs),
      agent: 'claude',
      model,
      format: 'claude-transcript',
      ...usage,
      offset,
      sessionId: session,
      runKey: session ? `claude:${session}` : undefined,
    });
  }
}

function zeroUsage(): Usage {
  return { input: 0, cached: 0, output: 0, reasoning: 0, total: 0 };
}

function readCodexUsage(u: Json): Usage | undefined {
  if (Object.values(u).some(invalidCount)) return undefined;
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

function readClaudeUsage(u: Json | undefined) {
  if (!u) return undefined;
  const counts = [
    u.input_tokens,
    u.output_tokens,
    u.cache_creation_input_tokens,
    u.cache_read_input_tokens,
  ];
  if (counts.some(invalidCount)) return undefined;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const cacheCreation = num(u.cache_creation_input_tokens) ?? 0;
  const cachedInput = num(u.cache_read_input_tokens) ?? 0;
  return {
    input,
    cachedInput,
    cacheCreation,
    output,
    total: input + cacheCreation + cachedInput + output,
  };
}

/** The model that did most of a Claude run's work (modelUsage also lists small helper models). */
function mainModel(modelUsage: Json | undefined): string | undefined {
  if (!modelUsage) return undefined;
  let best: string | undefined;
  let bestTokens = -1;
  for (const [model, value] of Object.entries(modelUsage)) {
    const u = obj(value) ?? {};
    const tokens =
      (num(u.inputTokens) ?? 0) +
      (num(u.outputTokens) ?? 0) +
      (num(u.cacheReadInputTokens) ?? 0) +
      (num(u.cacheCreationInputTokens) ?? 0);
    if (tokens > bestTokens) {
      best = model;
      bestTokens = tokens;
    }
  }
  return best;
}

/** A short content hash (node:crypto is computation, not I/O). */
export function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}
