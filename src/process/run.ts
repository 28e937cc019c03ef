/**
 * The one way radar starts a child process. Each child leads its own process group, so a time
 * limit or an abort ends everything it started: SIGTERM to the group, SIGKILL after a grace
 * period. A run is over when the child exits, even if a grandchild still holds its pipes (they are
 * cut after a short drain). Output is streamed to callbacks and kept in memory only up to a bound.
 * A command that cannot start is a result, not an exception. No shell, unless asked for
 * (`runShell`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { startWatchdog, type Watchdog } from './contain.js';
import {
  armForSpawn,
  disarmAfterFailedSpawn,
  isShuttingDown,
  signalGroup,
  trackGroup,
  untrackGroup,
} from './groups.js';
import { BoundedOutput, type Output } from './output.js';
import { findSession, mergeProcs, signalProcs, type Proc } from './tree.js';

export type { Output } from './output.js';

export interface RunOptions {
  args?: readonly string[];
  cwd?: string;
  /** The child's whole environment (default: radar's own). */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Uint8Array;
  /** Wall-clock limit; 0 or absent: none. */
  timeoutMs?: number;
  /** Limit on silence: no byte on stdout or stderr for this long ends the run; 0 or absent: none. */
  idleTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL to the group (default 2000). */
  killGraceMs?: number;
  /** Aborting ends the run like a time limit does. */
  signal?: AbortSignal;
  /** Output as it arrives, decoded as UTF-8 (never split inside a character). */
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Called once the child runs, with its pid (also its process group id). */
  onSpawn?: (pid: number) => void;
  /** Bytes of each stream kept in memory: the first and last half of this (default 1 MiB). */
  maxOutputBytes?: number;
  /** After the child exits, how long its pipes may stay silent before they are cut (default 250). */
  drainMs?: number;
  /**
   * Contains the child's whole session, not only its group: the child's environment carries
   * `tag` (`NAME=value`, unique to this run), and a stop reaches the group, every descendant of
   * its members and every process carrying the tag (tree.ts), so a grandchild that called
   * `setsid` or was re-parented is stopped too. A watchdog process (watchdog.ts) stops the
   * session should radar die before it ends (SIGKILL included), or should the time limit and
   * grace pass without radar acting.
   */
  contain?: { tag: string };
}

export interface Exited {
  kind: 'exited';
  pid: number;
  /** Exit code, or null when a signal ended the child. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit ran out (the group was then terminated). */
  timedOut: boolean;
  /** The child stayed silent for the idle limit (the group was then terminated). */
  idle: boolean;
  /** The abort signal fired (the group was then terminated). */
  aborted: boolean;
  durationMs: number;
  stdout: Output;
  stderr: Output;
}

export interface SpawnFailed {
  kind: 'spawn-error';
  /** ENOENT (not found), EACCES (not executable), ABORT_ERR (aborted before it started), … */
  code: string | undefined;
  message: string;
  durationMs: number;
}

export type RunResult = Exited | SpawnFailed;

export const DEFAULT_KILL_GRACE_MS = 2000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_DRAIN_MS = 250;
/** The watchdog acts this long after radar's own kill would have (radar reports it first). */
const WATCHDOG_SLACK_MS = 2000;

