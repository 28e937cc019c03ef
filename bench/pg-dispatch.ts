import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClaimRequest, Committed } from '../src/core/dispatch.js';
import type { OpenLedger } from '../src/ledger/ports.js';
import { openPgLedger } from '../src/ledger/pg/pg-ledger.js';
import { PgSyncClient } from '../src/ledger/pg/sync-client.js';
import { openSqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { ROOT, median, ratio } from './common.js';
import { benchPgServer } from './pg-server.js';

/**
 * `node dist/bench/pg-dispatch.js [claims] [rounds]` (default 300 claims, 3 rounds): dispatch
 * claims per second, each a claim with a reservation checked against the week (the transaction
 * a session starts with) followed by the session's end, into a new SQLite ledger and a new
 * PostgreSQL schema on loopback, round by round in the same run; then the same claims from four
 * processes at once on PostgreSQL (four machines' radars), all contending for the claim lock.
 * Prints the medians and the median of each round's ratio to SQLite.
 */

const WEEK = 7 * 86_400_000;

const fmt = (perSecond: number) => perSecond.toFixed(0);

function request(n: number, tag: string, now: number): ClaimRequest {
  return {
    nodeId: `PR_${tag}_${n}`,
    repo: 'acme/widget',
    number: n,
    headSha: null,
    fingerprints: new Map([[`ci_failing:${tag}:${n}`, 'ci_failing']]),
    agent: 'codex',
    argv: [],
    now,
    concurrency: 1_000_000,
    radarPid: process.pid,
    machine: 'bench',
    leaseUntil: now + 120_000,
    reason: null,
    live: () => true,
    reservation: {
      tokens: 1_000,
      since: now - WEEK,
      until: now + WEEK,
      fits: (c: Committed) => c.counted + c.reserved + 1_000 <= Number.MAX_SAFE_INTEGER,
    },
  };
}

/** Claims and ends `count` sessions; claims per second. */
function claimAll(ledger: OpenLedger, count: number, tag: string): number {
  const started = performance.now();
  for (let n = 0; n < count; n++) {
    const now = Date.now();
    const claim = ledger.dispatch.claim(request(n, tag, now));
    if (claim.kind !== 'claimed') throw new Error(`claim ${n}: ${claim.kind}`);
    ledger.dispatch.finish(claim.escalationId, {
      endedAt: now,
      exitCode: 0,
      outcome: 'succeeded',
      sessionId: null,
      tokens: 900,
      runLog: null,
      reason: null,
    });
  }
  return count / ((performance.now() - started) / 1000);
}

const CLAIMER = `
import { openPgLedger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/ledger/pg/pg-ledger.js')).href)};
const [url, who, count] = process.argv.slice(2);
const ledger = openPgLedger(url);
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  for (let n = 0; n < Number(count); n++) {
    const now = Date.now();
    const claim = ledger.dispatch.claim({
      nodeId: 'PR_' + who + '_' + n, repo: 'acme/widget', number: n, headSha: null,
      fingerprints: new Map([['ci_failing:' + who + ':' + n, 'ci_failing']]), agent: 'codex',
      argv: [], now, concurrency: 1e6, radarPid: process.pid, machine: 'm' + who,
      leaseUntil: now + 120000, reason: null, live: () => true,
      reservation: { tokens: 1000, since: now - 6e8, until: now + 6e8, fits: () => true },
    });
    if (claim.kind !== 'claimed') throw new Error('claim ' + n + ': ' + claim.kind);
    ledger.dispatch.finish(claim.escalationId, { endedAt: now, exitCode: 0, outcome: 'succeeded',
      sessionId: null, tokens: 900, runLog: null, reason: null });
  }
  ledger.close();
  process.stdout.write('done\\n');
});
`;

/** `processes` processes claim `count` sessions each at once; claims per second in all. */
async function contended(url: string, processes: number, count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-bench-claims-'));
  const script = join(dir, 'claimer.mjs');
  writeFileSync(script, CLAIMER);
  try {
    const children = Array.from({ length: processes }, (_, who) =>
      spawn(process.execPath, [script, url, String(who), String(count)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const waits = children.map((child) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('ready\n')) resolve();
        }),
      );
      const done = new Promise<void>((resolve, reject) =>
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`claimer exited ${code}`)),
        ),
      );
      return { ready, done };
    });
    await Promise.all(waits.map((w) => w.ready));
    const started = performance.now();
    for (const child of children) child.stdin.end('go\n');
    await Promise.all(waits.map((w) => w.done));
    return (processes * count) / ((performance.now() - started) / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new schema on the server, and a URL whose connections use it. */
function freshSchema(server: string, name: string): string {
  const admin = new PgSyncClient(server);
  try {
    admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`);
  } finally {
    admin.close();
  }
  return `${server}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 300);
  const rounds = Number(process.argv[3] ?? 3);
  const server = await benchPgServer();
  const dir = mkdtempSync(join(tmpdir(), 'radar-bench-dispatch-'));
  const sqlite: number[] = [];
  const pg: number[] = [];
  const four: number[] = [];
  const ratios: number[] = [];
  const fourRatios: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const lite = openSqliteLedger(join(dir, `r${round}`, 'radar.db'));
      const s = claimAll(lite, count, 's');
      lite.close();
      const url = freshSchema(server.url, `bench_dispatch_${round}`);
      const shared = openPgLedger(url);
      const p = claimAll(shared, count, 'p');
      shared.close();
      const c = await contended(url, 4, Math.ceil(count / 4));
      sqlite.push(s);
      pg.push(p);
      four.push(c);
      ratios.push(p / s);
      fourRatios.push(c / s);
      process.stdout.write(
        `round ${round + 1}: SQLite ${fmt(s)} claims/s, PostgreSQL ${fmt(p)} claims/s (${ratio(p, s)}), four processes ${fmt(c)} claims/s (${ratio(c, s)})\n`,
      );
    }
    process.stdout.write(
      `median of ${rounds}, ${count} claims each: SQLite ${fmt(median(sqlite))} claims/s; ` +
        `PostgreSQL ${fmt(median(pg))} claims/s (${ratio(median(ratios), 1)} of SQLite); ` +
        `four processes at once on PostgreSQL ${fmt(median(four))} claims/s in all (${ratio(median(fourRatios), 1)} of SQLite)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    server.stop();
  }
}

await main();
