import type { RunHeader } from '../../core/tokens.js';
import type { LineFormat, ParseContext } from './common.js';
import { parseIsoInZone } from '../../time/zone.js';

/**
 * `codex exec` human output: the `OpenAI Codex v…` header (version, `session id:`) and the
 * `tokens used` markers, with the number on the same line or the next. What a number means
 * depends on the run's version (see CodexEra).
 */

/**
 * What `tokens used` means, by the version in the run's header: up to 0.29 each line is one model
 * response's own usage (a run is their sum); 0.30–0.4x the thread's running total after every
 * response, sometimes printed twice (a run is its last line); later versions print the thread's
 * total once at the end of the run. Without a header each line counts as printed.
 */
export type CodexEra = 'per-response' | 'running-total' | 'final-total' | 'unknown';

export interface CodexRun {
  era: CodexEra;
  version?: string;
  session?: string;
  /** Last number printed in this run (running and final totals count their increase). */
  last?: number;
  /** The header's `workdir:` and `model:`, and its time: they tie a run with no session id. */
  cwd?: string;
  model?: string;
  at?: number;
}

export interface CodexTextState {
  /** A `tokens used` line whose number is expected on the next line. */
  pending?: { offset: number; at?: number };
  /** The `codex exec` run being read (from its `OpenAI Codex v…` header on). */
  codexRun?: CodexRun;
}

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
export const HEADER_RE = /OpenAI Codex v(\d+)\.(\d+)\.(\d+)/;
/** The header's `session id:` line (Codex 0.5x and later). */
export const SESSION_LINE_RE = /^\s*(?:\[[^\]]*\]\s*)?session id:\s*([0-9a-f][0-9a-f-]{7,63})\s*$/i;
/** The header's `workdir: …` and `model: …` lines (between its `--------` rules). */
const HEADER_FIELD_RE = /^\s*(workdir|model):\s*(\S.*?)\s*$/;
const ISO_IN_TEXT_RE =
  /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(\s?(?:Z|[+-]\d{2}:?\d{2})(?![\d]))?/i;
const DATE_CMD_RE =
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (?:([A-Z]{2,5}) )?(\d{4})\b/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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

/** The era a header's version gives its run's `tokens used` lines. */
export function codexEra(major: number, minor: number): CodexEra {
  return major === 0 && minor < 30 ? 'per-response' : 'running-total';
}

export const codexText: LineFormat<string, CodexTextState> = {
  name: 'codex-text',
  accepts: (text) => !text.trimStart().startsWith('{'),
  read(text, offset, state, ctx) {
    if (state.pending) {
      if (text.trim() === '') return;
      const pending = state.pending;
      state.pending = undefined;
      const m = NUMBER_LINE_RE.exec(text);
      if (m) {
        countedMarker(m[3] ?? '', text, pending.offset, pending.at, 'split', state, ctx);
        ctx.note(text);
        return;
      }
    }
    const marker =
      text.includes('okens used') || /tokens used/i.test(text) ? MARKER_RE.exec(text) : null;
    if (marker) {
      const [, bracketed, bare, count] = marker;
      const stamp = bracketed ?? bare;
      const at = stamp ? parseIsoInZone(stamp.replace(/\s+/, 'T'), ctx.options.zone) : undefined;
      if (count === undefined) state.pending = { offset, at };
      else countedMarker(count, text, offset, at, 'inline', state, ctx);
      if (at !== undefined) ctx.lastTs = at;
      ctx.note(text);
      return;
    }
    if (text.includes('OpenAI Codex v')) {
      const header = HEADER_RE.exec(text);
      if (header) {
        startCodexRun(header, state);
        ctx.note(text);
        // Noted again with its time, as every dated line is (the fingerprints' context).
        if (noteTimestamp(text, ctx)) {
          ctx.note(text);
          state.codexRun!.at = ctx.lastTs;
        }
        return;
      }
    } else if (state.codexRun && state.codexRun.last === undefined && HEADER_FIELD_RE.test(text)) {
      const [, field, value] = HEADER_FIELD_RE.exec(text)!;
      if (field === 'workdir') state.codexRun.cwd ??= value;
      else state.codexRun.model ??= value;
    } else if (state.codexRun && /session id/i.test(text)) {
      const session = SESSION_LINE_RE.exec(text)?.[1];
      if (session) {
        state.codexRun.session = session.toLowerCase();
        ctx.note(text);
      }
    }
    if (noteTimestamp(text, ctx)) ctx.note(text);
  },
};

/**
 * Whether `tokens used` after `codex exec resume` is the thread's total (earlier runs included)
 * or the resumed run's own usage. Codex 0.79 and later seed a resumed session's token usage from
 * the last token_count of its rollout (codex-rs core, `last_token_info_from_rollout` on resume),
 * so every total they print, `turn.completed` usage too, is the thread's; 0.77 and earlier start
 * a resumed run's counter from zero (measured with every published release from 0.50 to 0.80:
 * 0.77 prints the run's own usage, 0.79 the thread's; no 0.78 was published). A run with no
 * version keeps the thread-total reading.
 */
