import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusTruth } from '../../src/demo/corpus.js';
import { runRadar } from '../helpers/cli.js';

/**
 * End to end: a generated corpus with every known trap (re-emitted and rate-limit-only
 * token_count events, an archived copy, a forked session replaying its parent, partial and
 * synthetic Claude lines, stream-json assistant lines, prose that is not a marker) must be
 * ingested to exactly the generator's truth, and a second ingest must add nothing.
 */

interface IngestJson {
  filesSeen: number;
  newEvents: number;
  newTokens: number;
  linesSkipped: number;
  skipped: Record<string, number>;
  unreadable: unknown[];
}

interface ReportJson {
  total: { tokens: number; events: number };
  groups: { key: string; tokens: number; events: number }[];
}

let dir: string;
let corpus: string;
let ledger: string;
let truth: CorpusTruth;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-corpus-'));
  corpus = join(dir, 'logs');
  ledger = join(dir, 'l.db');
  truth = await generateCorpus(corpus, { seed: 7, now: new Date(), targetBytes: 400_000 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ingest = async (): Promise<IngestJson> => {
  const r = await runRadar(['--ledger', ledger, '--json', 'ingest', corpus], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as IngestJson;
};

describe('generated corpus', () => {
  it('is deterministic and covers every bucket', async () => {
    const again = mkdtempSync(join(tmpdir(), 'radar-corpus-'));
    try {
      const second = await generateCorpus(join(again, 'logs'), {
        seed: 7,
        now: new Date(Date.parse('2026-06-15T12:00:00Z')),
        targetBytes: 400_000,
      });
      const third = await generateCorpus(join(again, 'logs2'), {
        seed: 7,
        now: new Date(Date.parse('2026-06-15T12:00:00Z')),
        targetBytes: 400_000,
      });
      expect(third).toEqual(second);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
    expect(Object.keys(truth.byBucket).sort()).toEqual(
      [
        'claude-fixer',
        'claude-session',
        'claude-stream',
        'codex-session',
        'daily-macro-doctor',
        'exec-review',
        'hourly-doctor',
        'nightly-triage',
      ].sort(),
    );
    const sum = Object.values(truth.byBucket).reduce(
      (acc, b) => ({ events: acc.events + b.events, tokens: acc.tokens + b.tokens }),
      { events: 0, tokens: 0 },
    );
    expect(sum).toEqual({ events: truth.events, tokens: truth.tokens });
  });

  it('is ingested to exactly its truth, and a second ingest adds nothing', async () => {
    const first = await ingest();
    expect(first.unreadable).toEqual([]);
    expect(first.filesSeen).toBe(truth.files);
    expect(first.skipped).toEqual({});
    expect(first.linesSkipped).toBe(0);
    expect({ events: first.newEvents, tokens: first.newTokens }).toEqual({
      events: truth.events,
      tokens: truth.tokens,
    });

    const again = await ingest();
    expect({ events: again.newEvents, tokens: again.newTokens }).toEqual({ events: 0, tokens: 0 });
  });

  it('reports the truth per bucket', async () => {
    const r = await runRadar(['--ledger', ledger, '--json', 'report', 'tokens', '--by', 'bucket'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ReportJson;
    expect({ tokens: report.total.tokens, events: report.total.events }).toEqual({
      tokens: truth.tokens,
      events: truth.events,
    });
    const byBucket = Object.fromEntries(
      report.groups.map((g) => [g.key, { events: g.events, tokens: g.tokens }]),
    );
    expect(byBucket).toEqual(truth.byBucket);
  });
});
