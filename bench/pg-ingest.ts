import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus as osCpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgSyncClient } from '../src/ledger/pg/sync-client.js';
import type { IngestSummary } from '../src/tokens/ingest.js';
import { ROOT, fmt, median, ratio } from './common.js';
import { benchCorpus, corpusKind, splitArgs } from './corpora.js';
import { benchPgServer } from './pg-server.js';

/**
 * `node dist/bench/pg-ingest.js [MB] [rounds] [--corpus realistic|demo]` (default 1000 MB, 1
 * round): the ingest of the benchmark corpus (bench/.corpus, made as bench/ingest.ts makes it)
 * into a new SQLite ledger and into a new PostgreSQL schema on loopback, in the same run, round
 * by round (the server: RADAR_TEST_PG_URL, else a throwaway one); then an unchanged re-ingest
 * into each, with the statements the PostgreSQL one sent. Prints the medians, the median of each
 * round's PostgreSQL/SQLite ratio (goal ≤ 2×), and whether both ledgers hold the generator's
 * totals.
 */

const RUN = join(ROOT, 'dist/bench/ingest-run.js');

interface Outcome {
  ms: number;
  statements?: number;
  summary: IngestSummary;
}

function ingest(ledger: string, paths: string[]): Outcome {
  const r = spawnSync(process.execPath, [RUN, ledger, ...paths], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, RADAR_MACHINE_ID: 'bench-machine' },
  });
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome;
}

function onServer(url: string, sql: string): void {
  const client = new PgSyncClient(url);
  try {
    client.query(sql);
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const mb = Number(positional[0] ?? 1000);
  const rounds = Number(positional[1] ?? 1);
  const kind = corpusKind(flags.get('corpus'));
  const { logs, sessions } = await benchCorpus(kind, mb);
  const paths = [join(logs, 'codex'), join(logs, 'claude')];
  const server = await benchPgServer();
  const work = mkdtempSync(join(tmpdir(), 'radar-pg-bench-'));
  const seen = { sqlite: [] as Outcome[], pg: [] as Outcome[], sqliteAgain: [] as Outcome[] };
  const pgAgain: Outcome[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const schema = `bench_${process.pid}_${round}`;
      onServer(server.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      const url = `${server.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const file = join(work, `round-${round}.db`);
      // Alternate which engine goes first, so neither always has the warmer page cache.
      const order = round % 2 === 0 ? (['sqlite', 'pg'] as const) : (['pg', 'sqlite'] as const);
      for (const engine of order) {
        if (engine === 'sqlite') {
          seen.sqlite.push(ingest(file, paths));
          seen.sqliteAgain.push(ingest(file, paths));
        } else {
          seen.pg.push(ingest(url, paths));
          pgAgain.push(ingest(url, paths));
        }
      }
      rmSync(file, { force: true });
      onServer(server.url, `DROP SCHEMA ${schema} CASCADE`);
    }
    const ms = (runs: Outcome[]) => median(runs.map((r) => r.ms));
    const paired = ratio(median(seen.pg.map((r, i) => r.ms / seen.sqlite[i]!.ms)), 1);
    const exact = [...seen.sqlite, ...seen.pg].every(
      (r) => r.summary.newTokens === sessions.tokens && r.summary.newEvents === sessions.events,
    );
    const idle = [...seen.sqliteAgain, ...pgAgain].every(
      (r) => r.summary.newEvents === 0 && r.summary.filesRead === 0,
    );
    const cpu = osCpus();
    const first = seen.pg[0]!.summary;
    process.stdout.write(
      [
        `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}; ${rounds} rounds, medians`,
        `corpus: ${kind}, ${first.filesSeen} files, truth ${sessions.tokens.toLocaleString('en-US')} tokens in ${sessions.events} events`,
        `SQLite ingest:      ${fmt(ms(seen.sqlite)).padStart(9)}`,
        `PostgreSQL ingest:  ${fmt(ms(seen.pg)).padStart(9)} (${paired} SQLite's, paired by round; goal ≤ 2×), ${median(seen.pg.map((r) => r.statements ?? 0))} statements`,
        `each round's ratio: ${seen.pg.map((r, i) => ratio(r.ms / seen.sqlite[i]!.ms, 1)).join(', ')}`,
        `unchanged re-ingest: SQLite ${fmt(ms(seen.sqliteAgain))}, PostgreSQL ${fmt(ms(pgAgain))} with ${median(pgAgain.map((r) => r.statements ?? 0))} statements for ${first.filesSeen} files (opening the ledger included)`,
        `totals: ${exact ? 'exact on both engines' : 'MISMATCH'}; re-ingest ${idle ? 'reads nothing and adds nothing' : 'READ OR ADDED SOMETHING'}`,
      ].join('\n') + '\n',
    );
    if (!exact || !idle) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
    server.stop();
  }
}

await main();
