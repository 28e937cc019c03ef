/** What the token parsers produce: plain data, no I/O. */

export type Agent = 'codex' | 'claude';

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
  /** For transcripts: several lines share a fingerprint; the largest one is the truth. */
  keepLargest: boolean;
  at: number;
  atSource: TimeSource;
  agent: Agent;
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
}

/** A quota window an agent reported about itself (Codex rollout rate_limits). */
export interface RateLimitSample {
  provider: Agent;
  windowMinutes: number;
  usedPercent: number;
  resetsAt?: number;
  at: number;
}

export type SkipReason = 'malformed-json' | 'oversized-line' | 'bad-usage' | 'bad-number';