export const RESUME_PRINTS_THREAD_TOTAL_SINCE = [0, 79] as const;

export function resumePrintsThreadTotal(version: string | undefined): boolean {
  if (version === undefined) return true;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [sinceMajor, sinceMinor] = RESUME_PRINTS_THREAD_TOTAL_SINCE;
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

/** A `codex exec` header starts a run; its version says what `tokens used` means. */
function startCodexRun(header: RegExpExecArray, state: CodexTextState): void {
  const [major, minor] = [Number(header[1]), Number(header[2])];
  state.codexRun = {
    era: codexEra(major, minor),
    version: `${header[1]}.${header[2]}.${header[3]}`,
  };
}

/**
 * The number of a `tokens used` marker, counted by its run's era, or skipped with a reason.
 * `split` is the form with the number on the next line: the thread's total, printed once at
 * the end of a run (newer Codex); `inline` is `[ts] tokens used: N`, whose meaning the run's
 * header version tells.
 */
function countedMarker(
  count: string,
  line: string,
  offset: number,
  at: number | undefined,
  form: 'inline' | 'split',
  state: CodexTextState,
  ctx: ParseContext,
): void {
  const printed = parseTokenCount(count);
  if (printed === undefined) {
    ctx.countSkipped('bad-number');
    return;
  }
  if (!ctx.plausible(printed)) return;
  const run = state.codexRun;
  if (run && form === 'split') run.era = 'final-total';
  if (!run || run.era === 'per-response' || run.era === 'unknown') {
    textMarker(line, offset, printed, at, state, ctx);
    return;
  }
  // A running or final total: the run adds its increase (a repeated line adds nothing).
  const before = run.last ?? 0;
  run.last = printed;
  const increase = printed >= before ? printed - before : printed;
  if (increase === 0) return;
  textMarker(line, offset, increase, at, state, ctx, run.session, printed);
}

function textMarker(
  line: string,
  offset: number,
  total: number,
  at: number | undefined,
  state: CodexTextState,
  ctx: ParseContext,
  session?: string,
  threadTotal?: number,
): void {
  ctx.emit({
    fingerprint: ctx.contextual('codex-text', offset, line),
    legacyFingerprint: ctx.positional('codex-text', offset),
    keepLargest: false,
    ...ctx.time(at),
    agent: 'codex',
    format: 'codex-text',
    total,
    offset,
    sessionId: session,
    runKey: session ? `codex:${session}` : undefined,
    runHeader: session ? undefined : runHeaderOf(state.codexRun, ctx, threadTotal ?? total, at),
    // Only final totals are the thread's (a resumed thread's include its earlier runs), and
    // only from the version on that restores a resumed thread's usage.
    threadTotal:
      session &&
      state.codexRun?.era === 'final-total' &&
      resumePrintsThreadTotal(state.codexRun.version)
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

/** A run's header as a tie to its rollout needs it (a version and a workdir at least). */
function runHeaderOf(
  run: CodexRun | undefined,
  ctx: ParseContext,
  printed: number,
  markedAt: number | undefined,
): RunHeader | undefined {
  if (!run?.version || run.cwd === undefined) return undefined;
  return {
    version: run.version,
    cwd: run.cwd,
    model: run.model,
    at: run.at ?? ctx.time().at,
    // The running total a 0.36 run prints is its rollout's cumulative usage, blended.
    ...(run.era === 'running-total' && {
      usage: { input: 0, cached: 0, output: 0, reasoning: 0, total: printed, blendedOnly: true },
      markedAt,
    }),
  };
}

/**
 * A date in a line of text (a wrapper's `date`, a stamp) times the markers after it. Whether the
 * line held one.
 */
function noteTimestamp(text: string, ctx: ParseContext): boolean {
  if (text.length < 10) return false;
  if (/\d{4}-\d\d-\d\d/.test(text)) {
    const m = ISO_IN_TEXT_RE.exec(text);
    if (m) {
      const at = parseIsoInZone(`${m[1]}T${m[2]}${(m[3] ?? '').trim()}`, ctx.options.zone);
      if (at !== undefined) ctx.lastTs = at;
      return at !== undefined;
    }
  }
  if (text.length < 24 || !text.includes(':')) return false;
  const d = DATE_CMD_RE.exec(text);
  if (d) {
    const [, mon, day, h, mi, s, zoneAbbr, year] = d;
    const iso = `${year}-${String(MONTHS.indexOf(mon ?? '') + 1).padStart(2, '0')}-${(day ?? '').padStart(2, '0')}T${h}:${mi}:${s}`;
    const utc = zoneAbbr === 'UTC' || zoneAbbr === 'GMT' ? 'Z' : '';
    const at = parseIsoInZone(iso + utc, ctx.options.zone);
    if (at !== undefined) ctx.lastTs = at;
    return at !== undefined;
  }
  return false;
}
