import type { DispatchLedger } from '../ledger/ports.js';

/** How often a lease is renewed: three times per lease, so one late renewal never loses it. */
export const renewEvery = (leaseMs: number): number => Math.max(100, Math.floor(leaseMs / 3));

/**
 * Keeps escalation `id`'s lease ahead of the wall clock while its session runs: every third of
 * `leaseMs` it is extended to now + leaseMs, until the returned stop is called or the session is
 * no longer running (closed, or reaped by another machine after the lease expired). A renewal
 * that fails (the server unreachable for a moment) is tried again at the next tick; should they
 * keep failing, the lease expires and other machines take the session for dead, as they should.
 */
export function holdLease(
  store: Pick<DispatchLedger, 'renewLease'>,
  id: number,
  leaseMs: number,
  clock: () => number = Date.now,
): () => void {
  const timer = setInterval(() => {
    try {
      if (!store.renewLease(id, clock() + leaseMs)) clearInterval(timer);
    } catch {
      // Tried again at the next tick.
    }
  }, renewEvery(leaseMs));
  timer.unref();
  return () => clearInterval(timer);
}
