import { describe, expect, it } from 'vitest';
import type { ScanRunRecord } from '../../../src/ledger/ports.js';
import { pr } from '../../rules/fixtures.js';
import { T0, source, tokenEvent, withLedger, type LedgerFactory } from './factory.js';

const run: ScanRunRecord = {
  startedAt: T0,
  finishedAt: T0 + 1_000,
  status: 'ok',
  requests: 1,
  points: 1,
  remaining: null,
  resetAt: null,
  prsSeen: 1,
  changes: 0,
  errors: [],
};

/** What `radar doctor` reads of every engine, and units of work that span families. */
export function maintenanceContract(fresh: LedgerFactory): void {
  describe('ledger maintenance', () => {
    it('a new ledger is sound, names its engine, and counts nothing', async () => {
      await withLedger(fresh, (ledger) => {
        expect(ledger.maintenance.integrity()).toEqual(['ok']);
        expect(ledger.maintenance.engine()).toEqual({
          name: expect.stringMatching(/^(SQLite|PostgreSQL)$/),
          version: expect.stringMatching(/^\d+\.\d+/),
        });
        const stats = ledger.maintenance.stats();
        expect(stats).toEqual({
          schema: stats.schema,
          tokenEvents: 0,
          tokenSources: 0,
          scanRuns: 0,
        });
        expect(stats.schema).toBeGreaterThan(0);
      });
    });

    it('counts scans', async () => {
      await withLedger(fresh, (ledger) => {
        ledger.prs.recordScan(run, [pr()], new Map());
        ledger.prs.recordScan(run, [], new Map());
        expect(ledger.maintenance.stats()).toMatchObject({ scanRuns: 2 });
      });
    });

    it('counts token sources and events', async () => {
      await withLedger(fresh, (ledger) => {
        ledger.tokens.transaction(() => {
          const sourceId = ledger.tokens.insertSource(source());
          ledger.tokens.insertEvent(tokenEvent(), {
            bucket: 'a',
            sourceId,
          });
          ledger.tokens.insertEvent(tokenEvent({ fingerprint: 'fp-2' }), {
            bucket: 'a',
            sourceId,
          });
        });
        expect(ledger.maintenance.stats()).toMatchObject({ tokenEvents: 2, tokenSources: 1 });
      });
    });
  });

  describe('ledger-wide units of work', () => {
    it('commits writes of several families together, or none of them', async () => {
      await withLedger(fresh, (ledger) => {
        expect(() =>
          ledger.transaction(() => {
            ledger.rules.addControl('PR_1', { at: T0, action: 'stop', by: 'user', reason: null });
            ledger.prs.recordScan(run, [pr({ nodeId: 'PR_1' })], new Map());
            throw new Error('the verdict failed');
          }),
        ).toThrow('the verdict failed');
        expect(ledger.prs.all()).toEqual([]);
        expect(ledger.rules.histories().size).toBe(0);
        ledger.transaction(() => {
          ledger.rules.addControl('PR_1', { at: T0, action: 'stop', by: 'user', reason: null });
          ledger.prs.recordScan(run, [pr({ nodeId: 'PR_1' })], new Map());
        });
        expect(ledger.prs.all().map((p) => p.nodeId)).toEqual(['PR_1']);
        expect(ledger.rules.histories('PR_1').get('PR_1')?.controls).toHaveLength(1);
      });
    });
  });
}
