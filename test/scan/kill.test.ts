import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { CLI, pinnedPaths, runCli, tempTree } from '../helpers/cli.js';
import { openLedger } from '../../src/ledger/open.js';

const TOKEN = 'ghp_kill_test_token';
/** Large enough that recording the scan appends over a megabyte to the WAL. */
const PRS = 2000;
let fake: FakeGitHub;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  fake = await startFakeGitHub(
    generateQueue({ author: 'carol', prs: PRS, repos: 40, token: TOKEN }),
  );
});
afterAll(async () => {
  await fake.close();
  cleanups.forEach((c) => c());
});

const env = () => ({ GITHUB_API_URL: fake.url, GITHUB_TOKEN: TOKEN });

/** A fresh folder whose ledger exists (schema and all) but has never seen a scan. */
async function freshLedger(): Promise<string> {
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['carol'], includeDrafts: true },
      scan: { pageSize: 100 },
    }),
  });
  cleanups.push(t.cleanup);
  openLedger(join(t.dir, 'ledgers/radar.db')).close();
  return t.dir;
}

interface Trial {
  /** WAL size when the kill was sent; null when the scan ended before reaching the threshold. */
  killedAtWal: number | null;
  /** Largest WAL size seen while the scan ran. */
  maxWal: number;
  /** Requests the scan sent to the fake GitHub. */
  requests: number;
  prs: number;
  scanRuns: number;
  changes: number;
  integrity: unknown;
  /** What the scan printed on stderr (why a scan left to finish did not, when it did not). */
  stderr: string;
}

/**
 * Runs `radar scan` and sends SIGKILL as soon as the ledger's WAL reaches `threshold` bytes:
 * SQLite appends a transaction's pages to the WAL as it commits it, so the WAL's size says how
 * far the write has got. No hook in radar: the file is watched from outside, as a crash would
 * find it. Infinity lets the scan finish.
 *
 * Once the fake GitHub has answered the scan's last request (`requests`: what a whole scan
 * sends), the scan is lowered to the lowest CPU priority, so that on a busy machine it is the
 * scan's write that waits for a core, not this watcher.
 */
async function trial(dir: string, threshold: number, requests = Infinity): Promise<Trial> {
  const ledger = join(dir, 'ledgers/radar.db');
  const walSize = () => {
    try {
      return statSync(`${ledger}-wal`).size;
    } catch {
      return -1;
    }
  };
  // Every trial starts with a full GraphQL window, as a scan an hour later would: fifteen scans
  // of 2,000 PRs (270 points each) would otherwise run the fake's 5,000 points down to radar's
  // reserve, and a scan stopped for the rate limit records its run without PRs.
  delete fake.scenario.rateLimit;
  const requestsBefore = fake.stats.requests;
  const child = spawn(process.execPath, [CLI, 'scan'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, TZ: 'UTC', ...pinnedPaths(dir), ...env() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise((resolve) => child.on('close', resolve));
  let exited = false;
  child.on('exit', () => (exited = true));
  let killedAtWal: number | null = null;
  let maxWal = -1;
  let lowered = false;
  // The scan writes once it has every answer: from then on (and throughout a scan whose request
  // count is not known yet) the WAL is looked at on every turn of the event loop, to kill within
  // the write's few milliseconds; while the scan is still fetching, every millisecond, leaving
  // the cores to the scan and to the fake GitHub that answers it.
  const fetched = () => fake.stats.requests - requestsBefore >= requests;
  while (!exited) {
    if (!lowered && fetched() && child.pid) {
      lowered = true;
      setPriority(child.pid, 19);
    }
    const size = walSize();
    maxWal = Math.max(maxWal, size);
    if (size >= threshold) {
      child.kill('SIGKILL');
      killedAtWal = size;
      break;
    }
    await new Promise((resolve) =>
      requests === Infinity || fetched() ? setImmediate(resolve) : setTimeout(resolve, 1),
    );
  }
  await closed;
  // Opening the ledger read-write recovers it from the WAL as the next radar command would.
  const db = new Database(ledger);
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      killedAtWal,
      maxWal,
      requests: fake.stats.requests - requestsBefore,
      prs: count('prs'),
      scanRuns: count('scan_runs'),
      changes: count('pr_changes'),
      integrity: db.pragma('integrity_check', { simple: true }),
      stderr,
    };
  } finally {
    db.close();
  }
}

describe('radar scan killed with SIGKILL', () => {
  it('leaves the ledger as it was before the scan or after it, never half-written', async () => {
    // A scan left to finish: what "after" looks like, and how large its write grows.
    const full = await trial(await freshLedger(), Infinity);
    expect(full, full.stderr).toMatchObject({
      killedAtWal: null,
      prs: PRS,
      scanRuns: 1,
      integrity: 'ok',
    });
    expect(full.maxWal).toBeGreaterThan(500_000);

    // Kills at different points: while fetching (WAL open, still empty), at the first byte of
    // the write, then a quarter, half, three quarters and nearly all of the way through it. The
    // write takes a few milliseconds, so a kill may land after it on a busy machine: the points
    // are tried again (a bounded number of times) until two kills have landed inside the write.
    const points = [0.25, 0.5, 0.75, 0.95].map((f) => Math.floor(f * full.maxWal));
    const thresholds = [0, 1, ...points, ...points, 1, ...points, 1];
    const insideWrite = (t: Trial) => t.killedAtWal !== null && t.killedAtWal > 0 && t.prs === 0;
    const trials: Trial[] = [];
    let killedDir: string | undefined;
    for (const [i, threshold] of thresholds.entries()) {
      if (i >= 6 && trials.filter(insideWrite).length >= 2) break;
      const dir = await freshLedger();
      const t = await trial(dir, threshold, full.requests);
      trials.push(t);
      if (t.prs === 0) killedDir = dir;
      expect(t.integrity).toBe('ok');
      // All or nothing. If the scan were recorded in several transactions (a batch of PRs at a
      // time, or the run row apart from its PRs), a kill that lands after the first commit and
      // before the last leaves some PRs without the rest, or PRs without their scan run, or a
      // run without its changes: every one of these three counts would then be caught between
      // its "before" (0) and "after" (the finished scan's) value.
      const before = { prs: 0, scanRuns: 0, changes: 0 };
      const after = { prs: full.prs, scanRuns: full.scanRuns, changes: full.changes };
      const seen = { prs: t.prs, scanRuns: t.scanRuns, changes: t.changes };
      expect([before, after]).toContainEqual(seen);
    }
    // The test must have exercised the write itself: at least one kill landed after SQLite
    // started appending the scan to the WAL and before it committed, so the ledger was found as
    // it was before. (Kills that land after the commit find it as it is after.)
    expect(trials.filter(insideWrite).length).toBeGreaterThanOrEqual(1);

    // A ledger recovered from a kill takes the next scan as if nothing had happened.
    expect(killedDir).toBeDefined();
    const again = await runCli(['--json', 'scan'], {
      cwd: killedDir!,
      env: env(),
      timeoutMs: 120_000,
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'ok', prsSeen: PRS });
  }, 240_000); // up to 15 scans of 2,000 PRs on a busy machine
});
