import { describe, expect, it } from 'vitest';
import { reconcileRuns, writeEvent, writeEvents } from '../../../src/tokens/record.js';
import type { Ledger } from '../../../src/ledger/ports.js';
import { MACHINE, T0, source, tokenEvent, withLedger, type LedgerFactory } from './factory.js';

/** A source to hang events on, and its place. */
function place(ledger: Ledger, path = '/logs/a.log', bucket = 'nightly') {
  const sourceId = ledger.tokens.insertSource(source({ path }));
  return { bucket, sourceId };
}

const WEEK = 7 * 86_400_000;

/** The behaviour every token ledger keeps: sources, events, runs, samples and units of work. */
export function tokenLedgerContract(fresh: LedgerFactory): void {
  describe('token ledger', () => {
    it('records an event once per fingerprint', async () => {
      await withLedger(fresh, async (ledger) => {
        const inserted = ledger.tokens.transaction(() => {
          const where = place(ledger);
          return [
            ledger.tokens.insertEvent(tokenEvent(), where),
            ledger.tokens.insertEvent(tokenEvent({ total: 999 }), where),
            ledger.tokens.insertEvent(tokenEvent({ fingerprint: 'fp-2' }), where),
          ];
        });
        expect(inserted).toEqual([true, false, true]);
        expect(await ledger.usage.countedTokens('codex', T0, T0 + 1)).toBe(240);
        expect(await ledger.usage.countedTokens('claude', T0, T0 + 1)).toBe(0);
      });
    });

    it('commits a unit of work whole or not at all', async () => {
      await withLedger(fresh, async (ledger) => {
        expect(() =>
          ledger.tokens.transaction(() => {
            ledger.tokens.insertEvent(tokenEvent(), place(ledger));
            throw new Error('crash mid-batch');
          }),
        ).toThrow('crash mid-batch');
        expect(ledger.tokens.recordedEvent('fp-1')).toBeUndefined();
        expect(ledger.tokens.firstCandidate('/logs/a.log', 1, 10, MACHINE)).toBeUndefined();
        expect(await ledger.usage.countedTokens('codex', 0, T0 + WEEK)).toBe(0);
      });
    });

    it('looks up and replaces a recorded event, the larger line of one response winning', async () => {
      await withLedger(fresh, async (ledger) => {
        const e = (total: number, model?: string) =>
          tokenEvent({
            keepLargest: true,
            format: 'claude-transcript',
            agent: 'claude',
            total,
            model,
          });
        const writes = ledger.tokens.transaction(() => {
          const where = place(ledger);
          return [
            writeEvent(ledger.tokens, e(50, 'opus'), where, [e(80, undefined), e(70)]),
            writeEvent(ledger.tokens, e(60), where),
            writeEvent(ledger.tokens, e(90), where),
          ];
        });
        expect(writes).toEqual([
          { write: 'inserted', tokens: 80, duplicates: 1 },
          { write: 'duplicate', tokens: 0, duplicates: 1 },
          { write: 'grew', tokens: 10, duplicates: 0 },
        ]);
        expect(ledger.tokens.recordedEvent('fp-1')).toEqual({ total: 90, model: 'opus' });
        expect(await ledger.usage.countedTokens('claude', T0, T0 + 1)).toBe(90);
      });
    });

    it("writes several files' events at once as one file after another: a copied response grows from the copy before it", async () => {
      await withLedger(fresh, async (ledger) => {
        const e = (total: number) =>
          tokenEvent({ keepLargest: true, format: 'claude-transcript', agent: 'claude', total });
        const writes = ledger.tokens.transaction(() => {
          const [a, b, c] = ['/a.jsonl', '/b.jsonl', '/c.jsonl'].map((path) => place(ledger, path));
          return writeEvents(ledger.tokens, [
            { event: e(50), where: a! },
            { event: e(70), later: [e(65)], where: b! },
            { event: e(60), where: c! },
            { event: e(90), where: c! },
          ]);
        });
        expect(writes).toEqual([
          { write: 'inserted', tokens: 50, duplicates: 0 },
          { write: 'grew', tokens: 20, duplicates: 1 },
          { write: 'duplicate', tokens: 0, duplicates: 1 },
          { write: 'grew', tokens: 20, duplicates: 0 },
        ]);
        expect(ledger.tokens.recordedEvent('fp-1')).toMatchObject({ total: 90 });
        expect(await ledger.usage.countedTokens('claude', T0, T0 + 1)).toBe(90);
      });
    });

    it('deletes events by fingerprint, reporting their counted tokens and runs', async () => {
      await withLedger(fresh, (ledger) => {
        ledger.tokens.transaction(() => {
          const where = place(ledger);
          ledger.tokens.insertEvent(tokenEvent({ runKey: 'codex:t1' }), where);
          ledger.tokens.insertEvent(tokenEvent({ fingerprint: 'fp-2', total: 7 }), where);
        });
        const removed = ledger.tokens.transaction(() =>
          ledger.tokens.deleteEvents(['fp-1', 'fp-2', 'never']),
        );
        expect(removed).toEqual({ events: 2, tokens: 127, runKeys: ['codex:t1'] });
        expect(ledger.tokens.recordedEvent('fp-1')).toBeUndefined();
      });
    });

    it('keeps sources: the first candidate by identity or path, and lineages by first bytes', async () => {
      await withLedger(fresh, (ledger) => {
        const hash = (b: Buffer) => `h:${b.toString('utf8')}`;
        const id = ledger.tokens.transaction(() =>
          ledger.tokens.insertSource(source({ headHash: hash(Buffer.from('abcd')), headLen: 4 })),
        );
        expect(ledger.tokens.firstCandidate('/logs/a.log', 9, 9, MACHINE)).toMatchObject({ id });
        expect(ledger.tokens.firstCandidate('/elsewhere', 1, 10, MACHINE)).toMatchObject({ id });
        expect(ledger.tokens.firstCandidate('/elsewhere', 9, 9, MACHINE)).toBeUndefined();
        // Renamed and moved to another device: found by its first bytes only.
        const byHead = ledger.tokens.knownSources(
          '/moved',
          2,
          20,
          [Buffer.from('abcdef')],
          hash,
          MACHINE,
        );
        expect(byHead.map((s) => s.id)).toEqual([id]);
        expect(
          ledger.tokens.knownSources('/moved', 2, 20, [Buffer.from('zzzz')], hash, MACHINE),
        ).toEqual([]);
        ledger.tokens.transaction(() =>
          ledger.tokens.updateSource(id, source({ path: '/moved', offset: 900, size: 900 })),
        );
        // What the stat shortcut compares; the planner's lookup gives the whole source.
        expect(ledger.tokens.firstCandidate('/moved', 0, 0, MACHINE)).toMatchObject({
          id,
          path: '/moved',
          dev: 1,
          ino: 10,
          size: 900,
          offset: 900,
          encoding: 'plain',
          mtimeMs: T0,
        });
        expect(ledger.tokens.knownSources('/moved', 0, 0, [], hash, MACHINE)).toMatchObject([
          { id, lineage: 'lineage-1', offset: 900, family: null },
        ]);
      });
    });

    it('inserts several sources in order and looks several files up at once, as one by one', async () => {
      await withLedger(fresh, (ledger) => {
        const hash = (b: Buffer) => `h:${b.toString('utf8')}`;
        const ids = ledger.tokens.transaction(() =>
          ledger.tokens.insertSources([
            source({ path: '/one', ino: 1, headHash: hash(Buffer.from('ab')), headLen: 2 }),
            source({ path: '/two', ino: 2, headHash: hash(Buffer.from('abcd')), headLen: 4 }),
            source({ path: '/three', ino: 3, headHash: hash(Buffer.from('xy')), headLen: 2 }),
          ]),
        );
        expect(
          ids.map(
            (_, i) =>
              ledger.tokens.firstCandidate(['/one', '/two', '/three'][i]!, 0, 0, MACHINE)?.id,
          ),
        ).toEqual(ids);
        const files = [
          { path: '/two', dev: 9, ino: 9, heads: [Buffer.from('abcdef')] },
          { path: '/new', dev: 1, ino: 3, heads: [Buffer.from('xyz'), Buffer.from('zz')] },
          { path: '/none', dev: 5, ino: 5, heads: [] },
          { path: '/one', dev: 1, ino: 1, heads: [Buffer.from('a')] },
        ];
        const together = ledger.tokens.knownSourcesOf(files, hash, MACHINE);
        expect(together).toEqual(
          files.map((f) =>
            ledger.tokens.knownSources(f.path, f.dev, f.ino, f.heads, hash, MACHINE),
          ),
        );
        expect(together.map((known) => known.map((s) => s.id))).toEqual([
          [ids[1], ids[0]],
          [ids[2]],
          [],
          [ids[0]],
        ]);
      });
    });

    it('hands a run its events and applies the decisions made about them', async () => {
      await withLedger(fresh, async (ledger) => {
        const run = 'codex:t1';
        ledger.tokens.transaction(() => {
          const rollout = place(ledger, '/sessions/rollout.jsonl', 'rollouts');
          ledger.tokens.insertEvent(
            tokenEvent({ format: 'codex-rollout', runKey: run, total: 300, at: T0 + 10 }),
            rollout,
          );
          expect(ledger.tokens.onlyOwnSessionEvents(run)).toBe(true);
          const launcher = place(ledger, '/logs/cron.log', 'nightly');
          ledger.tokens.insertEvent(
            tokenEvent({ fingerprint: 'fp-2', format: 'codex-text', runKey: run, total: 280 }),
            launcher,
          );
          expect(ledger.tokens.onlyOwnSessionEvents(run)).toBe(false);
          // A run without events has nothing to decide either.
          expect(ledger.tokens.settledRuns([run, 'codex:none'])).toEqual(new Set(['codex:none']));
          reconcileRuns(ledger.tokens, [run]);
        });
        const events = ledger.tokens.runEvents(run);
        expect(
          events.map(({ format, bucket, ownBucket, counted, total }) => ({
            format,
            bucket,
            ownBucket,
            counted,
            total,
          })),
        ).toEqual(
          expect.arrayContaining([
            {
              format: 'codex-rollout',
              bucket: 'nightly',
              ownBucket: 'rollouts',
              counted: true,
              total: 300,
            },
            {
              format: 'codex-text',
              bucket: 'nightly',
              ownBucket: 'nightly',
              counted: false,
              total: 280,
            },
          ]),
        );
        expect(events).toHaveLength(2);
        expect(await ledger.usage.countedTokens('codex', 0, T0 + WEEK)).toBe(300);
        expect(ledger.tokens.runEvents('codex:unknown')).toEqual([]);
      });
    });

    it('applies new amounts to a launcher marker, leaving unknown parts as they were', async () => {
      await withLedger(fresh, async (ledger) => {
        ledger.tokens.transaction(() =>
          ledger.tokens.insertEvent(tokenEvent({ runKey: 'codex:t2' }), place(ledger)),
        );
        const [event] = ledger.tokens.runEvents('codex:t2');
        ledger.tokens.transaction(() =>
          ledger.tokens.applyRunDecision({
            id: event!.id,
            counted: true,
            bucket: 'other',
            amounts: { input: null, cachedInput: null, output: null, reasoning: null, total: 33 },
          }),
        );
        expect(ledger.tokens.runEvents('codex:t2')).toEqual([
          expect.objectContaining({ bucket: 'other', counted: true, input: 100, total: 33 }),
        ]);
        expect(await ledger.usage.countedTokens('codex', 0, T0 + WEEK)).toBe(33);
      });
    });

    it('keeps each rate-limit sample once, the latest answering for its window', async () => {
      await withLedger(fresh, async (ledger) => {
        const sample = (at: number, usedPercent: number) => ({
          provider: 'codex' as const,
          windowMinutes: 10080,
          usedPercent,
          resetsAt: T0 + WEEK,
          at,
        });
        const written = ledger.tokens.transaction(() => [
          ledger.tokens.writeSample(sample(T0, 10), '/r.jsonl'),
          ledger.tokens.writeSample(sample(T0, 10), '/r.jsonl'),
          ledger.tokens.writeSample(sample(T0 + 60_000, 12.5), '/r.jsonl'),
        ]);
        expect(written).toEqual([true, false, true]);
        // In one call: the sample already recorded is not new, the later one is.
        const batch = ledger.tokens.transaction(() =>
          ledger.tokens.writeSampleRows([
            { sample: sample(T0, 10), sourcePath: '/r.jsonl' },
            { sample: sample(T0 + 120_000, 13), sourcePath: '/r.jsonl' },
          ]),
        );
        expect(batch).toBe(1);
        // Several files' samples in one call, in order: the first of two equal samples counts.
        const rows = ledger.tokens.transaction(() =>
          ledger.tokens.writeSampleRows([
            { sample: sample(T0 + 120_000, 13), sourcePath: '/r.jsonl' },
            { sample: sample(T0 + 180_000, 14), sourcePath: '/s.jsonl' },
            { sample: sample(T0 + 180_000, 14), sourcePath: '/r.jsonl' },
          ]),
        );
        expect(rows).toBe(1);
        expect(await ledger.usage.latestRateLimit('codex', 10080)).toEqual({
          usedPercent: 14,
          resetsAt: T0 + WEEK,
          at: T0 + 180_000,
        });
        expect(await ledger.usage.latestRateLimit('codex', 300)).toBeUndefined();
        expect(await ledger.usage.latestRateLimit('claude', 10080)).toBeUndefined();
      });
    });
  });
}
