import {
  obj,
  readCodexUsage,
  usageIncrease,
  usageSkip,
  zeroUsage,
  type Json,
  type LineFormat,
  type Usage,
} from './common.js';

/**
 * `codex exec --json` on stdout: `thread.started` names the thread, `turn.completed` carries
 * the thread's usage so far (a turn adds its increase).
 */

export interface CodexExecJsonState {
  /** The thread and its last cumulative usage. */
  execThread?: { id?: string; last?: Usage };
}

export const codexExecJson: LineFormat<Json, CodexExecJsonState> = {
  name: 'codex-exec-json',
  accepts: (o) => o.type === 'thread.started' || o.type === 'turn.completed',
  read(o, offset, state, ctx) {
    if (o.type === 'thread.started') {
      const id = typeof o.thread_id === 'string' ? o.thread_id : undefined;
      // A resumed thread keeps counting from its total; another thread starts from zero.
      if (state.execThread?.id !== id) state.execThread = { id };
      return;
    }
    // `turn.completed` reports the thread's total so far (Codex keeps the last
    // total_token_usage), so a turn adds its increase; a resumed thread's first turn includes
    // its earlier runs, which the ledger subtracts through the thread total.
    const usage = obj(o.usage);
    const now = usage ? readCodexUsage(usage) : undefined;
    if (!usage || !now) {
      ctx.countSkipped(usageSkip(usage));
      return;
    }
    const thread = (state.execThread ??= {});
    const before = thread.last && thread.last.total <= now.total ? thread.last : zeroUsage();
    const delta = now.total - before.total;
    thread.last = now;
    if (delta <= 0) return;
    if (!ctx.plausible(delta)) return;
    const id = thread.id?.toLowerCase();
    ctx.emit({
      fingerprint: ctx.positional('codex-exec-json', offset),
      keepLargest: false,
      ...ctx.time(),
      agent: 'codex',
      format: 'codex-exec-json',
      ...usageIncrease(now, before),
      offset,
      sessionId: id,
      runKey: id ? `codex:${id}` : undefined,
      threadTotal: id ? { ...now } : undefined,
    });
  },
};
