import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../../src/ledger/ports.js';
import { T0, withLedger, type LedgerFactory } from './factory.js';

/** A running escalation for PR_n (its id). */
function escalate(ledger: Ledger, n: number, at = T0): number {
  const claimed = ledger.dispatch.claim({
    nodeId: `PR_${n}`,
    repo: 'acme/widget',
    number: n,
    headSha: null,
    fingerprints: new Map([[`ci_failing:${n}`, 'ci_failing']]),
    agent: 'codex',
    argv: ['codex', 'exec'],
    now: at,
    concurrency: 10,
    radarPid: 1,
    reason: null,
    live: () => true,
  });
  if (claimed.kind !== 'claimed') throw new Error(`PR_${n} not claimed: ${claimed.kind}`);
  return claimed.escalationId;
}

/** The behaviour every outcome ledger keeps: judgements settle once, reports read them. */
export function outcomeLedgerContract(fresh: LedgerFactory): void {
  describe('outcome ledger', () => {
    it('lists open escalations and the actions they wait on, until their outcome settles', async () => {
      await withLedger(fresh, (ledger) => {
        const first = escalate(ledger, 1);
        const second = escalate(ledger, 2, T0 + 1);
        ledger.dispatch.recordUnclaimed({
          nodeId: 'PR_3',
          repo: 'acme/widget',
          number: 3,
          headSha: null,
          agent: 'codex',
          argv: [],
          now: T0 + 2,
          fingerprints: ['ci_failing:3'],
          outcome: 'dry_run',
          reason: 'rehearsal',
        });
        const approval = ledger.dispatch.queueApproval({
          nodeId: 'PR_1',
          repo: 'acme/widget',
          number: 1,
          action: 'comment',
          body: 'rebased',
          bodyHash: 'h1',
          reason: null,
          fingerprint: null,
          escalationId: first,
          now: T0 + 3,
        });
        expect(ledger.outcomes.openEscalations()).toEqual(
          new Map([
            ['PR_1', { id: first, session: 'running', reason: null }],
            ['PR_2', { id: second, session: 'running', reason: null }],
          ]),
        );
        expect(ledger.outcomes.unsettledActions()).toEqual(
          new Map([
            [
              first,
              [
                {
                  id: approval,
                  kind: 'comment',
                  state: 'pending',
                  escalationId: first,
                  createdAt: T0 + 3,
                  decidedAt: null,
                },
              ],
            ],
          ]),
        );
        ledger.outcomes.recordOutcomes(T0 + 5, [
          { escalationId: first, outcome: 'pending', reason: 'waits for CI' },
          { escalationId: second, outcome: 'resolved', reason: 'CI passes' },
        ]);
        expect(ledger.outcomes.openEscalations()).toEqual(
          new Map([['PR_1', { id: first, session: 'running', reason: 'waits for CI' }]]),
        );
        ledger.outcomes.recordOutcomes(T0 + 9, [
          { escalationId: first, outcome: 'merged', reason: 'merged by a maintainer' },
        ]);
        expect(ledger.outcomes.openEscalations().size).toBe(0);
        expect(ledger.outcomes.unsettledActions().size).toBe(0);
      });
    });

    it('keeps a settled outcome final and the first judgement time, in the rows and the history', async () => {
      await withLedger(fresh, (ledger) => {
        const first = escalate(ledger, 1);
        const second = escalate(ledger, 2, T0 + 1);
        ledger.outcomes.recordOutcomes(T0 + 5, [
          { escalationId: first, outcome: 'pending', reason: 'waits for CI' },
          { escalationId: second, outcome: 'resolved', reason: 'CI passes' },
        ]);
        ledger.outcomes.recordOutcomes(T0 + 9, [
          { escalationId: first, outcome: 'unresolved', reason: 'CI still fails' },
          { escalationId: second, outcome: 'unresolved', reason: 'a later failure' },
        ]);
        const row = (id: number, over: object) => ({
          id,
          nodeId: `PR_${id === first ? 1 : 2}`,
          repo: 'acme/widget',
          number: id === first ? 1 : 2,
          agent: 'codex',
          model: null,
          fingerprints: [`ci_failing:${id === first ? 1 : 2}`],
          startedAt: id === first ? T0 : T0 + 1,
          session: 'running',
          tokens: null,
          ...over,
        });
        expect(ledger.outcomes.outcomeRows(T0)).toEqual([
          row(first, { outcome: 'unresolved', reason: 'CI still fails', settledAt: T0 + 9 }),
          row(second, { outcome: 'resolved', reason: 'CI passes', settledAt: T0 + 5 }),
        ]);
        expect(ledger.outcomes.outcomeRows(T0 + 1).map((r) => r.id)).toEqual([second]);
        expect(ledger.rules.histories('PR_1').get('PR_1')?.outcomes).toEqual([
          {
            escalationId: first,
            outcome: 'unresolved',
            reason: 'CI still fails',
            firstJudgedAt: T0 + 5,
            settledAt: T0 + 9,
          },
        ]);
      });
    });

    it('reports an escalation no scan judged yet as pending', async () => {
      await withLedger(fresh, (ledger) => {
        const id = escalate(ledger, 1);
        expect(ledger.outcomes.outcomeRows(T0)).toEqual([
          expect.objectContaining({ id, outcome: 'pending', reason: null, settledAt: null }),
        ]);
      });
    });
  });
}
