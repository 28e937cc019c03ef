import { describe, expect, it } from 'vitest';
import { holdLease } from '../../src/dispatch/lease.js';

/** Polls until `done` holds (a real timer is under test: no fixed sleeps). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
}

describe('holdLease', () => {
  it('extends the lease to the clock plus the lease until the session is no longer running', async () => {
    const renewals: [number, number][] = [];
    let clock = 1_000;
    const stop = holdLease(
      {
        renewLease: (id, until) => {
          renewals.push([id, until]);
          clock += 50;
          // The third renewal finds the session closed.
          return renewals.length < 3;
        },
      },
      7,
      300,
      () => clock,
    );
    await until(() => renewals.length >= 3);
    // Closed: no renewal after the one that found it so; a later tick would have added one.
    const after = renewals.length;
    await new Promise((r) => setTimeout(r, 350));
    stop();
    expect(after).toBe(3);
    expect(renewals).toEqual([
      [7, 1_300],
      [7, 1_350],
      [7, 1_400],
    ]);
  });

  it('a renewal that throws is tried again at the next tick; stop ends the renewals', async () => {
    let calls = 0;
    const stop = holdLease(
      {
        renewLease: () => {
          calls++;
          if (calls === 1) throw new Error('server gone for a moment');
          return true;
        },
      },
      1,
      300,
    );
    await until(() => calls >= 2);
    stop();
    const stopped = calls;
    await new Promise((r) => setTimeout(r, 350));
    expect(calls).toBe(stopped);
  });
});
