/**
 * One agent session on the process runner: its own process group, the prompt on stdin, wall-clock
 * and idle limits, SIGTERM then SIGKILL to the group, over when the agent exits even if a
 * grandchild keeps its pipes. Output is streamed line by line into a run log (never held whole;
 * past a size cap only lines that can carry token markers are kept) and parsed for markers as it
 * arrives, so radar knows the session id and tokens so far while the agent works.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFailure, run, type RunResult } from '../process/run.js';
import { JSON_NEEDLES, MAX_LINE, MarkerParser, sessionIdIn } from '../tokens/parse.js';
import type { TokenEvent } from '../core/tokens.js';

export interface SessionRequest {
  command: string;
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  prompt: string;
  runLog: string;
  /** First line of the run log (it carries the start time for markers without their own). */
  header: string;
  timeoutMs: number;
  idleTimeoutMs: number;
  killGraceMs: number;
  runLogMaxBytes: number;
  zone: string;
  /**
   * `NAME=value` in the agent's environment, unique to the session: with it, stopping the
   * session stops whatever the agent started (process/tree.ts), and a watchdog stops it should
   * radar die first (process/watchdog.ts).
   */
  tag: string;
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
  /** Each time the markers printed so far add up to more tokens: the total so far. */
  onTokens?: (tokensSoFar: number) => void;
}

export type SessionResult =
  | {
      kind: 'ran';
      outcome: 'succeeded' | 'failed' | 'timed_out';
      exitCode: number | null;
      reason: string | null;
      sessionId: string | null;
      runKeys: string[];
      /** Tokens the markers printed so far (live parse); null when none was seen. */
      liveTokens: number | null;
      /** `claude -p` results seen live (identified by content, not by position in the log). */
      results: TokenEvent[];
      bytes: number;
      durationMs: number;
    }
  /** The agent could not be started (missing, not executable): the next agent may be tried. */
  | { kind: 'spawn-failed'; reason: string };

/** A line worth keeping in a run log past its size cap: it may carry a token marker or an id. */
export function markerLike(line: string): boolean {
  return (
    /tokens used|OpenAI Codex v|session id|^\s*[\d.,'’\u00a0\u202f ]+\s*$/i.test(line) ||
    (line.trimStart().startsWith('{') && JSON_NEEDLES.some((n) => line.includes(n))) ||
    (line.trimStart().startsWith('[{') && line.includes('"result"'))
  );
}

/** The run log: whole lines, synchronous writes (bounded memory whatever the agent prints). */
class RunLog {
  private readonly fd: number;
  private written = 0;
  private omitted = 0;
  constructor(
    path: string,
    private readonly cap: number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }
  get offset(): number {
    return this.written;
  }
  /** Writes a line; past the cap only marker-like lines. Returns its offset, or -1 if dropped. */
  line(text: string): number {
    if (this.written >= this.cap && !markerLike(text)) {
      this.omitted += Buffer.byteLength(text) + 1;
      return -1;
    }
    const at = this.written;
    const buf = Buffer.from(`${text}\n`);
    writeSync(this.fd, buf);
    this.written += buf.length;
    return at;
  }
  close(): void {
    if (this.omitted > 0)
      writeSync(
        this.fd,
        `# radar: ${this.omitted} bytes of output without token markers were not kept\n`,
      );
    closeSync(this.fd);
  }
}

/** Splits a stream into lines; an overlong line is written in pieces and never parsed. */
class LineSplitter {
  private partial = '';
  private overlong = false;
  constructor(private readonly emit: (line: string, parse: boolean) => void) {}
  push(text: string): void {
    let start = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
      const piece = this.partial + text.slice(start, i);
      this.emit(piece.endsWith('\r') ? piece.slice(0, -1) : piece, !this.overlong);
      this.partial = '';
      this.overlong = false;
      start = i + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE) {
      this.emit(this.partial, false);
      this.partial = '';
      this.overlong = true;
    }
  }
  end(): void {
    if (this.partial) this.emit(this.partial, !this.overlong);
    this.partial = '';
  }
}

export async function runSession(req: SessionRequest): Promise<SessionResult> {
  const log = new RunLog(req.runLog, req.runLogMaxBytes);
  const parser = new MarkerParser({ zone: req.zone, mtimeMs: Date.now(), lineage: 'live' });
  let sessionId: string | null = null;
  let bytes = 0;
  let seen = 0;
  let soFar = 0;
  const onLine = (line: string, parse: boolean) => {
    const offset = log.line(line);
    if (!parse) return;
    sessionId ??= sessionIdIn(line) ?? null;
    parser.line(line, offset < 0 ? log.offset : offset);
    const events = parser.events;
    if (events.length === seen) return;
    for (; seen < events.length; seen++) soFar += events[seen]!.total;
    req.onTokens?.(soFar);
  };
  const out = new LineSplitter(onLine);
  const err = new LineSplitter(onLine);
  let result: RunResult;
  try {
    log.line(req.header);
    result = await run(req.command, {
      args: req.argv,
      cwd: req.cwd,
      env: req.env,
      input: req.prompt,
      timeoutMs: req.timeoutMs,
      idleTimeoutMs: req.idleTimeoutMs,
      killGraceMs: req.killGraceMs,
      signal: req.signal,
      contain: { tag: req.tag },
      maxOutputBytes: 64 * 1024,
      onSpawn: req.onSpawn,
      onStdout: (t) => {
        bytes += t.length;
        out.push(t);
      },
      onStderr: (t) => {
        bytes += t.length;
        err.push(t);
      },
    });
    out.end();
    err.end();
  } finally {
    log.close();
  }
  if (result.kind === 'spawn-error') return { kind: 'spawn-failed', reason: result.message };
  const events = parser.events;
  const runKeys = [...new Set(events.map((e) => e.runKey).filter((k): k is string => !!k))];
  sessionId ??= events.find((e) => e.sessionId)?.sessionId ?? null;
  const liveTokens = events.length ? events.reduce((sum, e) => sum + e.total, 0) : null;
  const errorResult = events.some((e) => e.format === 'claude-result' && e.isError);
  let outcome: 'succeeded' | 'failed' | 'timed_out';
  let reason = describeFailure(result, req.timeoutMs) ?? null;
  if (result.timedOut || result.idle) outcome = 'timed_out';
  else if (reason) outcome = 'failed';
  else if (errorResult) {
    outcome = 'failed';
    reason = 'the agent reported an error result (is_error)';
  } else outcome = 'succeeded';
  return {
    kind: 'ran',
    outcome,
    exitCode: result.code,
    reason,
    sessionId,
    runKeys,
    liveTokens,
    results: events.filter((e) => e.format === 'claude-result'),
    bytes,
    durationMs: result.durationMs,
  };
}
