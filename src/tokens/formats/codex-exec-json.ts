import {
  counterBase,
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
import { resumePrintsThreadTotal, type CodexTextState } from './codex-text.js';

/**
 * `codex exec --json` on stdout. Since 0.50: `thread.started` names the thread, `turn.completed`
 * carries the thread's usage so far (a turn adds its increase). 0.29 and 0.36 print protocol
 * events instead: `{"id":…,"msg":{"type":"session_configured","session_id":…}}` names the
 * session, `{"id":…,"msg":{"type":"token_count","info":{"total_token_usage":…}}}` carries the
 * process's cumulative usage.
 */

export interface CodexExecJsonState extends CodexTextState {
  /** The thread and its last cumulative usage. */
  execThread?: { id?: string; last?: Usage };
}

const msgOf = (o: Json) => (typeof o.type === 'string' ? undefined : obj(o.msg));

export const codexExecJson: LineFormat<Json, CodexExecJsonState> = {
  name: 'codex-exec-json',
  accepts: (o) =>
    o.type === 'thread.started' ||
    o.type === 'turn.completed' ||
    msgOf(o)?.type === 'token_count' ||
    msgOf(o)?.type === 'session_configured',
  read(o, offset, state, ctx) {
    const msg = msgOf(o);
    if (o.type === 'thread.started' || msg?.type === 'session_configured') {
      const raw = msg ? msg.session_id : o.thread_id;
      const id = typeof raw === 'string' ? raw.toLowerCase() : undefined;
      ctx.note(JSON.stringify(o));
      // A resumed thread keeps counting from its total, unless the Codex that printed it (the
      // version of a human header in the same log) starts a resumed run's counter from zero.
      const restarts = !resumePrintsThreadTotal(state.codexRun?.version);
      if (state.execThread?.id !== id || restarts || msg) state.execThread = { id };
      return;
    }
    if (msg) tokenCountMsg(msg, offset, state, ctx);
    else turnCompleted(o, offset, state, ctx);
  },
};

/**
 * `turn.completed` reports the thread's total so far (Codex keeps the last total_token_usage),
 * so a turn adds its increase; a resumed thread's first turn includes its earlier runs, which
 * the ledger subtracts through the thread total (from 0.79 on; before, it is the run's own).
 */
function turnCompleted(o: Json, offset: number, state: CodexExecJsonState, ctx: ParseContext) {
  const usage = obj(o.usage);
  const now = usage ? readCodexUsage(usage) : undefined;
  if (!usage || !now) {
    ctx.countSkipped(usageSkip(usage));
    return;
  }
  const thread = (state.execThread ??= {});
  const before = thread.last && thread.last.total <= now.total ? thread.last : zeroUsage();
  const threadTotal = resumePrintsThreadTotal(state.codexRun?.version);
  emitIncrease(o, offset, now, before, thread, ctx, threadTotal);
}

/** 0.29/0.36: a token_count of the process's cumulative usage (or, older, one response's). */
function tokenCountMsg(msg: Json, offset: number, state: CodexExecJsonState, ctx: ParseContext) {
  const info = obj(msg.info);
  const thread = (state.execThread ??= {});
  if (!info) {
    if (msg.info === null) return; // a rate-limit-only event
    // The oldest protocol: the usage of one response, flat in the message.
    const own = readCodexUsage({ ...msg, type: undefined });
    if (!own) return ctx.countSkipped(usageSkip(msg));
    emitIncrease(msg, offset, own, zeroUsage(), { id: thread.id }, ctx, false);
    return;
  }
  const cumulative = obj(info.total_token_usage);
  if (!cumulative) return;
  const now = readCodexUsage(cumulative);
  if (!now) return ctx.countSkipped(usageSkip(cumulative));
  const lastUsage = obj(info.last_token_usage);
  const before = counterBase(
    now,
    lastUsage && readCodexUsage(lastUsage),
    thread.last ?? zeroUsage(),
  );
  emitIncrease(msg, offset, now, before, thread, ctx, false, true);
}

function emitIncrease(
  line: Json,
  offset: number,
  now: Usage,
  before: Usage,
  thread: NonNullable<CodexExecJsonState['execThread']>,
  ctx: ParseContext,
  threadTotal: boolean,
  cumulative = false,
): void {
  const delta = now.total - before.total;
  thread.last = now;
  if (delta <= 0) return;
  if (!ctx.plausible(delta)) return;
  const id = thread.id;
  ctx.emit({
    fingerprint: ctx.contextual('codex-exec-json', offset, JSON.stringify(line)),
    legacyFingerprint: ctx.positional('codex-exec-json', offset),
    keepLargest: false,
    ...ctx.time(),
    agent: 'codex',
    format: 'codex-exec-json',
    ...usageIncrease(now, before),
    offset,
    sessionId: id,
    runKey: id ? `codex:${id}` : undefined,
    threadTotal: id && threadTotal ? { ...now } : undefined,
    // 0.36 names no session: its cumulative usage is the one its rollout records.
    runHeader: !id && cumulative ? { at: ctx.time().at, usage: { ...now } } : undefined,
  });
}
