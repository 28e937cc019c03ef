import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startFakeGitHub } from '../src/testing/fake-github/server.js';
import { generateQueue } from '../src/testing/fake-github/generate.js';
import { configSchema } from '../src/config/schema.js';
import { createGitHubClient } from '../src/github/client.js';
import { openLedger } from '../src/ledger/open.js';
import { PrStore } from '../src/ledger/pr-store.js';
import { RulesStore } from '../src/ledger/rules-store.js';
import { OutcomeStore } from '../src/ledger/outcome-store.js';
import { runScan } from '../src/scan/scan.js';
import { CLI, childrenCpuMs, fmt, median, ratio } from './common.js';

/**
 * `node dist/bench/scan.js [SCANS]`: `radar scan` against the fake GitHub with 50 ms per request,
 * for queues of 34 and 1,000 PRs; requests and points as the server counted them, beside a naive
 * REST client's ~6 requests per PR, and radar's own cost (wall time minus GitHub's answering);
 * then ledger growth over SCANS (default 1,000) unchanged scans. With RADAR_BASELINE_CLI set to
 * another build's dist/bin/cli.js, that build runs the same scans and the ratio is printed.
 */

const TOKEN = 'ghp_bench_token_not_a_secret';
const LATENCY = 50;
/** list + pull + reviews + comments + check-runs + statuses, per PR. */
const NAIVE_PER_PR = 6;

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The radar under test, and optionally a baseline build (RADAR_BASELINE_CLI) run beside it. */
const CLIS: { label: string; cli: string }[] = [
  { label: 'radar', cli: CLI },
  ...(process.env.RADAR_BASELINE_CLI
    ? [{ label: 'baseline', cli: process.env.RADAR_BASELINE_CLI }]
    : []),
];

/**
 * Each CLI's first scan and the median of three unchanged scans, the CLIs in turns (each with its
 * own fake GitHub and ledger), so a change in the machine's load touches them alike. radar's own
 * cost is the process's wall time minus the time the fake GitHub spent answering (its latency
 * included): GitHub's share is the same for every client that sends the same requests. The
 * process's CPU time is printed beside it: on a shared machine it varies less than wall time.
 */
async function cliScan(prs: number, repos: number): Promise<void> {
  const runs = await Promise.all(
    CLIS.map(async ({ label, cli }) => {
      const fake = await startFakeGitHub(
        generateQueue({ author: 'bench', prs, repos, token: TOKEN }),
        { latencyMs: LATENCY },
      );
      const dir = mkdtempSync(join(tmpdir(), 'radar-scan-bench-'));
      writeFileSync(
        join(dir, 'radar.json'),
        JSON.stringify({ watch: { authors: ['bench'], includeDrafts: true } }),
      );
      return { label, cli, fake, dir, own: [] as number[], cpu: [] as number[] };
    }),
  );
  try {
    for (const round of [0, 1, 2, 3])
      for (const r of round % 2 ? [...runs].reverse() : runs) {
        const { label, cli, fake, dir } = r;
        const args = [
          cli,
          '--config',
          join(dir, 'radar.json'),
          '--ledger',
          join(dir, 'l.db'),
          '--json',
          'scan',
        ];
        const env = { ...process.env, GITHUB_API_URL: fake.url, GITHUB_TOKEN: TOKEN };
        fake.resetStats();
        const cpuBefore = childrenCpuMs();
        const started = performance.now();
        // Async: the fake GitHub answers from this very process.
        const result = await run(args, env);
        const ms = performance.now() - started;
        const cpuAfter = childrenCpuMs();
        const cpu = cpuBefore === undefined || cpuAfter === undefined ? NaN : cpuAfter - cpuBefore;
        if (result.status !== 0) throw new Error(result.stderr);
        const summary = JSON.parse(result.stdout) as { prsSeen: number; durationMs: number };
        const mine = ms - fake.stats.answerMs;
        if (round > 0) {
          r.own.push(mine);
          r.cpu.push(cpu);
        }
        if (round > 1) continue;
        const naive = prs * NAIVE_PER_PR;
        process.stdout.write(
          `${label.padEnd(8)} ${String(prs).padStart(5)} PRs, ${round === 0 ? 'first scan' : 'next scan'}: ` +
            `${fake.stats.requests} requests, ${fake.stats.points} points ` +
            `(goal ≤ 1 request and 3 points per 50 PRs = ${Math.ceil(prs / 50)}/${3 * Math.ceil(prs / 50)}); ` +
            `naive REST ≈ ${naive} requests (${fmt(naive * LATENCY)} of latency alone); ` +
            `wall ${fmt(ms)} (scan ${fmt(summary.durationMs)}, ${summary.prsSeen} PRs), ` +
            `GitHub answering ${fmt(fake.stats.answerMs)}, radar's own ${fmt(mine)} (CPU ${fmt(cpu)})\n`,
        );
      }
  } finally {
    for (const r of runs) {
      await r.fake.close();
      rmSync(r.dir, { recursive: true, force: true });
    }
  }
  for (const r of runs)
    process.stdout.write(
      `${r.label.padEnd(8)} ${String(prs).padStart(5)} PRs, unchanged scan, radar's own (median of 3): ${fmt(median(r.own))} (CPU ${fmt(median(r.cpu))})\n`,
    );
  const [mine, base] = runs;
  if (mine && base)
    process.stdout.write(
      `${String(prs).padStart(5)} PRs: radar's own cost is ${ratio(median(mine.own), median(base.own))} the baseline's (CPU ${ratio(median(mine.cpu), median(base.cpu))})\n`,
    );
}

async function growth(scans: number): Promise<void> {
  const fake = await startFakeGitHub(
    generateQueue({ author: 'bench', prs: 34, repos: 12, token: TOKEN }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'radar-scan-growth-'));
  try {
    const db = openLedger(join(dir, 'l.db'));
    const config = configSchema.parse({ watch: { authors: ['bench'] } });
    const logger = pino({ level: 'silent' });
    const scan = async () => {
      const port = createGitHubClient({
        endpoint: { apiUrl: fake.url, graphqlUrl: `${fake.url}/graphql` },
        token: TOKEN,
        logger,
      });
      await runScan({
        port,
        store: new PrStore(db),
        rules: new RulesStore(db),
        outcomes: new OutcomeStore(db),
        config,
        logger,
        now: () => Date.now(),
      });
    };
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    await scan();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = {
      changes: count('pr_changes'),
      prs: count('prs'),
      bytes: statSync(join(dir, 'l.db')).size,
    };
    const started = performance.now();
    for (let i = 0; i < scans; i++) await scan();
    const ms = performance.now() - started;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = {
      changes: count('pr_changes'),
      prs: count('prs'),
      bytes: statSync(join(dir, 'l.db')).size,
    };
    process.stdout.write(
      `${scans} unchanged scans of 34 PRs (in-process, ${fmt(ms / scans)} each): history rows +${after.changes - before.changes} ` +
        `(goal 0), PR rows ${before.prs}→${after.prs}, scan_runs +${scans}, ledger ${(before.bytes / 1024).toFixed(0)} KiB → ${(after.bytes / 1024).toFixed(0)} KiB\n`,
    );
    db.close();
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await cliScan(34, 12);
await cliScan(1000, 150);
await growth(Number(process.argv[2] ?? 1000));
