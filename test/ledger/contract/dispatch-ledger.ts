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

    it('finds an escalation by id however old; lists the newest first, up to the limit', async () => {
      await withLedger(fresh, (ledger) => {
        // 60 sessions, started in an order that is not their ids' (ties broken by the newer id).
        const ids = Array.from({ length: 60 }, (_, i) => {
          const r = claim(ledger, i + 1, { now: T0 + ((i * 7) % 13) * 1000, concurrency: 100 });
          expect(r.kind).toBe('claimed');
          return {
            id: (r as { escalationId: number }).escalationId,
            startedAt: T0 + ((i * 7) % 13) * 1000,
          };
        });
        const newest = [...ids].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
        expect(ledger.dispatch.escalations().map((e) => e.id)).toEqual(
          newest.slice(0, 50).map((e) => e.id),
        );
        expect(ledger.dispatch.escalations(3).map((e) => e.id)).toEqual(
          newest.slice(0, 3).map((e) => e.id),
        );
        const oldest = newest[newest.length - 1]!;
        expect(ledger.dispatch.escalation(oldest.id)).toMatchObject({
          id: oldest.id,
          startedAt: oldest.startedAt,
          outcome: 'running',
        });
        expect(ledger.dispatch.escalation(ids[0]!.id)?.repo).toBe('acme/widget');
        expect(ledger.dispatch.escalation(9_999)).toBeUndefined();
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

    it('a fingerprint is claimed once; a PR runs one live session; the cap counts live ones', async () => {
      await withLedger(fresh, (ledger) => {
        const first = claim(ledger, 1);
        if (first.kind !== 'claimed') throw new Error('not claimed');
        expect(first.fingerprints).toEqual(['ci_failing:1']);
        expect(claim(ledger, 1)).toEqual({ kind: 'busy', escalationId: first.escalationId });
        expect(claim(ledger, 2, { concurrency: 1 })).toEqual({ kind: 'full', running: 1 });
        // The session found dead: the PR is free again, but its fingerprint stays acted on.
        expect(claim(ledger, 1, { live: () => false })).toEqual({ kind: 'acted' });
        const both = claim(ledger, 1, {
          live: () => false,
          fingerprints: new Map([
            ['ci_failing:1', 'ci_failing'],
            ['conflict:1', 'conflict'],
          ]),
        });
        expect(both).toMatchObject({ kind: 'claimed', fingerprints: ['conflict:1'] });
      });
    });

    it('a running session carries its machine and lease, renewed while it runs', async () => {
      await withLedger(fresh, (ledger) => {
        const a = claim(ledger, 1, { machine: 'm-a', leaseUntil: T0 + 60_000 });
        const b = claim(ledger, 2);
        if (a.kind !== 'claimed' || b.kind !== 'claimed') throw new Error('not claimed');
        expect(ledger.dispatch.renewLease(a.escalationId, T0 + 120_000)).toBe(true);
        expect(
          ledger.dispatch.runningSessions().map((s) => [s.id, s.machine, s.leaseUntil, s.radarPid]),
        ).toEqual([
          [a.escalationId, 'm-a', T0 + 120_000, 1],
          [b.escalationId, null, null, 1],
        ]);
        expect(ledger.dispatch.markFailed([a.escalationId], T0 + 1, 'lease expired')).toEqual([
          { id: a.escalationId, repo: 'acme/widget', number: 1, runLog: null },
        ]);
        // Taken over: its fingerprint is free again, for one claim.
        expect(ledger.dispatch.releaseClaims([a.escalationId])).toBe(1);
        expect(ledger.dispatch.releaseClaims([a.escalationId])).toBe(0);
        const again = claim(ledger, 1);
        expect(again).toMatchObject({ kind: 'claimed', fingerprints: ['ci_failing:1'] });
        expect(claim(ledger, 1, { live: () => false })).toEqual({ kind: 'acted' });
        // Ended: its lease is no longer renewed, and it is not reaped twice.
        expect(ledger.dispatch.renewLease(a.escalationId, T0 + 180_000)).toBe(false);
        expect(ledger.dispatch.markFailed([a.escalationId], T0 + 2, 'again')).toEqual([]);
        if (again.kind !== 'claimed') throw new Error('not claimed');
        expect(ledger.dispatch.runningSessions().map((s) => s.id)).toEqual([
          b.escalationId,
          again.escalationId,
        ]);
      });
    });

    it('an approval is claimed by one claimant, taken over only from the claim that was read', async () => {
      await withLedger(fresh, (ledger) => {
        const queue = () =>
          ledger.dispatch.queueApproval({
            nodeId: 'PR_1',
            repo: 'acme/widget',
            number: 1,
            action: 'comment',
            body: 'hello',
            bodyHash: 'h1',
            reason: null,
            fingerprint: null,
            now: T0,
          });
        const id = queue();
        if (id === undefined) throw new Error('not queued');
        // The same action is already pending.
        expect(queue()).toBeUndefined();
        expect(ledger.dispatch.claimApproval(id, 11, T0 + 1)).toBe(true);
        expect(ledger.dispatch.claimApproval(id, 12, T0 + 1)).toBe(false);
        const seen = ledger.dispatch.approval(id)!;
        expect(seen).toMatchObject({ status: 'performing', claimedBy: 11, claimedAt: T0 + 1 });
        expect(ledger.dispatch.takeOverApproval(id, seen, 12, T0 + 2)).toBe(true);
        expect(ledger.dispatch.takeOverApproval(id, seen, 13, T0 + 3)).toBe(false);
        ledger.dispatch.releaseApproval(id, 12, 'unknown');
        expect(ledger.dispatch.approval(id)).toMatchObject({
          status: 'performing',
          claimedBy: null,
          claimedAt: T0 + 2,
        });
        const orphan = ledger.dispatch.approval(id)!;
        expect(ledger.dispatch.takeOverApproval(id, orphan, 14, T0 + 4)).toBe(true);
        ledger.dispatch.releaseApproval(id, 14, 'nothing');
        expect(ledger.dispatch.approval(id)).toMatchObject({ status: 'pending', claimedBy: null });
        expect(ledger.dispatch.decide(id, 'done', 'posted', T0 + 5)).toBe(true);
        expect(ledger.dispatch.decide(id, 'rejected', null, T0 + 6)).toBe(false);
        ledger.dispatch.recordPosted('PR_1', 'h1', T0 + 5, id);
        // Posted once: the same comment is never queued again.
        expect(queue()).toBeUndefined();
        expect(ledger.dispatch.actions()).toEqual([
          {
            id,
            kind: 'comment',
            state: 'done',
            escalationId: null,
            createdAt: T0,
            decidedAt: T0 + 5,
          },
        ]);
      });
    });
  });
}
