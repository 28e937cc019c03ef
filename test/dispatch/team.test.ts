import { describe, expect, it } from 'vitest';
import { maxOverlap } from './helpers.js';
import { FLAGGED, JOURNEY_MS, MACHINES, team } from './team-helpers.js';

/**
 * A team on one PostgreSQL ledger: four simulated machines (each its own HOME, machine id, fake
 * agents and their dumps) run `radar scan --dispatch` at once against one queue on a fake
 * GitHub. Scans take the server's scan lock in turn (a machine that finds it taken tries again
 * once it is free, as its next cron run would); their dispatches, which hold no scan lock,
 * overlap. Every flagged PR goes to an agent exactly once, the sessions at once never pass the
 * cap, and the week's room is never overspent. A machine killed mid-session: team-lease.test.ts.
 */

const { machine, sessions, trail, quiet } = team();

describe('four machines dispatching from one PostgreSQL ledger', () => {
  it(
    'dispatch every flagged PR exactly once, never more sessions at once than the cap',
    { timeout: JOURNEY_MS },
    async () => {
      // Three sessions at once across the team, two per scan of a machine: no machine can take
      // the whole queue, and the machines' sessions compete for the cap.
      const config = {
        watch: { authors: ['dev'] },
        budget: { allowUnknown: true },
        dispatch: {
          concurrency: 3,
          maxPerScan: 2,
          burn: { maxPerScan: 2, concurrency: 3 },
          overPace: { maxPerScan: 2, holdAfterCheckpoint: false },
          idleTimeoutMs: 60_000,
          killGraceMs: 300,
        },
      };
      const team = MACHINES.map((id) => machine(id, config, { FAKE_AGENT_DELAY_MS: '1500' }));
      // Rounds of cron: a machine whose claims found the cap full leaves those PRs to a later
      // round (its own or another machine's).
      for (let round = 0; round < 6; round++) {
        const runs = await Promise.all(team.map((m) => m.scanDispatch()));
        for (const r of runs) quiet(r);
        if (new Set(sessions().map((s) => s.pr)).size >= FLAGGED) break;
      }
      const all = sessions();
      const prs = all.map((s) => s.pr);
      expect(new Set(prs).size).toBe(FLAGGED);
      // Exactly once: one escalation per PR, one agent run per PR across the machines.
      expect(prs).toHaveLength(FLAGGED);
      const runs = team.flatMap((m) => m.dumps());
      expect(runs.map((r) => r.env.RADAR_PR).sort()).toEqual([...prs].sort());
      expect(all.every((s) => s.outcome === 'succeeded')).toBe(true);
      // The agents that ran at once, on every machine together (each ran between its claim and
      // its end, so this is at most the sessions the ledger held as running).
      expect(maxOverlap(runs)).toBeLessThanOrEqual(3);
      // The second machine to scan found the first's two sessions and a free slot: the work was
      // shared.
      expect(new Set(all.map((s) => s.machine)).size).toBeGreaterThan(1);
      expect(all.every((s) => MACHINES.includes(s.machine!))).toBe(true);
    },
  );

  it(
    'never reserve past the week’s room, whichever machines claim',
    { timeout: JOURNEY_MS },
    async () => {
      // Each session prints 10,000 input and 1,000 output tokens and reserves as much: the week
      // has room for three.
      const spent = 11_000;
      const config = {
        watch: { authors: ['dev'] },
        budget: {
          providers: [{ name: 'codex', agent: 'codex', weeklyTokens: 3 * spent }],
          sessionTokens: spent,
        },
        rules: { fallback: [] },
        dispatch: { concurrency: 4, maxPerScan: 10, idleTimeoutMs: 60_000, killGraceMs: 300 },
      };
      const team = MACHINES.map((id) =>
        machine(id, config, { FAKE_AGENT_TOKENS: '10000', FAKE_AGENT_DELAY_MS: '800' }),
      );
      const runs = await Promise.all(team.map((m) => m.scanDispatch()));
      for (const r of runs) quiet(r);
      const all = sessions();
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((s) => s.reserved === spent && s.tokens === spent)).toBe(true);
      expect(
        all.reduce((sum, s) => sum + s.tokens!, 0),
        trail(runs),
      ).toBeLessThanOrEqual(3 * spent);
      expect(runs.map((r) => r.stdout).join('\n')).toMatch(
        /not dispatched \(budget\): a session of codex reserves 11000 tokens/,
      );
    },
  );
});
