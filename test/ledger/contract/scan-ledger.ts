import { describe, expect, it } from 'vitest';
import type { JudgedHistory } from '../../../src/core/history.js';
import type { Verdict } from '../../../src/core/verdict.js';
import type { ScanRunRecord } from '../../../src/ledger/ports.js';
import { pr } from '../../rules/fixtures.js';
import { T0, withLedger, type LedgerFactory } from './factory.js';

const run = (overrides: Partial<ScanRunRecord> = {}): ScanRunRecord => ({
  startedAt: T0,
  finishedAt: T0 + 1_000,
  status: 'ok',
  requests: 2,
  points: 3,
  remaining: 4_990,
  resetAt: null,
  prsSeen: 1,
  changes: 0,
  errors: [],
  ...overrides,
});

const verdict = (overrides: Partial<Verdict> = {}): Verdict => ({
  tier: 'escalate',
  score: 7,
  route: 'codex',
  signals: [
    { kind: 'ci_failing', fingerprint: 'ci_failing:abc', detail: 'failing: build', evidence: {} },
  ],
  pending: ['ci_failing:abc'],
  reasons: ['CI fails'],
  suppressed: null,
  recommendation: null,
  ...overrides,
});

/** The behaviour every PR and rules ledger keeps: scans, PRs, verdicts, candidates, controls. */
export function scanLedgerContract(fresh: LedgerFactory): void {
  describe('PR and rules ledger', () => {
    it('records a scan: its PRs, their changes, and what else the scan wrote, together', async () => {
      await withLedger(fresh, (ledger) => {
        // Where a fix goes round-trips too (a fork of the author's, maintainers may push).
        const one = pr({
          nodeId: 'PR_1',
          repo: 'Acme/App',
          number: 7,
          headRef: 'fix-7',
          headRepo: 'alice/App',
          headFork: true,
          maintainerCanModify: true,
          baseRef: 'main',
          nodeDigest: 'digest-of-the-node',
        });
        const scanId = ledger.prs.recordScan(
          run(),
          [one],
          new Map([['PR_1', [{ field: 'headSha', from: 'a', to: 'b' }]]]),
          (id) =>
            ledger.rules.addControl('PR_1', {
              at: T0,
              action: 'stop',
              by: 'user',
              reason: `scan ${id}`,
            }),
        );
        expect(ledger.prs.all()).toEqual([one]);
        expect(ledger.prs.byNodeId('PR_1')).toEqual(one);
        expect(ledger.prs.byNumber(7, 'acme/app')).toEqual([one]);
        expect(ledger.prs.byNumber(7, 'other/repo')).toEqual([]);
        expect(ledger.prs.byNumber(7)).toEqual([one]);
        expect(ledger.prs.lastScan()).toMatchObject({ started_at: T0, status: 'ok' });
        const history = ledger.rules.histories('PR_1').get('PR_1');
        expect(history?.pushes).toEqual([{ at: T0 + 1_000, field: 'headSha', from: 'a', to: 'b' }]);
        expect(history?.controls).toEqual([
          { at: T0, action: 'stop', by: 'user', reason: `scan ${scanId}` },
        ]);
      });
    });

    it('keeps the digest of the node each PR was read from: replaced, or cleared, with the row', async () => {
      await withLedger(fresh, (ledger) => {
        const digests = () => ledger.prs.all().map((p) => [p.nodeId, p.nodeDigest]);
        ledger.prs.recordScan(
          run(),
          [pr({ nodeId: 'PR_1', nodeDigest: 'a' }), pr({ nodeId: 'PR_2', number: 2 })],
          new Map(),
        );
        expect(digests()).toEqual([
          ['PR_1', 'a'],
          ['PR_2', null],
        ]);
        ledger.prs.recordScan(
          run(),
          [pr({ nodeId: 'PR_2', number: 2, nodeDigest: 'b' })],
          new Map(),
        );
        ledger.prs.recordScan(run(), [pr({ nodeId: 'PR_1', nodeDigest: null })], new Map());
        expect(digests()).toEqual([
          ['PR_1', null],
          ['PR_2', 'b'],
        ]);
      });
    });

    it('leaves nothing of a scan whose other writes fail', async () => {
      await withLedger(fresh, (ledger) => {
        expect(() =>
          ledger.prs.recordScan(run(), [pr()], new Map(), () => {
            throw new Error('verdicts failed');
          }),
        ).toThrow('verdicts failed');
        expect(ledger.prs.all()).toEqual([]);
        expect(ledger.prs.lastScan()).toBeUndefined();
      });
    });

    it('keeps one row per PR slot: a PR moved to another node id replaces the stale one', async () => {
      await withLedger(fresh, (ledger) => {
        ledger.prs.recordScan(run(), [pr({ nodeId: 'OLD' })], new Map());
        ledger.prs.recordScan(run(), [pr({ nodeId: 'NEW' })], new Map());
        expect(ledger.prs.all().map((p) => p.nodeId)).toEqual(['NEW']);
      });
    });

    it("reads every PR's history as judging reads it: the full history's values, narrowed", async () => {
      await withLedger(fresh, (ledger) => {
        const changes = (...list: [string, string, string][]) =>
          list.map(([field, from, to]) => ({ field, from, to }));
        ledger.prs.recordScan(
          run({ finishedAt: T0 }),
          [pr({ nodeId: 'PR_1' }), pr({ nodeId: 'PR_2', number: 2 })],
          new Map([
            ['PR_1', changes(['headSha', 'a', 'b'], ['review', 'none', 'approved'])],
            ['PR_2', changes(['headSha', 'c', 'd'], ['title', 'x', 'y'])],
          ]),
        );
        ledger.prs.recordScan(
          run({ finishedAt: T0 + 5 }),
          [pr({ nodeId: 'PR_1', headSha: 'c' })],
          new Map([['PR_1', changes(['headSha', 'b', 'c'])]]),
          (id) =>
            ledger.rules.recordVerdicts(id, T0 + 5, [
              {
                nodeId: 'PR_1',
                verdict: verdict(),
                candidates: {
                  seen: [
                    { fingerprint: 'ci_failing:abc', kind: 'ci_failing', suppressed: null },
                    { fingerprint: 'behind:b', kind: 'behind', suppressed: 'zombie' },
                  ],
                  cleared: [],
                },
                changes: [],
                stopNow: 'three failed sessions',
              },
            ]),
        );
        ledger.rules.recordVerdicts(null, T0 + 9, [
          {
            nodeId: 'PR_1',
            verdict: verdict(),
            candidates: { seen: [], cleared: ['behind:b'] },
            changes: [],
            stopNow: null,
          },
        ]);
        const judgedView = (h: JudgedHistory | undefined) =>
          h && {
            pushes: h.pushes.map((p) => p.at),
            reviewChanges: h.reviewChanges.map((c) => ({ at: c.at, to: c.to })),
            candidates: h.candidates.map((c) => ({
              fingerprint: c.fingerprint,
              kind: c.kind,
              clearedAt: c.clearedAt,
              actedAt: c.actedAt,
            })),
            controls: h.controls,
            escalations: h.escalations,
            outcomes: h.outcomes,
            tokens: h.tokens,
          };
        const judged = ledger.rules.judgedHistories();
        const full = ledger.rules.histories();
        expect([...judged.keys()].sort()).toEqual(['PR_1', 'PR_2']);
        expect([...full.keys()].sort()).toEqual(['PR_1', 'PR_2']);
        expect(judgedView(judged.get('PR_1'))).toEqual({
          pushes: [T0, T0 + 5],
          reviewChanges: [{ at: T0, to: 'approved' }],
          candidates: [
            { fingerprint: 'behind:b', kind: 'behind', clearedAt: T0 + 9, actedAt: null },
            { fingerprint: 'ci_failing:abc', kind: 'ci_failing', clearedAt: null, actedAt: null },
          ],
          controls: [
            { at: T0 + 5, action: 'stop', by: 'stop-loss', reason: 'three failed sessions' },
          ],
          escalations: [],
          outcomes: [],
          tokens: 0,
        });
        for (const id of ['PR_1', 'PR_2'])
          expect(judgedView(judged.get(id))).toEqual(judgedView(full.get(id)));
      });
    });

    it('records verdicts with their history, candidates seen and cleared, and stop-loss stops', async () => {
      await withLedger(fresh, (ledger) => {
        const first = verdict();
        ledger.rules.recordVerdicts(null, T0, [
          {
            nodeId: 'PR_1',
            verdict: first,
            candidates: {
              seen: [{ fingerprint: 'ci_failing:abc', kind: 'ci_failing', suppressed: null }],
              cleared: [],
            },
            changes: [{ field: 'tier', from: null, to: 'escalate' }],
            stopNow: null,
          },
        ]);
        expect(ledger.rules.verdict('PR_1')).toEqual({
          ...first,
          nodeId: 'PR_1',
          scanId: null,
          evaluatedAt: T0,
        });
        expect(ledger.rules.trails().get('PR_1')).toEqual({
          tier: first.tier,
          route: first.route,
          signals: first.signals.map((s) =>
            expect.objectContaining({ fingerprint: s.fingerprint }),
          ),
        });
        expect(first.signals.length).toBeGreaterThan(0);
        const second = verdict({ tier: 'watch', signals: [], pending: [] });
        ledger.rules.recordVerdicts(null, T0 + 1, [
          {
            nodeId: 'PR_1',
            verdict: second,
            candidates: { seen: [], cleared: ['ci_failing:abc'] },
            changes: [{ field: 'tier', from: 'escalate', to: 'watch' }],
            stopNow: 'three failed sessions',
          },
        ]);
        expect([...ledger.rules.verdicts().keys()]).toEqual(['PR_1']);
        expect(ledger.rules.verdict('PR_1')?.tier).toBe('watch');
        const history = ledger.rules.histories().get('PR_1');
        expect(history?.candidates).toEqual([
          expect.objectContaining({
            fingerprint: 'ci_failing:abc',
            seenCount: 1,
            clearedAt: T0 + 1,
            actedAt: null,
          }),
        ]);
        expect(history?.controls).toEqual([
          { at: T0 + 1, action: 'stop', by: 'stop-loss', reason: 'three failed sessions' },
        ]);
        expect(ledger.rules.funnelRows(T0).candidates.map((c) => c.nodeId)).toEqual(['PR_1']);
        expect(ledger.rules.funnelRows(T0 + 2).candidates).toEqual([]);
      });
    });

    it('dates a verdict by the latest scan that judged it, changed or not, and by a stop after it', async () => {
      await withLedger(fresh, (ledger) => {
        const record = (v: Verdict) => ({
          nodeId: 'PR_1',
          verdict: v,
          candidates: { seen: [], cleared: [] },
          changes: [],
          stopNow: null,
        });
        const scan = (at: number, v: Verdict) =>
          ledger.prs.recordScan(run({ startedAt: at, finishedAt: at }), [pr()], new Map(), (id) =>
            ledger.rules.recordVerdicts(id, at, [record(v)]),
          );
        const first = scan(T0, verdict());
        expect(ledger.rules.verdict('PR_1')).toMatchObject({ scanId: first, evaluatedAt: T0 });
        const same = scan(T0 + 10, verdict());
        expect(same).not.toBe(first);
        expect(ledger.rules.verdict('PR_1')).toMatchObject({ scanId: same, evaluatedAt: T0 + 10 });
        expect(ledger.rules.verdicts().get('PR_1')).toEqual(ledger.rules.verdict('PR_1'));
        const changed = scan(T0 + 20, verdict({ score: 9 }));
        expect(ledger.rules.verdict('PR_1')).toMatchObject({
          scanId: changed,
          evaluatedAt: T0 + 20,
          score: 9,
        });
        // A verdict recorded outside a scan (radar stop) is dated by itself until the next scan.
        ledger.rules.recordVerdicts(null, T0 + 30, [record(verdict({ score: 9 }))]);
        expect(ledger.rules.verdict('PR_1')).toMatchObject({ scanId: null, evaluatedAt: T0 + 30 });
        const after = scan(T0 + 40, verdict({ score: 9 }));
        expect(ledger.rules.verdicts().get('PR_1')).toMatchObject({
          scanId: after,
          evaluatedAt: T0 + 40,
        });
      });
    });

    it.each<[string, Partial<Verdict>]>([
      ['the tier', { tier: 'watch' }],
      ['the score', { score: 7.5 }],
      ['the route', { route: 'claude' }],
      [
        "a signal's detail",
        {
          signals: [
            {
              kind: 'ci_failing',
              fingerprint: 'ci_failing:abc',
              detail: 'failing: lint',
              evidence: {},
            },
          ],
        },
      ],
      ['the pending list', { pending: [] }],
      ['the reasons', { reasons: ['CI fails', 'stale'] }],
      ['the suppression', { suppressed: 'zombie' }],
      ['the recommendation', { recommendation: 'close' }],
    ])(
      'rewrites a verdict a scan changes in %s alone',
      async (_what, overrides: Partial<Verdict>) => {
        await withLedger(fresh, (ledger) => {
          const scan = (at: number, v: Verdict) =>
            ledger.prs.recordScan(run({ startedAt: at, finishedAt: at }), [pr()], new Map(), (id) =>
              ledger.rules.recordVerdicts(id, at, [
                {
                  nodeId: 'PR_1',
                  verdict: v,
                  candidates: { seen: [], cleared: [] },
                  changes: [],
                  stopNow: null,
                },
              ]),
            );
          scan(T0, verdict());
          const changed = verdict(overrides);
          const second = scan(T0 + 10, changed);
          const { nodeId: _id, scanId, evaluatedAt, ...stored } = ledger.rules.verdict('PR_1')!;
          expect({ scanId, evaluatedAt }).toEqual({ scanId: second, evaluatedAt: T0 + 10 });
          expect(stored).toEqual(changed);
        });
      },
    );

    it('has no history, verdicts or permission boundaries when nothing was recorded', async () => {
      await withLedger(fresh, (ledger) => {
        expect(ledger.rules.histories().size).toBe(0);
        expect(ledger.rules.verdict('PR_1')).toBeUndefined();
        expect(ledger.rules.permissions()).toEqual([]);
        expect(ledger.rules.clearPermissions('acme/app')).toBe(0);
      });
    });
  });
}
