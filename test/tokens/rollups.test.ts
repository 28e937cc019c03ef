import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusTruth } from '../../src/demo/corpus.js';
import { aggregateByPeriod, ledgerModels, periodTotals } from '../../src/ledger/token-report.js';
import { buildReport, reportFromTotals } from '../../src/tokens/report.js';
import type { Rates, TokenReport } from '../../src/core/token-report.js';
import { periods } from '../../src/time/zone.js';
import { runRadar } from '../helpers/cli.js';

/**
 * The roll-up tables reports read are added to per ingest batch, not per row: after ingests in
 * pieces (files in several runs, a transcript and a cron log that grow between runs, an
 * unfinished last line replaced when complete, runs counted from another source), each must
 * equal the grouped sums of the counted events, and the totals the generator's truth.
 */

let dir: string;
let corpus: string;
let ledger: string;
let truth: CorpusTruth;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-rollups-'));
  corpus = join(dir, 'logs');
  ledger = join(dir, 'l.db');
  truth = await generateCorpus(corpus, { seed: 11, now: new Date(), targetBytes: 300_000 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ingest = async (paths: string[]) => {
  const r = await runRadar(['--ledger', ledger, '--json', 'ingest', ...paths], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { newEvents: number; newTokens: number };
};

// Tokens of events without a split (text markers give only a total) are summed apart: unpriced.
const UNSPLIT = `CASE WHEN coalesce(input, 0) + coalesce(cached_input, 0) + coalesce(cache_creation, 0)
  + coalesce(output, 0) = 0 THEN total ELSE 0 END`;
const SUMS = `sum(total) AS tokens, count(*) AS events, sum(coalesce(input, 0)) AS input,
  sum(coalesce(cached_input, 0)) AS cached, sum(coalesce(cache_creation, 0)) AS cacheCreation,
  sum(coalesce(output, 0)) AS output, sum(${UNSPLIT}) AS unsplit`;
const ROLLED = `tokens, events, input, cached, cache_creation AS cacheCreation, output, unsplit`;

function tables(): Record<string, unknown[]> {
  const db = new Database(ledger, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      timeFromEvents: all(
        `SELECT at / 900000 AS k, agent, coalesce(model, '') AS model, ${SUMS}
         FROM token_events WHERE counted = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ),
      time: all(
        `SELECT slot AS k, agent, model, ${ROLLED} FROM token_rollup_time WHERE events <> 0 ORDER BY 1, 2, 3`,
      ),
      hourFromEvents: all(
        `SELECT at / 3600000 AS k, agent, coalesce(model, '') AS model, ${SUMS}
         FROM token_events WHERE counted = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ),
      hour: all(
        `SELECT hour AS k, agent, model, ${ROLLED} FROM token_rollup_hour WHERE events <> 0 ORDER BY 1, 2, 3`,
      ),
      dayFromEvents: all(
        `SELECT at / 86400000 AS k, agent, coalesce(model, '') AS model, ${SUMS}
         FROM token_events WHERE counted = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ),
      day: all(
        `SELECT day AS k, agent, model, ${ROLLED} FROM token_rollup_day WHERE events <> 0 ORDER BY 1, 2, 3`,
      ),
      bucketFromEvents: all(
        `SELECT bucket AS k, agent, coalesce(model, '') AS model, ${SUMS}
         FROM token_events WHERE counted = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ),
      bucket: all(
        `SELECT bucket AS k, agent, model, ${ROLLED} FROM token_rollup_bucket WHERE events <> 0 ORDER BY 1, 2, 3`,
      ),
      pending: all(`SELECT id FROM token_events WHERE counted NOT IN (0, 1)`),
    };
  } finally {
    db.close();
  }
}

function transcripts(): string[] {
  const project = join(corpus, 'claude/projects');
  const folder = join(project, readdirSync(project)[0]!);
  return readdirSync(folder)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => join(folder, n))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

describe('roll-ups kept per batch', () => {
  it('equal the counted events after ingests in pieces, growth and replaced lines', async () => {
    // The largest transcript and the daily cron log start cut short (the transcript mid-line).
    const transcript = transcripts()[0]!;
    const daily = join(corpus, 'cron/daily-macro-doctor.log');
    const whole = { transcript: readFileSync(transcript), daily: readFileSync(daily) };
    writeFileSync(
      transcript,
      whole.transcript.subarray(0, Math.floor(whole.transcript.length / 2)),
    );
    const dailyCut = whole.daily.lastIndexOf(10, Math.floor(whole.daily.length / 2)) + 1;
    writeFileSync(daily, whole.daily.subarray(0, dailyCut));

    let tokens = (await ingest([join(corpus, 'cron')])).newTokens;
    tokens += (await ingest([join(corpus, 'claude')])).newTokens;
    appendFileSync(transcript, whole.transcript.subarray(whole.transcript.length / 2));
    appendFileSync(daily, whole.daily.subarray(dailyCut));
    tokens += (await ingest([corpus])).newTokens;
    tokens += (await ingest([corpus])).newTokens;

    expect(tokens).toBe(truth.tokens);
    const t = tables();
    expect(t.pending).toEqual([]);
    expect(t.time).toEqual(t.timeFromEvents);
    expect(t.hour).toEqual(t.hourFromEvents);
    expect(t.day).toEqual(t.dayFromEvents);
    expect(t.bucket).toEqual(t.bucketFromEvents);
    const r = await runRadar(['--ledger', ledger, '--json', 'report', 'tokens', '--by', 'day'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout) as { total: { tokens: number; events: number } };
    expect(report.total).toMatchObject({ tokens: truth.tokens, events: truth.events });
  });

  it.each([
    'UTC',
    'Europe/Berlin',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'America/St_Johns',
    'Pacific/Kiritimati',
    'Pacific/Pago_Pago',
  ])('give the same days, weeks and months as the events themselves in %s', (zone) => {
    const db = new Database(ledger, { readonly: true });
    try {
      const span = db
        .prepare(`SELECT min(at) AS first, max(at) AS last FROM token_events WHERE counted = 1`)
        .get() as { first: number; last: number };
      const fromEvents = db.prepare(
        `SELECT agent, model, total(total) AS tokens, count(*) AS events, total(input) AS input,
           total(cached_input) AS cached, total(cache_creation) AS cacheCreation, total(output) AS output,
           total(${UNSPLIT}) AS unsplit
         FROM token_events WHERE counted = 1 AND at >= ? AND at < ? GROUP BY 1, 2`,
      );
      for (const unit of ['day', 'week', 'month'] as const) {
        const list = periods(span.first, span.last, unit, zone, 1);
        const expected = list.flatMap((p) =>
          (fromEvents.all(p.start, p.end) as object[]).map((r) => ({ key: p.key, ...r })),
        );
        const order = (rows: object[]) =>
          [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(order(aggregateByPeriod(db, list, {}))).toEqual(order(expected));
      }
    } finally {
      db.close();
    }
  });
});

describe('a report priced inside SQLite', () => {
  it.each(['UTC', 'Europe/Berlin', 'Asia/Kathmandu'])(
    'gives the tokens, costs and unpriced tokens per period that pricing each row in JavaScript gives (%s)',
    (zone) => {
      const db = new Database(ledger, { readonly: true });
      try {
        const models = ledgerModels(db);
        expect(models.length).toBeGreaterThan(1);
        // Some models priced (Claude and Codex rows price differently), the rest not.
        const rates = new Map<string, Rates>(
          models
            .filter((_, i) => i % 2 === 0)
            .map((m, i) => [
              m,
              { input: 1e-6 * (i + 1), cacheRead: 1e-7, cacheWrite: 2e-6 * (i + 1), output: 1e-5 },
            ]),
        );
        const prices = (model: string) => rates.get(model);
        const span = db
          .prepare(`SELECT min(at) AS first, max(at) AS last FROM token_events WHERE counted = 1`)
          .get() as { first: number; last: number };
        let priced = 0;
        for (const unit of ['day', 'week', 'month'] as const) {
          const list = periods(span.first, span.last, unit, zone, 1);
          // Whole periods from the roll-ups, and an unaligned range from the events.
          for (const range of [{}, { since: span.first + 1234, until: span.last - 5678 }]) {
            const expected = buildReport(aggregateByPeriod(db, list, range), unit, { prices });
            const got = reportFromTotals(periodTotals(db, list, range, rates), unit);
            const plain = (r: TokenReport) =>
              r.groups.map((g) => [g.key, g.tokens, g.events, g.unpricedTokens]);
            expect(plain(got)).toEqual(plain(expected));
            got.groups.forEach((g, i) => {
              const cost = expected.groups[i]!.costUsd;
              expect(g.costUsd).toEqual(cost === undefined ? undefined : expect.closeTo(cost, 9));
              if (cost) priced++;
            });
            expect(got.total.tokens).toBe(expected.total.tokens);
            expect(got.total.unpricedTokens).toBe(expected.total.unpricedTokens);
            expect(got.total.costUsd).toBeCloseTo(expected.total.costUsd!, 6);
          }
        }
        expect(priced).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    },
  );
});
