import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FieldChange, StoredPr } from '../src/core/pr.js';
import type { VerdictRecord } from '../src/core/verdict.js';
import { PgDb } from '../src/ledger/pg/db.js';
import { migratePg } from '../src/ledger/pg/migrate.js';
import { pgLedger } from '../src/ledger/pg/pg-ledger.js';
import type { Ledger, ScanRunRecord } from '../src/ledger/ports.js';
import { openSqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { fmt, median, ratio } from './common.js';
import { syntheticPr } from './rules.js';

/**
 * `RADAR_BENCH_PG_URL=postgres://… node dist/bench/pg-scan.js [PRS]` (default 1,000): what a
 * scan writes and reads of the queue's families, on a SQLite file and on a fresh schema of that
 * PostgreSQL server, in turns: the first scan (every PR new, its verdict and candidate), a scan
 * where every PR changed, and a scan's read (PRs, histories, verdict trails). Medians of 5
 * rounds, the ratio PostgreSQL / SQLite, and the statements one scan's writes cost on PostgreSQL.
 */

const NOW = Date.parse('2026-06-15T12:00:00Z');

const run = (prsSeen: number): ScanRunRecord => ({
  startedAt: NOW,
  finishedAt: NOW + 1_000,
  status: 'ok',
  requests: 20,
  points: 60,
  remaining: 4_000,
  resetAt: null,
  prsSeen,
  changes: prsSeen,
  errors: [],
});

function records(prs: readonly StoredPr[], round: number): VerdictRecord[] {
  return prs.map((p) => ({
    nodeId: p.nodeId,
    verdict: {
      tier: 'escalate',
      score: 6 + round,
      route: 'codex',
      signals: [
        {
          kind: 'ci_failing',
          fingerprint: `ci_failing:${p.headSha}`,
          detail: 'build',
          evidence: {},
        },
      ],
      pending: [`ci_failing:${p.headSha}`],
      reasons: ['CI fails'],
      suppressed: null,
      recommendation: null,
    },
    candidates: {
      seen: [{ fingerprint: `ci_failing:${p.headSha}`, kind: 'ci_failing', suppressed: null }],
      cleared: round > 0 ? [`ci_failing:${'r'.repeat(round)}`] : [],
    },
    changes: [{ field: 'score', from: String(5 + round), to: String(6 + round) }],
    stopNow: null,
  }));
}

/** One scan's writes in its unit of work, as `radar scan` makes them. */
function writeScan(ledger: Ledger, prs: StoredPr[], round: number): void {
  const changes = new Map<string, FieldChange[]>(
    prs.map((p) => [p.nodeId, round ? [{ field: 'headSha', from: 'a', to: p.headSha }] : []]),
  );
  ledger.prs.recordScan(run(prs.length), prs, changes, (scanId) =>
    ledger.rules.recordVerdicts(scanId, NOW + round, records(prs, round)),
  );
}

function readScan(ledger: Ledger): number {
  return ledger.prs.all().length + ledger.rules.histories().size + ledger.rules.trails().size;
}

function time(f: () => unknown): number {
  const started = performance.now();
  f();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const server = process.env.RADAR_BENCH_PG_URL ?? process.env.RADAR_TEST_PG_URL;
  if (!server)
    throw new Error('set RADAR_BENCH_PG_URL to a PostgreSQL server radar may create a schema in');
  const count = Number(process.argv[2] ?? 1_000);
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = PgDb.connect(server);
  admin.exec(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'radar-bench-pg-scan-'));
  const engines: { label: string; times: Record<'first' | 'changed' | 'read', number[]> }[] = [
    { label: 'SQLite', times: { first: [], changed: [], read: [] } },
    { label: 'PostgreSQL', times: { first: [], changed: [], read: [] } },
  ];
  let statements = 0;
  try {
    for (let round = 0; round < 5; round++) {
      // Each round starts from empty ledgers, the engines in turns (order swapped every round).
      const sqliteLedger = openSqliteLedger(join(dir, `r${round}.db`));
      const db = PgDb.connect(
        `${server}${server.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      );
      migratePg(db);
      const opened: Ledger[] = [sqliteLedger, pgLedger(db)];
      if (round === 0) admin.exec(`SET search_path = ${schema}`);
      admin.exec('TRUNCATE scan_runs, prs, pr_changes, verdicts, signal_candidates, pr_controls');
      const prs = Array.from({ length: count }, (_, i) => syntheticPr(i + 1));
      const changed = prs.map((p) => ({
        ...p,
        headSha: `${p.headSha.slice(1)}c`,
        commentCount: 9,
      }));
      for (const i of round % 2 ? [1, 0] : [0, 1]) {
        const ledger = opened[i]!;
        const t = engines[i]!.times;
        t.first.push(time(() => writeScan(ledger, prs, 0)));
        t.changed.push(time(() => writeScan(ledger, changed, 1)));
        t.read.push(time(() => readScan(ledger)));
      }
      if (round === 0) {
        // Every statement one more scan's writes send to the server.
        const query = db.client.query.bind(db.client);
        db.client.query = ((sql: string, params?: readonly unknown[]) => {
          statements++;
          return query(sql, params);
        }) as typeof db.client.query;
        writeScan(
          opened[1]!,
          changed.map((p) => ({ ...p, commentCount: 10 })),
          2,
        );
      }
      sqliteLedger.close();
      db.close();
    }
  } finally {
    admin.exec(`DROP SCHEMA ${schema} CASCADE`);
    admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const [sqlite, pg] = engines as [(typeof engines)[0], (typeof engines)[0]];
  console.log(`queue of ${count.toLocaleString('en-US')} PRs, medians of 5 rounds`);
  for (const part of ['first', 'changed', 'read'] as const) {
    const a = median(sqlite.times[part]);
    const b = median(pg.times[part]);
    const what = {
      first: 'first scan (all new)',
      changed: 'scan, every PR changed',
      read: 'scan read (PRs, histories, trails)',
    }[part];
    console.log(
      `${what.padEnd(36)} SQLite ${fmt(a).padStart(9)}  PostgreSQL ${fmt(b).padStart(9)}  ${ratio(b, a)}`,
    );
  }
  console.log(`statements of one scan's writes on PostgreSQL: ${statements}`);
}

await main();
