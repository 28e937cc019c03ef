import {
  counterBase,
  finite,
  obj,
  readCodexUsage,
  usageIncrease,
  usageSkip,
  zeroUsage,
  type Json,
  type LineFormat,
  type ParseContext,
  type Usage,
} from './common.js';
import { parseIsoInZone } from '../../time/zone.js';

/**
 * Codex rollouts (`$CODEX_HOME/sessions/…/rollout-*.jsonl`): `session_meta` names the thread
 * (and a forked thread's parent), `turn_context` the model, and `event_msg` token_count lines
 * carry the session's cumulative usage (counted by its increase) and the quota windows.
 */

export interface RolloutState {
  total: Usage;
  model?: string;
  session?: string;
  /** The session_meta's version, cwd and time, until the rollout's first event carries them. */
  start?: { version: string; cwd: string; at: number };
  /**
   * The same, kept for every token count of a Codex whose logs name no session (before 0.50):
   * each count carries it with its cumulative usage, which such a log prints too.
   */
  unnamed?: { version: string; cwd: string; at: number };
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

export interface CodexRolloutState {
  rollout?: RolloutState;
}

/** Lines of a replayed history are written in one burst; a model response takes longer. */
const REPLAY_GAP_MS = 1000;

export const codexRollout: LineFormat<Json, CodexRolloutState> = {
  name: 'codex-rollout',
  accepts: (o) =>
    o.type === 'session_meta' ||
    o.type === 'turn_context' ||
    (o.type === 'event_msg' && obj(o.payload)?.type === 'token_count'),
  read(o, offset, state, ctx) {
    const payload = obj(o.payload);
    if (!payload) return;
    if (o.type === 'turn_context') {
      const model = typeof payload.model === 'string' ? payload.model : undefined;
      const rollout = (state.rollout ??= { total: zeroUsage() });
      if (!inReplay(o, state, ctx)) rollout.model = model;
      else rollout.model ??= model;
    } else if (o.type === 'session_meta') {
      sessionMeta(o, payload, state, ctx);
    } else tokenCount(o, payload, offset, state, ctx);
  },
};

/** The quota windows a token_count repeats: the latest sample of each window is kept. */
function rateLimits(limits: Json, at: number, ctx: ParseContext): void {
  for (const key of Object.keys(limits)) {
    const w = obj(limits[key]);
    const minutes = finite(w?.window_minutes);
    const used = finite(w?.used_percent);
    if (!w || minutes === undefined || used === undefined) continue;
    let resetsAt: number | undefined;
    if (typeof w.resets_at === 'number') resetsAt = w.resets_at * (w.resets_at < 1e11 ? 1000 : 1);
    else if (typeof w.resets_at === 'string') resetsAt = parseIsoInZone(w.resets_at, 'UTC');
    else if (finite(w.resets_in_seconds) !== undefined)
      // Rounded to the minute so one window keeps one reset time from event to event.
      resetsAt = Math.round((at + (w.resets_in_seconds as number) * 1000) / 60_000) * 60_000;
    ctx.sample(
      { provider: 'codex', windowMinutes: minutes, usedPercent: used, resetsAt, at },
      `${minutes}:${resetsAt ?? ''}`,
    );
  }
}

function tokenCount(
  o: Json,
  payload: Json,
  offset: number,
  state: CodexRolloutState,
  ctx: ParseContext,
): void {
  const lineTs = ctx.lineTime(o);
  if (lineTs !== undefined) ctx.lastTs = lineTs;
  const at = lineTs ?? ctx.time().at;
  const limits = obj(payload.rate_limits);
  if (limits) rateLimits(limits, at, ctx);
  const info = obj(payload.info);
  if (!info) return; // rate-limit-only event
  const cumulative = obj(info.total_token_usage);
  if (!cumulative) return;
  const now = readCodexUsage(cumulative);
  if (!now) {
    ctx.countSkipped(usageSkip(cumulative));
    return;
  }
  const rollout = (state.rollout ??= { total: zeroUsage() });
  const before = rollout.total;
  if (inReplay(o, state, ctx, now.total < before.total)) {
    // The parent's history, copied into a forked or sub-agent thread: a baseline, not usage.
    rollout.total = now;
    if (rollout.replay) rollout.replay.lastAt = lineTs ?? rollout.replay.lastAt;
    return;
  }
  // A new counter (a replaced session, a forked thread whose own counter starts from zero, a
  // resumed run of Codex 0.77 or earlier appended to the rollout) counts whole.
  const lastUsage = obj(info.last_token_usage);
  const base = counterBase(now, lastUsage && readCodexUsage(lastUsage), before);
  const delta = now.total - base.total;
  if (delta <= 0) {
    rollout.total = now;
    return; // re-emitted unchanged total
  }
  if (!ctx.plausible(delta)) return; // the baseline stays: the next sane total counts from it
  rollout.total = now;
  const increase = usageIncrease(now, base);
  ctx.emit({
    fingerprint: `codex-rollout:${typeof o.timestamp === 'string' ? o.timestamp : offset}:${now.input}:${now.cached}:${now.output}:${now.reasoning}:${now.total}`,
    keepLargest: false,
    at,
    atSource: lineTs !== undefined ? 'line' : ctx.time().atSource,
    agent: 'codex',
    model: rollout.model,
    format: 'codex-rollout',
    // Field by field: a spread in the middle of a literal costs a runtime call per token count.
    input: increase.input,
    cachedInput: increase.cachedInput,
    output: increase.output,
    reasoning: increase.reasoning,
    total: increase.total,
    offset,
    sessionId: rollout.session,
    runKey: rollout.session ? `codex:${rollout.session}` : undefined,
    runHeader: rollout.unnamed
      ? { ...rollout.unnamed, model: rollout.model, usage: now, markedAt: lineTs }
      : rollout.start && { ...rollout.start, model: rollout.model },
  });
  rollout.start = undefined;
}

/** Codex prints `session id:` in its human log from 0.50 on (0.29 and 0.36 do not). */
function logsNameSession(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 0 || minor >= 50;
}

/**
 * A rollout's own session_meta (its first) names the thread and, for a forked or sub-agent
 * thread, its parent: what follows is the parent's history until the child's own work starts.
 * Later session_meta lines are copies from that history.
 */
function sessionMeta(o: Json, payload: Json, state: CodexRolloutState, ctx: ParseContext): void {
  const rollout = (state.rollout ??= { total: zeroUsage() });
  if (rollout.session !== undefined) return;
  const id = typeof payload.id === 'string' ? payload.id.toLowerCase() : undefined;
  rollout.session = id ?? '';
  const at =
    typeof payload.timestamp === 'string' ? parseIsoInZone(payload.timestamp, 'UTC') : undefined;
  if (typeof payload.cli_version === 'string' && typeof payload.cwd === 'string') {
    rollout.start = { version: payload.cli_version, cwd: payload.cwd, at: at ?? ctx.time().at };
    if (!logsNameSession(payload.cli_version)) rollout.unnamed = rollout.start;
  }
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
  rollout.replay = { parent, createdAt: ctx.lineTime(o), startOrdinal };
}

/**
 * Whether a line of a forked thread's rollout is still its parent's replayed history. Newer
 * Codex numbers its lines and says where the thread's own lines start. Otherwise the replay is
 * the burst written when the thread was created (each line within a second of the one before,
 * or stamped before the thread existed, when the copy keeps the parent's times), and ends at
 * the latest when a token count falls below the replayed total (the thread's own counter).
 */
function inReplay(
  o: Json,
  state: CodexRolloutState,
  ctx: ParseContext,
  counterDropped = false,
): boolean {
  const replay = state.rollout?.replay;
  if (!replay) return false;
  let still: boolean;
  if (replay.startOrdinal !== undefined && typeof o.ordinal === 'number') {
    still = o.ordinal < replay.startOrdinal;
  } else if (counterDropped) {
    still = false;
  } else {
    const at = ctx.lineTime(o);
    const previous = replay.lastAt ?? replay.createdAt;
    still =
      at === undefined ||
      previous === undefined ||
      (replay.createdAt !== undefined && at <= replay.createdAt) ||
      at - previous <= REPLAY_GAP_MS;
  }
  if (!still) state.rollout!.replay = undefined; // the thread's own lines from here on
  return still;
}
