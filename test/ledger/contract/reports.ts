import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../../src/ledger/ports.js';
import { T0, source, tokenEvent, withLedger, type LedgerFactory } from './factory.js';

const HOUR = 3_600_000;
const RATES = { input: 1e-6, cacheRead: 1e-7, cacheWrite: 1.25e-6, output: 8e-6 };

/** A Codex event at T0 (120 tokens, split) and a Claude event an hour later (50, text only). */
function twoEvents(ledger: Ledger): void {
  ledger.tokens.transaction(() => {
    const sourceId = ledger.tokens.insertSource(source());
    const where = { bucket: 'nightly', sourceId };
    ledger.tokens.insertEvent(tokenEvent(), where);
    ledger.tokens.insertEvent(
      tokenEvent({
        fingerprint: 'fp-2',
        at: T0 + HOUR,
        agent: 'claude',
        model: 'opus',
        format: 'claude-result',
        input: undefined,
        cachedInput: undefined,
        output: undefined,
        reasoning: undefined,
        total: 50,
      }),
      where,
    );
  });
}

/** The behaviour every report ledger keeps: counted tokens by column and by period. */
export function reportLedgerContract(fresh: LedgerFactory): void {
  describe('report ledger', () => {
    it('answers nothing for an empty ledger', async () => {
      await withLedger(fresh, async (ledger) => {
        expect(await ledger.reports.eventSpan()).toBeUndefined();
        expect(await ledger.reports.models()).toEqual([]);
        expect(await ledger.reports.aggregateByColumn('agent', {})).toEqual([]);
      });
    });

    it('sums by account: the account folder an event was read from names it (else null)', async () => {
      await withLedger(fresh, async (ledger) => {
        const backup = '/home/u/.claude-backup/projects/p/s.jsonl';
        ledger.tokens.transaction(() => {
          const a = ledger.tokens.insertSource(source());
          const b = ledger.tokens.insertSource(source({ lineage: 'l-2', path: backup, ino: 11 }));
          const claude = { agent: 'claude' as const, format: 'claude-result' as const };
          ledger.tokens.insertEvent(tokenEvent({ ...claude, model: 'opus' }), {
            bucket: 'x',
            sourceId: a,
          });
          ledger.tokens.insertEvent(
            tokenEvent({ ...claude, fingerprint: 'fp-2', model: 'haiku', total: 30 }),
            { bucket: 'x', sourceId: b },
          );
          // A Codex event under a Claude account's folder is not that account's.
          ledger.tokens.insertEvent(tokenEvent({ fingerprint: 'fp-3', total: 7 }), {
            bucket: 'x',
            sourceId: b,
          });
        });
        const folders = [
          { agent: 'claude', account: 'claude-backup', prefix: '/home/u/.claude-backup/' },
          { agent: 'claude', account: 'claude-short', prefix: '/home/u/.claude/' },
        ];
        const rows = async (agent?: string) =>
          (await ledger.reports.aggregateByAccount({}, folders, agent))
            .map((r) => [r.key ?? '-', r.agent, r.model, r.tokens])
            .sort();
        expect(await rows()).toEqual([
          ['-', 'claude', 'opus', 120],
          ['-', 'codex', 'gpt-5', 7],
          ['claude-backup', 'claude', 'haiku', 30],
        ]);
        expect(await rows('claude')).toEqual([
          ['-', 'claude', 'opus', 120],
          ['claude-backup', 'claude', 'haiku', 30],
        ]);
        expect(await ledger.reports.aggregateByAccount({ since: T0 + 1 }, folders)).toEqual([]);
      });
    });

    it('sums by a column, with or without bounds', async () => {
      await withLedger(fresh, async (ledger) => {
        twoEvents(ledger);
        const span = await ledger.reports.eventSpan();
        expect(span!.first).toBeLessThanOrEqual(T0);
        expect(span!.last).toBeGreaterThanOrEqual(T0 + HOUR);
        expect((await ledger.reports.models()).sort()).toEqual(['gpt-5', 'opus']);
        const byAgent = await ledger.reports.aggregateByColumn('agent', {});
        expect(byAgent.map((r) => [r.key, r.model, r.tokens, r.events]).sort()).toEqual([
          ['claude', 'opus', 50, 1],
          ['codex', 'gpt-5', 120, 1],
        ]);
        for (const since of [T0 + 1, T0 + HOUR]) {
          const later = await ledger.reports.aggregateByColumn('bucket', { since });
          expect(later.map((r) => [r.key, r.tokens, r.unsplit])).toEqual([['nightly', 50, 50]]);
        }
      });
    });

    it('sums and prices each period, leaving models without rates and unsplit tokens unpriced', async () => {
      await withLedger(fresh, async (ledger) => {
        twoEvents(ledger);
        const totals = await ledger.reports.periodTotals(
          [
            { key: 'first', start: T0, end: T0 + HOUR / 2 },
            { key: 'second', start: T0 + HOUR / 2, end: T0 + 2 * HOUR },
          ],
          {},
          new Map([['gpt-5', RATES]]),
        );
        const byKey = new Map(totals.map((t) => [t.key, t]));
        expect(byKey.get('first')).toMatchObject({ tokens: 120, events: 1, unpricedTokens: 0 });
        expect(byKey.get('first')!.costUsd).toBeCloseTo(
          60 * RATES.input + 40 * RATES.cacheRead + 20 * RATES.output,
          12,
        );
        expect(byKey.get('second')).toMatchObject({ tokens: 50, events: 1, unpricedTokens: 50 });
        expect(byKey.get('second')!.costUsd).toBeUndefined();
      });
    });
  });
}
