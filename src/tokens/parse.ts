import { createHash } from 'node:crypto';
import type { MarkerFormat, RateLimitSample, SkipReason, TimeSource, TokenEvent } from './types.js';
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
  rollout?: { total: Usage; model?: string };
}

interface Usage {
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
}

/** Substrings of every JSON line that can matter; other JSON lines are skipped unparsed. */
export const JSON_NEEDLES = ['"usage"', 'token_count', 'turn_context', 'tokens used'];

/** A wrapper may prefix every line with an ISO time stamp (`ts`, `date -Is`): allowed, and used. */
const STAMP = String.raw`(?:\[([^\]]{8,40})\]|(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?))`;
const MARKER_RE = new RegExp(
  String.raw`^\s*(?:${STAMP}\s*)?tokens used\b(?:\s*:)?\s*([\d][\d,._\u00a0\u202f ]*)?\s*$`,
  'i',
);
const NUMBER_LINE_RE = new RegExp(String.raw`^\s*(?:${STAMP}\s+)?(\d[\d,._\u00a0\u202f ]*)\s*$`);
const ISO_IN_TEXT_RE =
  /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(\s?(?:Z|[+-]\d{2}:?\d{2})(?![\d]))?/i;
const DATE_CMD_RE =
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (?:([A-Z]{2,5}) )?(\d{4})\b/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** "12,345" / "12 345" / "12345" → 12345; separators only between groups of three digits. */
export function parseTokenCount(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = /^\d{1,3}([,._\u00a0\u202f ])\d{3}(?:\1\d{3})*$/.exec(t);
  if (!m) return undefined;
  return Number(t.replace(/\D/g, ''));
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

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

  /** A line of text (without its newline). `complete` is false for a file's unterminated tail. */
  line(raw: string, offset: number, complete = true): void {
    const text = raw.includes('\x1b') ? raw.replace(ANSI_RE, '') : raw;
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{')) {
      if (JSON_NEEDLES.some((n) => trimmed.includes(n))) this.json(trimmed, offset, complete);
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
        const total = parseTokenCount(m[3] ?? '');
        if (total === undefined) this.countSkipped('bad-number');
        else this.textMarker(pending.offset, total, pending.at);
        return;
      }
    }
    const marker =
      text.includes('okens used') || /tokens used/i.test(text) ? MARKER_RE.exec(text) : null;
    if (marker) {
      const [, bracketed, bare, count] = marker;
      const stamp = bracketed ?? bare;
      const at = stamp ? parseIsoInZone(stamp.replace(/\s+/, 'T'), this.options.zone) : undefined;
      if (count === undefined) {
        this.state.pending = { offset, at };
      } else {
        const total = parseTokenCount(count);
        if (total === undefined) this.countSkipped('bad-number');
        else this.textMarker(offset, total, at);
      }
      if (at !== undefined) this.state.lastTs = at;
      return;
    }
    this.noteTimestamp(text);
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
      this.state.rollout = { total: this.state.rollout?.total ?? zeroUsage(), model };
    } else if (type === 'event_msg' && payload?.type === 'token_count') {
      this.rolloutTokenCount(o, payload, offset);
    } else if (type === 'turn.completed') {
      this.execTurn(o, offset);
    } else if (type === 'result' && obj(o.usage)) {
      this.claudeResult(o, text, offset);
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
      if (o?.type === 'result' && obj(o.usage)) this.claudeResult(o, JSON.stringify(o), offset);
    }
  }

  private time(lineTs?: number): { at: number; atSource: TimeSource } {
    if (lineTs !== undefined) return { at: lineTs, atSource: 'line' };
    if (this.state.lastTs !== undefined) return { at: this.state.lastTs, atSource: 'preceding' };
    return { at: this.options.mtimeMs, atSource: 'mtime' };
  }

  private positional(format: MarkerFormat, offset: number): string {
    return `${format}:${this.options.lineage}:${offset}`;
  }

  private textMarker(offset: number, total: number, at?: number): void {
    this.events.push({
      fingerprint: this.positional('codex-text', offset),
      keepLargest: false,
      ...this.time(at),
      agent: 'codex',
      format: 'codex-text',
      total,
      offset,
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
        const minutes = num(w?.window_minutes);
        const used = num(w?.used_percent);
        if (!w || minutes === undefined || used === undefined) continue;
        let resetsAt: number | undefined;
        if (typeof w.resets_at === 'number')
          resetsAt = w.resets_at * (w.resets_at < 1e11 ? 1000 : 1);
        else if (typeof w.resets_at === 'string') resetsAt = parseIsoInZone(w.resets_at, 'UTC');
        else if (num(w.resets_in_seconds) !== undefined)
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
      this.countSkipped('bad-usage');
      return;
    }
    const rollout = (this.state.rollout ??= { total: zeroUsage() });
    const before = rollout.total;
    rollout.total = now;
    // A smaller cumulative total means a new counter (a replaced session): count it whole.
    const base = now.total < before.total ? zeroUsage() : before;
    const delta = now.total - base.total;
    if (delta <= 0) return; // re-emitted unchanged total
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
    });
  }

  private execTurn(o: Json, offset: number): void {
    const usage = obj(o.usage);
    const input = num(usage?.input_tokens);
    const output = num(usage?.output_tokens);
    if (!usage || input === undefined || output === undefined) {
      this.countSkipped('bad-usage');
      return;
    }
    this.events.push({
      fingerprint: this.positional('codex-exec-json', offset),
      keepLargest: false,
      ...this.time(),
      agent: 'codex',
      format: 'codex-exec-json',
      input,
      cachedInput: num(usage.cached_input_tokens),
      output,
      reasoning: num(usage.reasoning_output_tokens),
      total: input + output,
      offset,
    });
  }

  private claudeResult(o: Json, text: string, offset: number): void {
    const usage = readClaudeUsage(obj(o.usage));
    if (!usage) {
      this.countSkipped('bad-usage');
      return;
    }
    const lineTs = this.lineTime(o);
    this.events.push({
      // The whole object is unique per run (session id, duration, cost): the same result
      // printed into two logs is one run.
      fingerprint: `claude-result:${shortHash(text)}`,
      keepLargest: false,
      ...this.time(lineTs),
      agent: 'claude',
      model: mainModel(obj(o.modelUsage)),
      format: 'claude-result',
      ...usage,
      offset,
      sessionId: typeof o.session_id === 'string' ? o.session_id : undefined,
      isError: o.is_error === true || (typeof o.subtype === 'string' && o.subtype !== 'success'),
    });
  }

  private claudeTranscript(o: Json, offset: number): void {
    const message = obj(o.message) ?? {};
    const model = typeof message.model === 'string' ? message.model : undefined;
    if (model === '<synthetic>') return; // an API error written as a message
    const usage = readClaudeUsage(obj(message.usage));
    if (!usage) {
      this.countSkipped('bad-usage');
      return;
    }
    const lineTs = this.lineTime(o);
    if (lineTs !== undefined) this.state.lastTs = lineTs;
    const id = typeof message.id === 'string' ? message.id : undefined;
    const requestId = typeof o.requestId === 'string' ? o.requestId : undefined;
    this.events.push({
      fingerprint:
        id !== undefined
          ? `claude-msg:${id}:${requestId ?? ''}`
          : this.positional('claude-transcript', offset),
      keepLargest: true,
      ...this.time(lineTs),
      agent: 'claude',
      model,
      format: 'claude-transcript',
      ...usage,
      offset,
      sessionId: typeof o.sessionId === 'string' ? o.sessionId : undefined,
    });
  }
}

function zeroUsage(): Usage {
  return { input: 0, cached: 0, output: 0, reasoning: 0, total: 0 };
}

function readCodexUsage(u: Json): Usage | undefined {
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
