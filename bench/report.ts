import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../src/ledger/open.js';
import { PENDING_GROUPS, SETTLE_PENDING } from '../src/ledger/token-schema.js';
import { CLI, fmt, median, ratio, timeCommand } from './common.js';

/**
 * `node dist/bench/report.js [events] [runs]` (default 1,000,000 and 7): fills ledgers with a
 * year of token events (one model an hour; 12 models in every 15-minute slot, without and with
 * prices, so every model is priced apart) and times
 * `radar report tokens --by day|bucket|month` as a user runs it, each run beside a `node -e 0`.
 */

/** Models with a price: a report prices each of them apart. */
const PRICED_MODELS = [
  'gpt-5',
  'gpt-5-codex',
  'gpt-5-mini',
  'gpt-4.1',
  'gpt-4o',
  'o3',
  'claude-sonnet-4-5',
  'claude-opus-4-1',
  'claude-3-5-haiku-latest',
  'gpt-5.1',
  'o4-mini',
  'gpt-4.1-mini',
];

/**
 * Model of event i: one per hour (each hour owned by one job), or with `models` > 1 spread over
 * that many models within every 15-minute slot (many rows per slot in the roll-ups).
 */
function modelOf(models: number, priced: boolean): string {
  if (models > 1 && priced)
    return `CASE i % ${models} ${PRICED_MODELS.slice(0, models)
      .map((m, n) => `WHEN ${n} THEN '${m}'`)
      .join(' ')} END`;
  if (models > 1) return `'model-' || (i % ${models})`;
  return `CASE (at / 3600000) % 4 WHEN 0 THEN 'gpt-5.2-codex' WHEN 1 THEN 'claude-opus-4-5-20251101'
        WHEN 2 THEN 'gpt-5.1-codex-max' ELSE NULL END`;
}

function fill(ledger: string, events: number, models: number, priced: boolean): void {
  const db = openLedger(ledger);
  db.prepare(
    `INSERT INTO token_sources (lineage, path, head_hash, head_len, size, offset, first_seen, last_ingested)
     VALUES ('bench', '/bench.log', 'h', 1, 1, 1, 0, 0)`,
  ).run();
  // A recursive CTE fills the table inside SQLite: seconds instead of a million round trips.
  // Shaped like a real ledger: an event every ~32 s for a year, each hour owned by one of 12
  // cron jobs (bucket), each job on one agent and model.
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${events - 1}),
    e(i, at, job) AS (SELECT i, 1767225600000 + i * (31536000000 / ${events}), 0 FROM n)
    INSERT INTO token_events (fingerprint, at, at_source, agent, model, bucket, format, input, cached_input,
      output, reasoning, total, source_id, source_path, source_offset, counted)
    SELECT 'bench:' || i, at, 'line',
      CASE (at / 3600000) % 4 WHEN 1 THEN 'claude' ELSE 'codex' END,
      ${modelOf(models, priced)},
      'job-' || ((at / 3600000) % 12), 'codex-rollout', 1000 + i % 5000, 500, 200 + i % 700, 50,
      1200 + i % 5700, 1, '/bench.log', i, 1
    FROM e`);
  // Inserted as an ingest inserts them, then added to the roll-ups as a batch is.
  db.exec(PENDING_GROUPS);
  SETTLE_PENDING.forEach((sql, i) => (i === 0 ? db.prepare(sql).run(0) : db.exec(sql)));
  db.close();
}

/** Ledgers of the benchmark: `models` per slot (1: one model an hour, as cron jobs run). */
const SHAPES = [
  { name: 'one model an hour', models: 1, priced: true },
  { name: 'many models per slot', models: 12, priced: false },
  { name: 'many priced models per slot', models: 12, priced: true },
];

function main(): void {
  const events = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'radar-report-bench-'));
  try {
    const env = { ...process.env, TZ: 'Europe/Berlin' };
    const nodeArgs = ['-e', '0'];
    timeCommand(process.execPath, nodeArgs);
    for (const shape of SHAPES) {
      const ledger = join(dir, `ledger-${shape.models}${shape.priced ? '-priced' : ''}.db`);
      const t0 = performance.now();
      fill(ledger, events, shape.models, shape.priced);
      process.stdout.write(
        `ledger: ${events.toLocaleString('en-US')} events, ${shape.name} (filled in ${fmt(performance.now() - t0)})\n`,
      );
      for (const by of ['day', 'bucket', 'month']) {
        const args = [CLI, '--ledger', ledger, '--json', 'report', 'tokens', '--by', by];
        timeCommand(process.execPath, args, env); // warm the page cache
        // radar and node -e 0 in turn, so each ratio compares two runs made side by side.
        const pairs = Array.from({ length: runs }, () => {
          const ms = timeCommand(process.execPath, args, env);
          return { ms, node: timeCommand(process.execPath, nodeArgs) };
        });
        const ms = median(pairs.map((p) => p.ms));
        const node = median(pairs.map((p) => p.node));
        const r = median(pairs.map((p) => p.ms / p.node));
        process.stdout.write(
          `  radar report tokens --by ${by.padEnd(6)} ${fmt(ms).padStart(7)}; node -e 0 ${fmt(node)}; ${ratio(r, 1)} (median of ${runs} pairs; goal ≤ 2× for day)\n`,
        );
      }
    }
  } finally {
    if (!process.env.RADAR_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept ${dir}\n`);
  }
}

main();