/** Runs `command` with `args` directly (no shell). Never rejects. */
export function run(command: string, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (options.signal?.aborted) {
    return Promise.resolve({
      kind: 'spawn-error',
      code: 'ABORT_ERR',
      message: `${command}: aborted before it started`,
      durationMs: 0,
    });
  }
  let env = options.env ?? process.env;
  let watchdog: Watchdog | undefined;
  if (options.contain) {
    const { tag } = options.contain;
    const eq = tag.indexOf('=');
    env = { ...env, [tag.slice(0, eq)]: tag.slice(eq + 1) };
    const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const deadline = options.timeoutMs ? options.timeoutMs + graceMs + WATCHDOG_SLACK_MS : 0;
    try {
      // Before the child: from its first instant, radar dying stops it.
      watchdog = startWatchdog(tag, deadline, graceMs);
    } catch (error) {
      return Promise.resolve(spawnFailed(command, error, elapsed()));
    }
  }
  let child: ChildProcess;
  armForSpawn();
  try {
    child = spawn(command, options.args ?? [], {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    disarmAfterFailedSpawn();
    watchdog?.done();
    return Promise.resolve(spawnFailed(command, error, elapsed()));
  }
  const pid = child.pid;
  if (pid === undefined) {
    disarmAfterFailedSpawn();
    watchdog?.done();
    // The 'error' event follows on the next tick (ENOENT, EACCES, a missing cwd).
    return new Promise((resolve) => {
      child.once('error', (error) => resolve(spawnFailed(command, error, elapsed())));
    });
  }
  watchdog?.watch(pid);
  return supervise(child, pid, options, elapsed, watchdog);
}

/** Runs a shell command line the user wrote (e.g. a config's usageCommand) as `/bin/sh -c`. */
export function runShell(
  script: string,
  options: Omit<RunOptions, 'args'> = {},
): Promise<RunResult> {
  return run('/bin/sh', { ...options, args: ['-c', script] });
}

function spawnFailed(command: string, error: unknown, durationMs: number): SpawnFailed {
  const e = error as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message =
    code === 'ENOENT'
      ? `${command}: command not found`
      : code === 'EACCES'
        ? `${command}: permission denied`
        : `${command}: ${e instanceof Error ? e.message : String(error)}`;
  return { kind: 'spawn-error', code, message, durationMs };
}

function supervise(
  child: ChildProcess,
  pid: number,
  options: RunOptions,
  elapsed: () => number,
  watchdog: Watchdog | undefined,
): Promise<RunResult> {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const tag = options.contain?.tag;
  // Every process of a contained session signalled so far (a re-parented one, found once, is
  // still killed after the grace).
  let seen: Proc[] = [];
  /** Signals the group, or the whole contained session; with 0, whether any of it is left. */
  const signalAll = (signal: NodeJS.Signals | 0): boolean => {
    if (tag === undefined) return signalGroup(pid, signal);
    const found = findSession(pid, tag);
    if (signal !== 0) {
      seen = mergeProcs(seen, found);
      signalProcs(seen, signal);
    }
    return found.length > 0;
  };
  trackGroup(pid, graceMs, signalAll);
  options.onSpawn?.(pid);
  // Radar signals the group itself (never child.kill), so no 'error' is expected after the start.
  child.on('error', () => {});

  const stdout = new BoundedOutput(limit);
  const stderr = new BoundedOutput(limit);
  let lastData = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const collect = (
    stream: Readable | null,
    into: BoundedOutput,
    callback: ((text: string) => void) | undefined,
  ) => {
    if (!stream) return;
    const decoder = callback ? new StringDecoder('utf8') : undefined;
    stream.on('data', (chunk: Buffer) => {
      lastData = performance.now();
      idleTimer?.refresh();
      into.push(chunk);
      if (decoder && callback) {
        const text = decoder.write(chunk);
        if (text) callback(text);
      }
    });
    stream.on('end', () => {
      const rest = decoder?.end();
      if (rest && callback) callback(rest);
    });
    // A pipe cut after the child exited is expected; nothing else can fail here.
    stream.on('error', () => {});
  };
  collect(child.stdout, stdout, options.onStdout);
  collect(child.stderr, stderr, options.onStderr);
  if (child.stdin) {
    // A child that exits without reading its input is not an error of radar's.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  }

  let timedOut = false;
  let idle = false;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (killTimer) return;
    signalAll('SIGTERM');
    killTimer = setTimeout(() => {
      signalAll('SIGKILL');
      untrackGroup(pid);
      watchdog?.done();
    }, graceMs);
  };
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          terminate();
        }, options.timeoutMs)
      : undefined;
  if (options.idleTimeoutMs && options.idleTimeoutMs > 0)
    idleTimer = setTimeout(() => {
      idle = true;
      terminate();
    }, options.idleTimeoutMs);
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the child left behind in its group is ended too; radar leaves nothing running.
      if (signalAll(0)) terminate();
      // The SIGKILL still due must not hold radar open once the child itself is gone (should
      // radar exit first, its watchdog finishes the job).
      killTimer?.unref();
      drain(child, drainMs, () => lastData).then(
        () => {
          if (!signalAll(0)) {
            if (killTimer) clearTimeout(killTimer);
            untrackGroup(pid);
            watchdog?.done();
          }
          // On the way out after a signal, the command must not carry on with a half result.
          if (isShuttingDown()) return;
          resolve({
            kind: 'exited',
            pid,
            code,
            signal,
            timedOut,
            idle,
            aborted,
            durationMs: elapsed(),
            stdout: stdout.result(),
            stderr: stderr.result(),
          });
        },
        () => {},
      );
    });
  });
}

/**
 * Waits for the child's pipes to reach end-of-file; a pipe still open (a grandchild holds it) and
 * silent for `drainMs` is destroyed. Data already waiting is always read first: the silence is
 * checked after the event loop's I/O phase, so a busy loop cannot cut off output.
 */
function drain(child: ChildProcess, drainMs: number, lastData: () => number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter(
    (s): s is Readable => s !== null && !s.readableEnded && !s.destroyed,
  );
  if (streams.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let open = streams.length;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (--open > 0) return;
      if (timer) clearTimeout(timer);
      resolve();
    };
    for (const s of streams) s.once('close', done);
    const check = () => {
      setImmediate(() => {
        if (open === 0) return;
        const quietFor = performance.now() - lastData();
        if (quietFor < drainMs) {
          timer = setTimeout(check, drainMs - quietFor);
          return;
        }
        for (const s of streams) s.destroy();
      });
    };
    timer = setTimeout(check, drainMs);
  });
}

/** One line saying why a run did not succeed, or undefined when it exited 0. */
export function describeFailure(result: RunResult, timeoutMs?: number): string | undefined {
  if (result.kind === 'spawn-error') return result.message;
  if (result.timedOut)
    return `timed out after ${timeoutMs ?? result.durationMs} ms${result.signal === 'SIGKILL' ? ' (killed)' : ''}`;
  if (result.idle) return 'stopped: no output within the idle time limit';
  if (result.aborted) return 'aborted';
  if (result.signal) return `killed by ${result.signal}`;
  if (result.code !== 0) {
    const last = result.stderr.text.trim().split('\n').pop()?.trim();
    return `exit ${result.code}${last ? `: ${last}` : ''}`;
  }
  return undefined;
}
