import { describe, expect, it } from 'vitest';
import {
  EXPIRED_REASON,
  ORPHAN_REASON,
  reapStale,
  sessionFate,
  sessionLive,
  type Fate,
} from '../../src/dispatch/liveness.js';
import { renewEvery } from '../../src/dispatch/lease.js';
import type { RunningSession } from '../../src/core/dispatch.js';

const SELF = 100;
const NOW = 50_000;
/** Processes 200 and group 300 exist on this machine; nothing else does. */
const alive = (pid: number | null) => pid === 200 || pid === -300;
const here = { machine: 'm-here', self: SELF, now: NOW };

type Row = [
  string,
  machine: string | null,
  radarPid: number | null,
  agentPgid: number | null,
  leaseUntil: number | null,
  fate: Fate,
  live: boolean,
];

describe('sessionFate and sessionLive', () => {
  it.each<Row>([
    ['started by this radar process', 'm-here', SELF, null, null, 'live', true],
    ['its radar process still runs', 'm-here', 200, null, NOW - 1, 'live', true],
    ['radar gone, the agent group still runs', 'm-here', 999, 300, null, 'orphan', true],
    ['radar and agent group both gone', 'm-here', 999, 301, NOW + 1_000, 'orphan', false],
    ['radar gone, agent never started', 'm-here', 999, null, null, 'orphan', false],
    ['no pid recorded at all', 'm-here', null, null, null, 'orphan', false],
    ['recorded before machines: judged by its processes', null, 200, null, null, 'live', true],
    ['recorded before machines, radar gone', null, 999, null, null, 'orphan', false],
    ['another machine, its lease holds', 'm-other', 999, null, NOW + 1, 'live', true],
    // Its pid means nothing here, even a pid that exists on this machine.
    [
      'another machine, lease expired, same pid alive here',
      'm-other',
      200,
      300,
      NOW - 1,
      'expired',
      false,
    ],
    ['another machine, lease ends now', 'm-other', 999, null, NOW, 'expired', false],
    ['another machine, no lease recorded', 'm-other', SELF, null, null, 'expired', false],
  ])('%s', (_, machine, radarPid, agentPgid, leaseUntil, fate, live) => {
    const session = { machine, radarPid, agentPgid, leaseUntil };
    expect(sessionFate(session, here, alive)).toBe(fate);
    expect(sessionLive(session, here, alive)).toBe(live);
  });

  it.each<[string, string | null, string | null, Fate]>([
    ['this radar knows no machine id: pids decide', null, 'm-other', 'orphan'],
    ['same machine id: pids decide, not the lease', 'm-here', 'm-here', 'orphan'],
    ['different machine ids: the lease decides', 'm-here', 'm-other', 'live'],
  ])('%s', (_, mine, theirs, fate) => {
    const session = { machine: theirs, radarPid: 999, agentPgid: null, leaseUntil: NOW + 1 };
    expect(sessionFate(session, { ...here, machine: mine }, alive)).toBe(fate);
  });
});

describe('renewEvery', () => {
  it.each([
    [120_000, 40_000],
    [3_000, 1_000],
    [1_000, 333],
    [200, 100],
  ])('a lease of %i ms is renewed every %i ms', (lease, every) => {
    expect(renewEvery(lease)).toBe(every);
  });
});

describe('reapStale', () => {
  it('closes orphans and expired leases, each with its reason, frees the expired ones’ claims', () => {
    const row = (id: number): RunningSession => ({
      id,
      nodeId: `n${id}`,
      repo: 'o/r',
      number: id,
      runLog: null,
      radarPid: 1,
      agentPgid: null,
      machine: null,
      leaseUntil: null,
    });
    const fates: Record<number, Fate> = { 1: 'live', 2: 'orphan', 3: 'expired', 4: 'orphan' };
    const marked: unknown[] = [];
    const reaped = reapStale(
      {
        runningSessions: () => [1, 2, 3, 4].map(row),
        markFailed: (ids, now, reason) => {
          marked.push({ ids, now, reason });
          return ids.map((id) => ({ id, repo: 'o/r', number: id, runLog: null }));
        },
        releaseClaims: (ids) => {
          marked.push({ released: ids });
          return ids.length;
        },
      },
      5_000,
      (s) => fates[s.id]!,
    );
    expect(marked).toEqual([
      { ids: [2, 4], now: 5_000, reason: ORPHAN_REASON },
      { ids: [3], now: 5_000, reason: EXPIRED_REASON },
      // Only the expired session is taken over: its fingerprints are free again.
      { released: [3] },
    ]);
    expect(reaped.map((r) => r.id)).toEqual([2, 4, 3]);
  });
});
