import { describe, expect, it } from 'vitest';
import { JOURNEY_MS, MACHINES, team, type Session } from './team-helpers.js';

/**
 * A team on one PostgreSQL ledger (team.test.ts): a machine killed mid-session is taken over by
 * another once its lease has expired, not before. A file of its own: most of its time is the
 * wait for the lease, during which the other files use the cores.
 */

const { machine, sessions, quiet, pause } = team();

describe('four machines dispatching from one PostgreSQL ledger', () => {
  it(
    'a machine killed mid-session is taken over by another once its lease has expired',
    { timeout: JOURNEY_MS },
    async () => {
      // A takes one PR per scan; B takes every PR it can.
      const config = (perScan: number) => ({
        watch: { authors: ['dev'] },
        budget: { allowUnknown: true },
        dispatch: {
          concurrency: 4,
          maxPerScan: perScan,
          burn: { maxPerScan: perScan, concurrency: 4 },
          overPace: { maxPerScan: perScan, holdAfterCheckpoint: false },
          idleTimeoutMs: 120_000,
          killGraceMs: 300,
          // Long enough for B's scan below to end well before it, on a loaded machine.
          leaseMs: 40_000,
        },
      });
      const [a, b] = [
        machine(MACHINES[0]!, config(1), { FAKE_AGENT_MODE: 'hang' }),
        machine(MACHINES[1]!, config(10)),
      ];
      // Machine A starts one session, whose agent hangs; A's radar and agent are killed hard.
      const running = a.run(['scan', '--dispatch']);
      let victim: Session | undefined;
      while (!victim?.agentPgid) {
        await pause(100);
        victim = sessions().find((s) => s.outcome === 'running');
      }
      process.kill(victim.radarPid!, 'SIGKILL');
      process.kill(-victim.agentPgid, 'SIGKILL');
      await running;
      // Before the lease expires, B takes the session for alive (though A's radar process is
      // gone, and on this one host its pid could be seen): B dispatches other PRs.
      const before = await b.scanDispatch();
      quiet(before);
      expect(sessions().filter((s) => s.pr !== victim!.pr).length).toBeGreaterThan(0);
      expect(sessions().find((s) => s.pr === victim!.pr)).toMatchObject({
        outcome: 'running',
        machine: a.id,
      });
      // Expired: B's next `scan --dispatch` closes it and frees its PR before judging the queue,
      // and takes the PR over in that same run (reap, then plan), not one scan later.
      while (Date.now() <= victim.leaseUntil!) await pause(250);
      const after = await b.scanDispatch();
      quiet(after);
      expect(after.code).toBe(0);
      const ofVictim = sessions().filter((s) => s.pr === victim!.pr);
      expect(ofVictim).toEqual([
        expect.objectContaining({
          machine: a.id,
          outcome: 'failed',
          reason: 'its machine’s lease expired before the session ended',
        }),
        expect.objectContaining({ machine: b.id, outcome: 'succeeded' }),
      ]);
    },
  );
});
