/**
 * The process groups radar has started and not yet seen the end of. While any is alive, radar
 * catches SIGINT, SIGTERM and SIGHUP so that dying never leaves a child running: every group gets
 * SIGTERM, then SIGKILL after the longest grace period asked for, then radar dies of the same
 * signal. A second signal skips the grace. A plain process exit kills what is left outright.
 */

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Forwarded = (typeof FORWARDED)[number];

interface Group {
  /** Grace between SIGTERM and SIGKILL for this group. */
  graceMs: number;
  /** Signals everything the group stands for; with 0, whether any of it is left. */
  signal: (signal: NodeJS.Signals | 0) => boolean;
}

const groups = new Map<number, Group>();
let installed = false;
let shuttingDown = false;

/** Sends a signal to a whole process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a member we may not signal (it changed user); the group still exists.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether radar is on its way out because of a signal: runs ending now must not resolve. */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

/**
 * Called just before a child is started: the signal handlers must be in place before the child
 * exists. Installed only once the child's pid is known, a signal arriving in between (the child
 * already running, radar not yet scheduled again) killed radar by the default action and left the
 * whole group running.
 */
export function armForSpawn(): void {
  install();
}

/** After a start that failed: nothing to forward to unless other groups are still tracked. */
export function disarmAfterFailedSpawn(): void {
  if (groups.size === 0 && !shuttingDown) uninstall();
}

/**
 * Watches a group until it is gone; `signal` reaches more than the group when the child's whole
 * session is contained (run.ts).
 */
export function trackGroup(
  pgid: number,
  graceMs: number,
  signal: Group['signal'] = (s) => signalGroup(pgid, s),
): void {
  groups.set(pgid, { graceMs, signal });
  install();
}

/** The group is gone (or was killed for good): stop watching it. */
export function untrackGroup(pgid: number): void {
  groups.delete(pgid);
  if (groups.size === 0 && !shuttingDown) uninstall();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of FORWARDED) process.on(signal, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const signal of FORWARDED) process.removeListener(signal, onSignal);
  process.removeListener('exit', onExit);
}

function killAll(signal: NodeJS.Signals): void {
  for (const group of groups.values()) group.signal(signal);
}

function onExit(): void {
  // Synchronous last chance (process.exit, an uncaught error): no time for a grace period.
  killAll('SIGKILL');
}

function onSignal(signal: Forwarded): void {
  if (shuttingDown) {
    // Asked twice: no more waiting.
    killAll('SIGKILL');
    die(signal);
    return;
  }
  shuttingDown = true;
  killAll('SIGTERM');
  const graceMs = Math.max(0, ...[...groups.values()].map((g) => g.graceMs));
  const deadline = Date.now() + graceMs;
  // A referenced timer keeps radar alive until its children are gone.
  const poll = setInterval(() => {
    for (const [pgid, group] of [...groups]) if (!group.signal(0)) groups.delete(pgid);
    if (groups.size > 0 && Date.now() < deadline) return;
    clearInterval(poll);
    killAll('SIGKILL');
    die(signal);
  }, 25);
}

/** Dies of the signal itself, so the parent (a shell, cron) sees what happened. */
function die(signal: Forwarded): void {
  groups.clear();
  uninstall();
  process.kill(process.pid, signal);
  // Should the default action not end the process at once, exit the way a shell would report it.
  const codes: Record<Forwarded, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  setTimeout(() => process.exit(codes[signal]), 200);
}
