import type { RateLimitSample, SkipReason, TokenEvent } from '../core/tokens.js';
import {
  ParseContext,
  obj,
  type Json,
  type ParserOptions as FormatOptions,
} from './formats/common.js';
import { codexText, type CodexTextState } from './formats/codex-text.js';
import { codexRollout, type CodexRolloutState } from './formats/codex-rollout.js';
import { codexExecJson, type CodexExecJsonState } from './formats/codex-exec-json.js';
import { claudeResult, claudeResultArray, claudeTranscript } from './formats/claude.js';

export { DEFAULT_MAX_EVENT_TOKENS, MAX_LINE, shortHash, type Usage } from './formats/common.js';
export { parseTokenCount, type CodexEra } from './formats/codex-text.js';

/**
 * The marker parser: one instance per file, fed line by line in file order. Pure and
 * synchronous; each line's format is detected from its content, never from the file name, and
 * read by that format's module (src/tokens/formats/), each keeping its own slice of the state.
 */

/** Parser state that must survive between ingests so a file can be resumed mid-way. */
export interface ParserState extends CodexTextState, CodexRolloutState, CodexExecJsonState {
  /** Latest timestamp seen in the file's text, for lines that carry none. */
  lastTs?: number;
  /** Events from an unterminated last line, to be replaced when that line is read again. */
  provisional?: string[];
  /** Hash of the lines that tell runs apart, read so far (launcher markers' fingerprints). */
  context?: string;
}

export interface ParserOptions extends FormatOptions {
  state?: ParserState;
}

/** Substrings of every JSON line that can matter; other JSON lines are skipped unparsed. */
export const JSON_NEEDLES = [
  '"usage"',
  'token_count',
  'turn_context',
  'session_meta',
  'thread.started',
  'session_configured',
  'tokens used',
];

/** The JSON formats, tried in this order on each JSON line. */
const JSON_FORMATS = [codexRollout, codexExecJson, claudeResult, claudeTranscript] as const;

/**
 * The session a parsed log names: its first marker's, or else the thread a `codex exec --json`
 * run started or the `session id:` a human header printed (a run that printed no marker may
 * still have named its session, whose rollout or transcript then counts its tokens).
 */
export function sessionNamed(
  events: readonly TokenEvent[],
  state: ParserState,
): string | undefined {
  return (
    events.find((e) => e.sessionId)?.sessionId ?? state.execThread?.id ?? state.codexRun?.session
  );
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export class MarkerParser {
  private readonly ctx: ParseContext;
  private state: ParserState;

  constructor(options: ParserOptions) {
    this.state = structuredClone(options.state ?? {});
    delete this.state.provisional; // replaced by the ingest that reads this state
    this.ctx = new ParseContext(options, this.state.lastTs, this.state.context);
  }

  get events(): TokenEvent[] {
    return this.ctx.events;
  }

  get samples(): RateLimitSample[] {
    return this.ctx.samples;
  }

  get skipped(): Map<SkipReason, number> {
    return this.ctx.skipped;
  }

  /** State to persist when the file is committed at the current line boundary. */
  snapshot(): ParserState {
    const state = structuredClone(this.state);
    if (this.ctx.lastTs !== undefined) state.lastTs = this.ctx.lastTs;
    if (this.ctx.context !== '') state.context = this.ctx.context;
    return state;
  }

  /** Where a resumed read must restart: before a `tokens used` line still waiting for its number. */
  pendingOffset(): number | undefined {
    return this.state.pending?.offset;
  }

  countSkipped(reason: SkipReason): void {
    this.ctx.countSkipped(reason);
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
    if (trimmed.startsWith('[{') && trimmed.includes('"result"') && trimmed.includes('"usage"')) {
      claudeResultArray(trimmed, offset, complete, this.ctx);
      return;
    }
    codexText.read(text, offset, this.state, this.ctx);
  }

  /**
   * A transcript line whose content blocks were cut out (read.ts withoutContent): read, and true,
   * when it is a line the Claude transcript format takes, which reads nothing of them (as the
   * whole line would be: every format's choice looks at other fields); false, and nothing
   * counted, for any other line, which the caller then hands whole to `line`.
   */
  assistantLine(text: string, offset: number): boolean {
    let o: Json | undefined;
    try {
      o = obj(JSON.parse(text));
    } catch {
      return false;
    }
    if (!o || JSON_FORMATS.find((format) => format.accepts(o)) !== claudeTranscript) return false;
    claudeTranscript.read(o, offset, this.state, this.ctx);
    return true;
  }

  /**
   * A complete line that JSON.parse has already turned into `parsed` (so it holds no ESC byte
   * and starts with `{` after blanks): read as `line` reads it, without parsing it again.
   */
  parsedLine(text: string, parsed: unknown, offset: number): void {
    if (JSON_NEEDLES.some((n) => text.includes(n))) this.object(obj(parsed), offset);
  }

  /** A JSON line already known to hold one of JSON_NEEDLES. */
  json(text: string, offset: number, complete = true): void {
    this.object(obj(this.ctx.parseJson(text, complete)), offset);
  }

  private object(o: Json | undefined, offset: number): void {
    if (!o) return;
    for (const format of JSON_FORMATS) {
      if (!format.accepts(o)) continue;
      format.read(o, offset, this.state, this.ctx);
      return;
    }
  }
}

/**
 * The tokens a running agent's output has reported so far, line by line as it prints them: an
 * estimate for the budget gate while the session runs (a session past its reservation narrows
 * what later claims find left), never recorded as tokens. The ingest parses the run log once the
 * session ends and is the one record of what it spent.
 */
export class LiveTally {
  // Timestamps do not change a total: the zone and mtime only place markers in time.
  private readonly parser = new MarkerParser({ zone: 'UTC', mtimeMs: 0, lineage: 'live' });
  private offset = 0;
  private seen = 0;
  /** Tokens reported so far. */
  total = 0;

  /** One line of output (without its newline); true when the total grew. */
  line(text: string): boolean {
    this.parser.line(text, this.offset);
    this.offset += Buffer.byteLength(text) + 1;
    const events = this.parser.events;
    if (events.length === this.seen) return false;
    const before = this.total;
    for (; this.seen < events.length; this.seen++) this.total += events[this.seen]!.total;
    return this.total > before;
  }
}
