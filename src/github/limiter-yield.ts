import Bottleneck from 'bottleneck/light.js';

/**
 * Octokit's throttling and retry plugins schedule every request through Bottleneck, and
 * Bottleneck's in-process store yields to the event loop with `setTimeout(resolve, 0)` at every
 * step of a job (submit, register, free, …). Node runs a timer no sooner than a millisecond
 * later, so each request waited, idle, about 10 ms before it was sent and after it was answered:
 * a fifth of a second of an unchanged 1,000-PR scan (20 requests), doing nothing.
 *
 * The store's zero-delay yield becomes `setImmediate`: still a yield to the event loop (I/O
 * callbacks run first, as before), without the timer's floor. A delay Bottleneck asks for
 * (`minTime`, a retry-after) stays a timer. Bottleneck 2.19.5 is its last release (2019), so the
 * store's shape is fixed; if a later version moved the method, nothing is patched, and
 * test/github/limiter-yield.test.ts fails to say so.
 */

interface YieldingStore {
  yieldLoop(this: { Promise: PromiseConstructor }, t?: number): Promise<void>;
}

/** The prototype of Bottleneck's in-process store, found through a throwaway limiter. */
function localStorePrototype(): Partial<YieldingStore> | null {
  const store = (new Bottleneck() as unknown as { _store?: object })._store;
  return store ? (Object.getPrototypeOf(store) as Partial<YieldingStore>) : null;
}

const patched = new WeakSet<object>();

/** Installs the immediate yield once per process; answers whether the store is patched. */
export function yieldWithoutTimerFloor(): boolean {
  const proto = localStorePrototype();
  if (!proto || typeof proto.yieldLoop !== 'function') return false;
  if (patched.has(proto)) return true;
  const timed = proto.yieldLoop;
  proto.yieldLoop = function (this: { Promise: PromiseConstructor }, t = 0) {
    if (t > 0) return timed.call(this, t);
    return new this.Promise<void>((resolve) => setImmediate(resolve));
  };
  patched.add(proto);
  return true;
}
