import { afterEach, describe, expect, it, vi } from 'vitest';
import Bottleneck from 'bottleneck/light.js';
import { yieldWithoutTimerFloor } from '../../src/github/limiter-yield.js';

/** The in-process store of a new limiter, as Bottleneck's own steps call it. */
function storeOf(limiter: Bottleneck): { yieldLoop(t?: number): Promise<void> } {
  return (limiter as unknown as { _store: { yieldLoop(t?: number): Promise<void> } })._store;
}

/** The delays of the timers set while `work` runs. */
async function timersSetBy(work: () => Promise<unknown>): Promise<unknown[]> {
  const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
  await work();
  const delays = setTimeoutSpy.mock.calls.map((call) => call[1]);
  setTimeoutSpy.mockRestore();
  return delays;
}

describe("Bottleneck's turns of the event loop (the GitHub client's throttling and retry)", () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds what it patches (a Bottleneck that moved it would leave every request idling)', () => {
    expect(yieldWithoutTimerFloor()).toBe(true);
    expect(yieldWithoutTimerFloor()).toBe(true);
  });

  it.each([
    { asked: undefined, timers: [] },
    { asked: 0, timers: [] },
    { asked: 25, timers: [25] },
  ])('a yield of $asked ms sets timers $timers', async ({ asked, timers }) => {
    yieldWithoutTimerFloor();
    expect(await timersSetBy(() => storeOf(new Bottleneck()).yieldLoop(asked))).toEqual(timers);
  });

  it('runs a job without waiting on any timer; a spacing it is asked for is still a timer', async () => {
    yieldWithoutTimerFloor();
    expect(await timersSetBy(() => new Bottleneck().schedule(async () => 1))).toEqual([]);
    const spaced = new Bottleneck({ minTime: 40 });
    const delays = await timersSetBy(() =>
      Promise.all([spaced.schedule(async () => 1), spaced.schedule(async () => 2)]),
    );
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
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

  it('drops a job that stop() catches between its start and its run, as Bottleneck does', async () => {
    yieldWithoutTimerFloor();
    const limiter = new Bottleneck();
    let ran = false;
    // 'scheduled' is said as the job starts: the limiter stops before it runs.
    limiter.on('scheduled', () => void limiter.stop({ dropWaitingJobs: true }));
    const job = limiter.schedule(async () => {
      ran = true;
      return 'ran';
    });
    await expect(job).rejects.toThrow('This limiter has been stopped.');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
  });

  it('retries a failed job at once when asked to (how the plugins retry)', async () => {
    yieldWithoutTimerFloor();
    const limiter = new Bottleneck();
    limiter.on('failed', (_error, info) => (info.retryCount < 2 ? 0 : undefined));
    let attempts = 0;
    const answer = await limiter.schedule(async () => {
      attempts += 1;
      if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
      return 'third time';
    });
    expect({ answer, attempts }).toEqual({ answer: 'third time', attempts: 3 });
  });
});
