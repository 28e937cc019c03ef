import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../src/ledger/open.js';
import { CLI, fmt, median, ratio, timeCommand } from './common.js';

/**
 * `node dist/bench/report.js [events]` (default 1,000,000): fills a ledger with a year of token
 * events and times `radar report tokens --by day` (and --by bucket) as a user runs it, against
 * `node -e 0` in the same run.
 */

function fill(ledger: string, events: number): void {
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
      output, reasoning, total, source_id, source_path, source_offset)
    SELECT 'bench:' || i, at, 'line',
      CASE (at / 3600000) % 4 WHEN 1 THEN 'claude' ELSE 'codex' END,
      CASE (at / 3600000) % 4 WHEN 0 THEN 'gpt-5.2-codex' WHEN 1 THEN 'claude-opus-4-5-20251101'
        WHEN 2 THEN 'gpt-5.1-codex-max' ELSE NULL END,
      'job-' || ((at / 3600000) % 12), 'codex-rollout', 1000 + i % 5000, 500, 200 + i % 700, 50,
      1200 + i % 5700, 1, '/bench.log', i
    FROM e`);
  db.close();
}

function main(): void {
  const events = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'radar-report-bench-'));
  try {
    const ledger = join(dir, 'ledger.db');
    const t0 = performance.now();
    fill(ledger, events);
    process.stdout.write(
      `ledger: ${events.toLocaleString('en-US')} events (filled in ${fmt(performance.now() - t0)})\n`,
    );
    const runs = 7;
    const node = median(
      Array.from({ length: runs }, () => timeCommand(process.execPath, ['-e', '0'])),
    );
    const env = { ...process.env, TZ: 'Europe/Berlin' };
    for (const by of ['day', 'bucket', 'month']) {
      const args = [CLI, '--ledger', ledger, '--json', 'report', 'tokens', '--by', by];
      timeCommand(process.execPath, args, env); // warm the page cache
      const ms = median(
        Array.from({ length: runs }, () => timeCommand(process.execPath, args, env)),
      );
      process.stdout.write(
        `radar report tokens --by ${by}: ${fmt(ms)} median of ${runs} (goal < 300 ms for day); node -e 0: ${fmt(node)} (${ratio(ms, node)})\n`,
      );
    }
  } finally {
    if (!process.env.RADAR_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept ${dir}\n`);
  }
}

main();
