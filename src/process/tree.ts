/**
 * What a child session started, found from the process table (Linux /proc), so that stopping the
 * session stops all of it and not only its process group. A session is found three ways, each
 * covering what the others miss:
 * - its process group (every member, whatever its parent);
 * - the descendants of its members, by parent pid (a grandchild that called `setsid` left the
 *   group but is still a child of its parent while that parent lives);
 * - a tag in the environment (`NAME=value`, set by radar on the child and inherited by whatever
 *   it starts): a process whose parent exited, re-parented to init after a double fork, still
 *   carries it.
 * Not found: a process started with a scrubbed environment (`env -i`) whose ancestors within the
 * session have all exited, a process of another user (sudo), and whatever another daemon starts on
 * the session's behalf (a container engine, a build server already running).
 * Elsewhere than Linux the table is empty and stopping a session is stopping its group.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks after boot: with the pid, it names one process (pids are reused). */
  start: number;
  /** Exited and not yet reaped: nothing left to stop. */
  zombie: boolean;
}

/** One `/proc/<pid>/stat` line (the command name may hold spaces and parentheses). */
export function parseStat(text: string): Proc | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const pgid = Number(f[2]);
  const start = Number(f[19]);
  if (![pid, ppid, pgid, start].every((n) => Number.isSafeInteger(n) && n >= 0) || f.length < 20)
    return undefined;
  return { pid, ppid, pgid, start, zombie: f[0] === 'Z' || f[0] === 'X' };
}

export interface SessionScope {
  /** The session's process group, when it is known to be the session's own. */
  pgid: number | null;
  /** Processes that carry the session's tag. */
  tagged: ReadonlySet<number>;
  /** Never part of the session (radar itself, its watchdog). */
  exclude: ReadonlySet<number>;
}

/**
 * The live processes of a session (pure): the group's members and the tagged processes, then
 * every descendant of those, zombies and excluded pids left out. Ordered by pid.
 */
export function sessionMembers(procs: readonly Proc[], scope: SessionScope): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, Proc>();
  const stack = procs.filter(
    (p) => (scope.pgid !== null && p.pgid === scope.pgid) || scope.tagged.has(p.pid),
  );
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (found.has(p.pid) || p.pid <= 1) continue;
    found.set(p.pid, p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return [...found.values()]
    .filter((p) => !p.zombie && !scope.exclude.has(p.pid))
    .sort((a, b) => a.pid - b.pid);
}

/** The process table now; empty where there is no /proc. */
export function readProcs(): Proc[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const procs: Proc[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) procs.push(p);
  }
  return procs;
}

function readProc(pid: number): Proc | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** Whether the process's environment (as it was started) holds `tag` (`NAME=value`). */
export function carriesTag(pid: number, tag: string): boolean {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return false; // gone, or another user's
  }
  const needle = Buffer.from(`${tag}\0`);
  for (let at = env.indexOf(needle); at !== -1; at = env.indexOf(needle, at + 1))
    if (at === 0 || env[at - 1] === 0) return true;
  return false;
}

/**
 * The live processes of the session tagged `tag`, with its recorded group `pgid` (if any). The
 * group is trusted only while its leader carries the tag or is gone (a group outlives its
 * leader, and its id is not reused while any member lives): a recorded id now leading someone
 * else's group is not the session's.
 */
export function findSession(pgid: number | null, tag: string): Proc[] {
  const procs = readProcs();
  const tagged = new Set<number>();
  for (const p of procs) if (!p.zombie && carriesTag(p.pid, tag)) tagged.add(p.pid);
  const leader = pgid === null ? undefined : procs.find((p) => p.pid === pgid);
  const own = pgid !== null && (!leader || leader.zombie || tagged.has(pgid));
  return sessionMembers(procs, {
    pgid: own ? pgid : null,
    tagged,
    exclude: new Set([process.pid, process.ppid]),
  });
}

/**
 * Signals each process that is still the one found (same pid and start time). Returns how many
 * were signalled.
 */
export function signalProcs(procs: readonly Proc[], signal: NodeJS.Signals): number {
  let n = 0;
  for (const p of procs) {
    const now = readProc(p.pid);
    if (!now || now.start !== p.start || now.zombie) continue;
    try {
      process.kill(p.pid, signal);
      n++;
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return n;
}

/** The union of two findings, by pid and start time. */
export function mergeProcs(a: readonly Proc[], b: readonly Proc[]): Proc[] {
  const key = (p: Proc) => `${p.pid}:${p.start}`;
  const seen = new Map(a.map((p) => [key(p), p]));
  for (const p of b) seen.set(key(p), p);
  return [...seen.values()];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a session: SIGTERM to every process found, then, once `graceMs` has passed with any left,
 * SIGKILL to those and to whatever is found then. True when nothing of it is left.
 */
export async function stopSession(
  pgid: number | null,
  tag: string,
  graceMs: number,
): Promise<boolean> {
  let found = findSession(pgid, tag);
  if (found.length === 0) return true;
  signalProcs(found, 'SIGTERM');
  const until = Date.now() + graceMs;
  for (;;) {
    const left = findSession(pgid, tag);
    if (left.length === 0) return true;
    found = mergeProcs(found, left);
    if (Date.now() >= until) break;
    await sleep(Math.min(50, Math.max(1, until - Date.now())));
  }
  signalProcs(found, 'SIGKILL');
  for (let i = 0; i < 40; i++) {
    const left = findSession(pgid, tag);
    if (left.length === 0) return true;
    signalProcs(left, 'SIGKILL');
    await sleep(25);
  }
  return findSession(pgid, tag).length === 0;
}
