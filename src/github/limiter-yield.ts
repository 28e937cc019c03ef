import Bottleneck from 'bottleneck/light.js';

/**
 * Octokit's throttling and retry plugins schedule every request through Bottleneck limiters, and
 * Bottleneck waits for a timer at each step of a job even when nothing is to be waited for: its
 * in-process store yields with `setTimeout(resolve, 0)` (submit, register, free, …) and it starts
 * each job with `setTimeout(execute, 0)`. Node runs a timer no sooner than a millisecond later,
 * so every request sat idle for about 13 ms: a quarter of a second of an unchanged 1,000-PR scan
 * (20 requests), doing nothing.
 *
 * Both zero-delay timers become `setImmediate`: still a turn of the event loop (I/O callbacks run
 * first, as before), without the timer's floor. A delay Bottleneck asks for (`minTime`, a
 * retry-after, an expiration) stays a timer. Bottleneck 2.19.5 is its last release (2019), so
 * these internals are fixed; if a later version moved them, nothing is patched, and
 * test/github/limiter-yield.test.ts fails to say so.
 */

interface YieldingStore {
  yieldLoop(this: { Promise: PromiseConstructor }, t?: number): Promise<void>;
}

interface Job {
  options: { id: string; expiration?: number | null };
  doRun(): unknown;
  doExecute(limiter: unknown, clear: () => boolean, run: Run, free: Free): unknown;
}
type Run = (wait: number) => unknown;
type Free = (...args: unknown[]) => unknown;

/** The parts of a Bottleneck limiter that starting a job touches. */
interface Starting {
  _run(index: string, job: Job, wait: number): unknown;
  _clearGlobalState(index: string): boolean;
  _free(index: string, job: Job, ...rest: unknown[]): unknown;
  _limiter: unknown;
  jobStatus(id: string): string | null;
  _scheduled: Record<string, { timeout: unknown; expiration: unknown; job: Job }>;
}

const patched = new WeakSet<object>();

/** Installs both immediate starts once per process; answers whether Bottleneck was patched. */
export function yieldWithoutTimerFloor(): boolean {
  const limiter = new Bottleneck() as unknown as Partial<Starting> & { _store?: object };
  const store = limiter._store
    ? (Object.getPrototypeOf(limiter._store) as Partial<YieldingStore>)
    : undefined;
  const starter = Object.getPrototypeOf(limiter) as Partial<Starting>;
  const { yieldLoop } = store ?? {};
  const { _run: run } = starter;
  if (!store || typeof yieldLoop !== 'function' || typeof run !== 'function') return false;
  if (patched.has(store)) return true;

  store.yieldLoop = function (this: { Promise: PromiseConstructor }, t = 0) {
    if (t > 0) return yieldLoop.call(this, t);
    return new this.Promise<void>((resolve) => setImmediate(resolve));
  };
  // Bottleneck's own start of a job, with `setImmediate` for its zero-delay timer.
  starter._run = function (this: Starting, index: string, job: Job, wait: number) {
    if (wait > 0 || job.options.expiration != null) return run.call(this, index, job, wait);
    job.doRun();
    const clearGlobalState = this._clearGlobalState.bind(this, index);
    const again: Run = this._run.bind(this, index, job);
    const free: Free = this._free.bind(this, index, job);
    setImmediate(() => {
      // A timer is cancelled by `stop()`; an immediate is not: a job dropped meanwhile stays so.
      const status = this.jobStatus(job.options.id);
      if (status === 'RUNNING' || status === 'EXECUTING')
        void job.doExecute(this._limiter, clearGlobalState, again, free);
    });
    return (this._scheduled[index] = { timeout: undefined, expiration: undefined, job });
  };
  patched.add(store);
  return true;
}
