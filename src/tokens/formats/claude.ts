import {
  num,
  obj,
  invalidCount,
  shortHash,
  usageSkip,
  type Json,
  type LineFormat,
  type ParseContext,
} from './common.js';

/**
 * Claude Code: the `result` object of `claude -p --output-format json|stream-json` (a run's sum),
 * alone, in a JSON array (`--verbose`) or in a stream; and the assistant lines of its session
 * transcripts (one response is one message id, possibly written as several lines).
 */

function readClaudeUsage(u: Json | undefined) {
  if (!u) return undefined;
  if (
    invalidCount(u.input_tokens) ||
    invalidCount(u.output_tokens) ||
    invalidCount(u.cache_creation_input_tokens) ||
    invalidCount(u.cache_read_input_tokens)
  )
    return undefined;
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

export const claudeResult: LineFormat<Json, unknown> = {
  name: 'claude-result',
  accepts: (o) => o.type === 'result' && obj(o.usage) !== undefined,
  read(o, offset, _state, ctx) {
    const usage = readClaudeUsage(obj(o.usage));
    if (!usage) {
      ctx.countSkipped(usageSkip(obj(o.usage)));
      return;
    }
    if (!ctx.plausible(usage.total)) return;
    const session = typeof o.session_id === 'string' ? o.session_id.toLowerCase() : undefined;
    ctx.emit({
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
      ...ctx.time(ctx.lineTime(o)),
      agent: 'claude',
      model: mainModel(obj(o.modelUsage)),
      format: 'claude-result',
      ...usage,
      offset,
      sessionId: session,
      runKey: session ? `claude:${session}` : undefined,
      isError: o.is_error === true || (typeof o.subtype === 'string' && o.subtype !== 'success'),
    });
  },
};

/** `claude -p --output-format json --verbose` prints the whole run as one JSON array. */
export function claudeResultArray(
  text: string,
  offset: number,
  complete: boolean,
  ctx: ParseContext,
) {
  const value = ctx.parseJson(text, complete);
  if (!Array.isArray(value)) return;
  for (const item of value) {
    const o = obj(item);
    if (o && claudeResult.accepts(o)) claudeResult.read(o, offset, undefined, ctx);
  }
}

export const claudeTranscript: LineFormat<Json, unknown> = {
  name: 'claude-transcript',
  // stream-json assistant lines carry snake_case session_id and are summed by their result.
  accepts: (o) =>
    o.type === 'assistant' && obj(obj(o.message)?.usage) !== undefined && !('session_id' in o),
  read(o, offset, _state, ctx) {
    const message = obj(o.message) ?? {};
    const model = typeof message.model === 'string' ? message.model : undefined;
    if (model === '<synthetic>') return; // an API error written as a message
    const usage = readClaudeUsage(obj(message.usage));
    if (!usage) {
      ctx.countSkipped(usageSkip(obj(message.usage)));
      return;
    }
    if (!ctx.plausible(usage.total)) return;
    const lineTs = ctx.lineTime(o);
    if (lineTs !== undefined) ctx.lastTs = lineTs;
    const id = typeof message.id === 'string' ? message.id : undefined;
    const session = typeof o.sessionId === 'string' ? o.sessionId.toLowerCase() : undefined;
    const time = ctx.time(lineTs);
    ctx.emit({
      // One response is one message id, whatever request carried it: partial lines, sidechain
      // replays and retries under a new requestId (and Bedrock ids without one) merge on it.
      // Without one, the line where it stands: a byte-identical copy (a transcript synced to a
      // second machine, planned by both at once under two lineages) adds nothing. Recorded by
      // an older radar under its position in the lineage (legacyFingerprint).
      fingerprint:
        id !== undefined
          ? `claude-msg:${id}`
          : ctx.contextual('claude-transcript', offset, JSON.stringify(o)),
      legacyFingerprint: id !== undefined ? undefined : ctx.positional('claude-transcript', offset),
      keepLargest: true,
      // Field by field: a spread in the middle of a literal costs a runtime call per line.
      at: time.at,
      atSource: time.atSource,
      agent: 'claude',
      model,
      format: 'claude-transcript',
      input: usage.input,
      cachedInput: usage.cachedInput,
      cacheCreation: usage.cacheCreation,
      output: usage.output,
      total: usage.total,
      offset,
      sessionId: session,
      runKey: session ? `claude:${session}` : undefined,
    });
  },
};
