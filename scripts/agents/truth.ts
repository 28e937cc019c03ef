/**
 * The shape of `truth.json` beside every scenario under test/fixtures/real/<agent>-<version>/:
 * what the stand-in model server answered to each run, from its own log. Shared by the
 * generator (which writes it) and the tests (which read it).
 */

/** A run's usage as the server reported it, in the agent's own convention. */
export interface CodexUsage {
  /** Includes `cachedInput` (the Responses API's `input_tokens`). */
  input: number;
  cachedInput: number;
  /** Includes `reasoning`. */
  output: number;
  reasoning: number;
}

export interface ClaudeUsage {
  /** The four Messages API counts are disjoint. */
  input: number;
  cacheCreation: number;
  cacheRead: number;
  output: number;
}

export interface TruthRun {
  /** Names the run within its scenario: `exec`, `first`, `resumed`, `nightly-1`, … */
  name: string;
  /** The command line after the executable (the prompt included). */
  argv: string[];
  /** The log the run's output went to (its launcher), relative to the scenario folder. */
  launcher: string;
  /**
   * `codex-text` (human output), `codex-exec-json` (`--json`), `claude-result`
   * (`-p --output-format json`), `claude-stream-json` (`-p --output-format stream-json`).
   */
  launcherFormat: 'codex-text' | 'codex-exec-json' | 'claude-result' | 'claude-stream-json';
  /** The bucket radar's default rule gives the launcher (`logs/nightly.log` → `nightly`). */
  bucket: string;
  /** Codex thread id or Claude session id the run belongs to. */
  sessionId: string;
  /** The run this one resumed (its `name`), if any. */
  resumes?: string;
  /** The session file (rollout or transcript) that records this run, relative; may be shared. */
  sessionFile?: string;
  /** False when the session file records no usage for the run (Codex 0.29 rollouts). */
  sessionFileHasUsage: boolean;
  model: string;
  /** The server's sequence numbers of the model responses this run received. */
  responses: number[];
  codex?: CodexUsage;
  claude?: ClaudeUsage;
  /**
   * Tokens as a session file or JSON result counts them: Codex input + output (cached and
   * reasoning included), Claude input + cache creation + cache read + output.
   */
  tokens: number;
  /** Codex only: the human log's blended number, input − cached input + output. */
  blended?: number;
  exitCode: number;
}

export interface Truth {
  agent: 'codex' | 'claude';
  version: string;
  scenario: string;
  /** What the scenario shows, in a sentence. */
  about: string;
  runs: TruthRun[];
  /** Files that are byte-identical copies of another file of the scenario (not new usage). */
  copies: { copy: string; of: string }[];
  /** Every file of the scenario except truth.json, relative, sorted. */
  files: string[];
  /**
   * Each file's modification time when it was written (ms since the epoch): git does not keep
   * them, and a reader that dates lines without a time stamp by their file's mtime needs them.
   */
  mtimes: Record<string, number>;
}
