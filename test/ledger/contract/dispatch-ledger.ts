import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../../src/ledger/ports.js';
import type { ClaimRequest, Committed } from '../../../src/core/dispatch.js';
import { T0, source, tokenEvent, withLedger, type LedgerFactory } from './factory.js';

const WEEK = 7 * 86_400_000;

export function claim(
  ledger: Ledger,
  n: number,
  over: Partial<ClaimRequest> & { tokens?: number; room?: number } = {},
) {
  const { tokens, room, ...rest } = over;
  return ledger.dispatch.claim({
    nodeId: `PR_${n}`,
    repo: 'acme/widget',
    number: n,
    headSha: null,
    fingerprints: new Map([[`ci_failing:${n}`, 'ci_failing']]),
    agent: 'codex',
    argv: [],
    now: T0,
    concurrency: 10,
    radarPid: 1,
    reason: null,
    live: () => true,
    ...(tokens !== undefined
      ? {
          reservation: {
            tokens,
            since: T0 - WEEK / 2,
            until: T0 + WEEK / 2,
            fits: (c: Committed) => c.counted + c.reserved + tokens <= (room ?? Infinity),
          },
        }
      : {}),
    ...rest,
  });
}

const finish = (tokens: number | null, estimated = false) => ({
  endedAt: T0 + 1,
  exitCode: 0,
  outcome: 'succeeded' as const,
  sessionId: null,
  tokens,
  runLog: null,
  reason: null,
  estimated,
});

