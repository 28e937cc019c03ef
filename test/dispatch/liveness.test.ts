import { describe, expect, it } from 'vitest';
import { reapStale, sessionLive } from '../../src/dispatch/liveness.js';
import type { RunningSession } from '../../src/core/dispatch.js';

const SELF = 100;
/** Processes 200 and group 300 exist; nothing else does. */
const alive = (pid: number | null) => pid === 200 || pid === -300;

describe('sessionLive', () => {
  it.each<[string, number | null, number | null, boolean]>([
    ['started by this radar process', SELF, null, true],
    ['its radar process still runs', 200, null, true],
    ['radar gone, the agent group still runs', 999, 300, true],
    ['radar and agent group both gone', 999, 301, false],
    ['radar gone, agent never started', 999, null, false],
    ['no pid recorded at all', null, null, false],
  ])('%s', (_, radarPid, agentPgid, expected) => {
    expect(sessionLive({ radarPid, agentPgid }, SELF, alive)).toBe(expected);
  });
});

describe('reapStale', () => {
  it('marks failed exactly the sessions that are not live, with the reason and time', () => {
    const sessions: RunningSession[] = [
      {
        id: 1,
        nodeId: 'a',
        repo: 'o/r',
        number: 1,
        runLog: null,
        radarPid: SELF,
        agentPgid: 1,
        machine: null,
        leaseUntil: null,
      },
      {
        id: 2,
        nodeId: 'b',
        repo: 'o/r',
        number: 2,
        runLog: '/l',
        radarPid: 999,
        agentPgid: 301,
        machine: null,
        leaseUntil: null,
      },
      {
        id: 3,
        nodeId: 'c',
        repo: 'o/r',
        number: 3,
        runLog: null,
        radarPid: 999,
        agentPgid: 300,
        machine: null,
        leaseUntil: null,
      },
    ];
    const marked: unknown[] = [];
    const reaped = reapStale(
      {
        runningSessions: () => sessions,
        markFailed: (ids, now, reason) => {
          marked.push({ ids, now, reason });
          return [{ id: 2, repo: 'o/r', number: 2, runLog: '/l' }];
        },
      },
      5_000,
      (s) => sessionLive(s, SELF, alive),
    );
    expect(marked).toEqual([
      { ids: [2], now: 5_000, reason: 'radar stopped before the session ended' },
    ]);
    expect(reaped).toEqual([{ id: 2, repo: 'o/r', number: 2, runLog: '/l' }]);
  });
});
