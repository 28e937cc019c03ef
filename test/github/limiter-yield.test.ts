import { afterEach, describe, expect, it, vi } from 'vitest';
import Bottleneck from 'bottleneck/light.js';
import { yieldWithoutTimerFloor } from '../../src/github/limiter-yield.js';

/** The in-process store of a new limiter, as Bottleneck's own steps call it. */
function storeOf(limiter: Bottleneck): { yieldLoop(t?: number): Promise<void> } {
  return (limiter as unknown as { _store: { yieldLoop(t?: number): Promise<void> } })._store;
}

describe("Bottleneck's yield to the event loop (the GitHub client's throttling and retry)", () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds the store to patch (a Bottleneck that moved it would leave every request idling)', () => {
    expect(yieldWithoutTimerFloor()).toBe(true);
    expect(yieldWithoutTimerFloor()).toBe(true);
  });

  it.each([
    { asked: undefined, timers: [] },
    { asked: 0, timers: [] },
    { asked: 25, timers: [25] },
  ])('a yield of $asked ms sets timers $timers', async ({ asked, timers }) => {
    yieldWithoutTimerFloor();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    await storeOf(new Bottleneck()).yieldLoop(asked);
    expect(setTimeoutSpy.mock.calls.map((call) => call[1])).toEqual(timers);
  });

  it('still runs every job, in order, with the answers and failures the jobs give', async () => {
    yieldWithoutTimerFloor();
    const limiter = new Bottleneck({ maxConcurrent: 1 });
    const order: number[] = [];
    const jobs = [1, 2, 3].map((n) =>
      limiter.schedule(async () => {
        order.push(n);
        if (n === 2) throw new Error('job 2 failed');
        return n * 10;
      }),
    );
    const settled = await Promise.allSettled(jobs);
    expect(order).toEqual([1, 2, 3]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)))).toEqual([
      10,
      'Error: job 2 failed',
      30,
    ]);
  });
});
