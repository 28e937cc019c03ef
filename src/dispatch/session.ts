/**
 * One agent session on the process runner: its own process group, the prompt on stdin, wall-clock
 * and idle limits, SIGTERM then SIGKILL to the group, over when the agent exits even if a
 * grandchild keeps its pipes. Output is streamed line by line into a run log (never held whole;
 * past a size cap only lines that can carry token markers are kept). The session only captures:
 * the run log is the record of what the agent printed, and the ingest is the one parser that
 * reads it (dispatch/tokens.ts), here as for a session whose radar was killed. While it runs, a
 * tally of the markers printed so far (tokens/parse.ts `LiveTally`) goes to `onTokens`, an
 * estimate for the budget gate only.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFailure, run, type RunResult } from '../process/run.js';
import { JSON_NEEDLES, LiveTally, MAX_LINE } from '../tokens/parse.js';
import { makeFolders } from '../files/folders.js';

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
  /**
   * `NAME=value` in the agent's environment, unique to the session: with it, stopping the
   * session stops whatever the agent started (process/tree.ts), and a watchdog stops it should
   * radar die first (process/watchdog.ts).
   */
  tag: string;
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
  /**
   * Each time the markers printed so far add up to more tokens: the total so far, an estimate
   * for the budget gate while the session runs (never recorded as its tokens).
   */
  onTokens?: (tokensSoFar: number) => void;
}

export type SessionOutcome = 'succeeded' | 'failed' | 'timed_out';

export type SessionResult =
  | {
      kind: 'ran';
      /** As the process ended; what the agent reported in its output may still fail it (finalOutcome). */
      outcome: SessionOutcome;
      exitCode: number | null;
      reason: string | null;
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

/**
 * A session's outcome once its output is read: an agent that exited cleanly but reported an
 * error result (`claude -p` with `is_error`) failed.
 */
export function finalOutcome(
  ran: { outcome: SessionOutcome; reason: string | null },
  reportedError: boolean,
): { outcome: SessionOutcome; reason: string | null } {
  if (ran.outcome !== 'succeeded' || !reportedError) return ran;
  return { outcome: 'failed', reason: 'the agent reported an error result (is_error)' };
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
    makeFolders(dirname(path));
    this.fd = openSync(path, 'a');
    // The cap is the file's: a log appended to (the next agent after one that could not start)
    // counts what it holds.
    this.written = fstatSync(this.fd).size;
  }
  /** Writes a line; past the cap only marker-like lines. */
  line(text: string): void {
    if (this.written >= this.cap && !markerLike(text)) {
      this.omitted += Buffer.byteLength(text) + 1;
      return;
    }
    const buf = Buffer.from(`${text}\n`);
    writeSync(this.fd, buf);
    this.written += buf.length;
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

/**
 * Splits a stream into lines; an overlong line (longer than any marker the parser reads) is
 * written in pieces, so a line without a newline never grows without bound.
 */
class LineSplitter {
  private partial = '';
  private overlong = false;
  /** `whole`: false for the pieces of an overlong line, which no marker is. */
  constructor(private readonly emit: (line: string, whole: boolean) => void) {}
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
  let bytes = 0;
  // An estimate for the gate only: what the session spent is what the ingest reads from its log.
  const tally = new LiveTally();
  const onLine = (line: string, whole: boolean) => {
    log.line(line);
    if (whole && req.onTokens && tally.line(line)) req.onTokens(tally.total);
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
  const reason = describeFailure(result, req.timeoutMs) ?? null;
  const outcome: SessionOutcome =
    result.timedOut || result.idle ? 'timed_out' : reason ? 'failed' : 'succeeded';
  return {
    kind: 'ran',
    outcome,
    exitCode: result.code,
    reason,
    bytes,
    durationMs: result.durationMs,
  };
}