/** The behaviour every dispatch ledger keeps: claims reserve, ended sessions settle. */
export function dispatchLedgerContract(fresh: LedgerFactory): void {
  describe('dispatch ledger', () => {
    it("keeps the latest resolution of each agent's model hold", async () => {
      await withLedger(fresh, (ledger) => {
        expect(ledger.dispatch.modelResolutions()).toEqual(new Map());
        ledger.dispatch.resolveModelHold('codex', T0, 'checked');
        ledger.dispatch.resolveModelHold('codex', T0 + 5, null);
        ledger.dispatch.resolveModelHold('claude', T0 + 1, null);
        expect(ledger.dispatch.modelResolutions()).toEqual(
          new Map([
            ['codex', T0 + 5],
            ['claude', T0 + 1],
          ]),
        );
      });
    });

    it('a running session reserves; a claim that does not fit is refused with what was seen', async () => {
      await withLedger(fresh, (ledger) => {
        expect(claim(ledger, 1, { tokens: 400, room: 1000 }).kind).toBe('claimed');
        expect(claim(ledger, 2, { tokens: 400, room: 1000 }).kind).toBe('claimed');
        expect(claim(ledger, 3, { tokens: 400, room: 1000 })).toEqual({
          kind: 'budget',
          committed: { counted: 0, reserved: 800 },
          tokens: 400,
        });
        // Refused: nothing claimed, no escalation, the fingerprint still free.
        expect(claim(ledger, 3).kind).toBe('claimed');
        expect(ledger.dispatch.committed('claude', T0 - WEEK, T0 + WEEK)).toEqual({
          counted: 0,
          reserved: 0,
        });
      });
    });

    it('an ended session’s counted tokens replace its reservation; an estimate stays', async () => {
      await withLedger(fresh, (ledger) => {
        const a = claim(ledger, 1, { tokens: 400 });
        const b = claim(ledger, 2, { tokens: 300 });
        if (a.kind !== 'claimed' || b.kind !== 'claimed') throw new Error('not claimed');
        ledger.tokens.transaction(() => {
          const sourceId = ledger.tokens.insertSource(source());
          ledger.tokens.insertEvent(tokenEvent({ total: 650 }), {
            bucket: 'runs',
            sourceId,
            sourcePath: '/logs/a.log',
          });
        });
        ledger.dispatch.finish(a.escalationId, finish(650));
        ledger.dispatch.finish(b.escalationId, finish(null, true));
        expect(ledger.dispatch.committed('codex', T0 - WEEK / 2, T0 + WEEK / 2)).toEqual({
          counted: 650,
          reserved: 300,
        });
        // An estimate counts in the week its session started, not the next one.
        expect(ledger.dispatch.committed('codex', T0 + WEEK / 2, T0 + WEEK)).toEqual({
          counted: 0,
          reserved: 0,
        });
      });
    });

    it('a running session counts the larger of its reservation and its tokens so far', async () => {
      await withLedger(fresh, (ledger) => {
        const a = claim(ledger, 1, { tokens: 400 });
        if (a.kind !== 'claimed') throw new Error('not claimed');
        const week = () => ledger.dispatch.committed('codex', T0 - WEEK / 2, T0 + WEEK / 2);
        ledger.dispatch.liveTokens(a.escalationId, 250);
        expect(week().reserved).toBe(400);
        ledger.dispatch.liveTokens(a.escalationId, 900);
        expect(week().reserved).toBe(900);
        // A later claim sees the overspend: 900 + 400 does not fit in 1,200.
        expect(claim(ledger, 2, { tokens: 400, room: 1200 })).toMatchObject({ kind: 'budget' });
        // Ended: its measured tokens (counted events) replace both.
        ledger.dispatch.finish(a.escalationId, finish(950));
        expect(week().reserved).toBe(0);
        ledger.dispatch.liveTokens(a.escalationId, 2000);
        expect(week().reserved).toBe(0);
      });
    });

    it('a running escalation moves to another agent only when that agent’s reservation fits', async () => {
      await withLedger(fresh, (ledger) => {
        const a = claim(ledger, 1, { tokens: 400 });
        const b = claim(ledger, 2, { tokens: 700, agent: 'claude' });
        if (a.kind !== 'claimed' || b.kind !== 'claimed') throw new Error('not claimed');
        const reservation = (tokens: number, room: number) => ({
          tokens,
          since: T0 - WEEK / 2,
          until: T0 + WEEK / 2,
          fits: (c: Committed) => c.counted + c.reserved + tokens <= room,
        });
        expect(
          ledger.dispatch.reserveAgain(a.escalationId, 'claude', reservation(400, 1000)),
        ).toEqual({
          kind: 'budget',
          committed: { counted: 0, reserved: 700 },
          tokens: 400,
        });
        // Refused: the escalation stays codex's.
        expect(ledger.dispatch.committed('codex', T0 - WEEK, T0 + WEEK).reserved).toBe(400);
        expect(
          ledger.dispatch.reserveAgain(a.escalationId, 'claude', reservation(300, 1000)),
        ).toEqual({
          kind: 'reserved',
        });
        expect(ledger.dispatch.committed('codex', T0 - WEEK, T0 + WEEK).reserved).toBe(0);
        expect(ledger.dispatch.committed('claude', T0 - WEEK, T0 + WEEK).reserved).toBe(1000);
        // To an agent with no quota: not reserved against.
        expect(ledger.dispatch.reserveAgain(a.escalationId, 'codex', undefined)).toEqual({
          kind: 'reserved',
        });
        expect(ledger.dispatch.committed('claude', T0 - WEEK, T0 + WEEK).reserved).toBe(700);
        expect(ledger.dispatch.committed('codex', T0 - WEEK, T0 + WEEK).reserved).toBe(0);
      });
    });

    it('past sessions’ measured tokens by agent and signal kind, newest first, estimates left out', async () => {
      await withLedger(fresh, (ledger) => {
        const ids = [1, 2, 3].map((n) => {
          const c = claim(ledger, n, n === 3 ? { agent: 'claude' } : {});
          if (c.kind !== 'claimed') throw new Error('not claimed');
          return c.escalationId;
        });
        const conflict = claim(ledger, 4, {
          fingerprints: new Map([['conflict:4', 'conflict']]),
        });
        const estimated = claim(ledger, 5);
        if (conflict.kind !== 'claimed' || estimated.kind !== 'claimed')
          throw new Error('not claimed');
        ledger.dispatch.finish(ids[0]!, finish(100));
        ledger.dispatch.finish(ids[1]!, finish(200));
        ledger.dispatch.finish(ids[2]!, finish(300));
        ledger.dispatch.finish(conflict.escalationId, finish(400));
        ledger.dispatch.finish(estimated.escalationId, finish(500, true));
        expect(ledger.dispatch.sessionTokens('codex', 'ci_failing', 10)).toEqual([200, 100]);
        expect(ledger.dispatch.sessionTokens('codex', 'ci_failing', 1)).toEqual([200]);
        expect(ledger.dispatch.sessionTokens('codex', 'conflict', 10)).toEqual([400]);
        expect(ledger.dispatch.sessionTokens('claude', 'ci_failing', 10)).toEqual([300]);
      });
    });
  });
}
