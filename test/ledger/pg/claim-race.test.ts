import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import { ROOT } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';

/**
 * Claims from several processes at once, each its own connection as a machine's radar would be:
 * every process claims the same PRs in its own order once all are connected, and the ledger
 * must hold each fingerprint to one claim, the cap and the week's room to their bounds.
 */
const CLAIMER = `
import { openPgLedger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/ledger/pg/pg-ledger.js')).href)};
const [url, who, prs, concurrency, tokens, room] = process.argv.slice(2);
const ledger = openPgLedger(url);
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  const results = [];
  const n = Number(prs);
  for (let i = 0; i < n; i++) {
    const pr = ((i + Number(who) * 7) % n) + 1;
    const result = ledger.dispatch.claim({
      nodeId: 'PR_' + pr, repo: 'acme/widget', number: pr, headSha: null,
      fingerprints: new Map([['ci_failing:' + pr, 'ci_failing']]),
      agent: 'codex', argv: [], now: 1000 + i, concurrency: Number(concurrency),
      radarPid: 1000 + Number(who), machine: 'machine-' + who, leaseUntil: 60_000,
      reason: null, live: () => true,
      reservation: Number(tokens) ? {
        tokens: Number(tokens), since: 0, until: 10_000,
        fits: (c) => c.counted + c.reserved + Number(tokens) <= Number(room),
      } : undefined,
    });
    results.push({ pr, ...result });
  }
  ledger.close();
  process.stdout.write(JSON.stringify(results) + '\\n');
});
`;

interface Claimed {
  pr: number;
  kind: string;
  escalationId?: number;
}

let dropSchema: (() => void) | undefined;
afterEach(() => {
  dropSchema?.();
  dropSchema = undefined;
});

async function race(
  processes: number,
  prs: number,
  concurrency: number,
  reservation: { tokens: number; room: number } = { tokens: 0, room: 0 },
) {
  const schema = freshPgSchema();
  dropSchema = schema.drop;
  // Migrated once here, so the processes race on claims only.
  openPgLedger(schema.url).close();
  const script = join(mkdtempSync(join(tmpdir(), 'radar-claim-race-')), 'claimer.mjs');
  writeFileSync(script, CLAIMER);
  const children = Array.from({ length: processes }, (_, who) =>
    spawn(
      process.execPath,
      [
        script,
        schema.url,
        String(who),
        String(prs),
        String(concurrency),
        String(reservation.tokens),
        String(reservation.room),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const outputs = children.map((child) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: string) => {
        out += d;
        if (out.includes('ready\n')) resolve();
      }),
    );
    const done = new Promise<Claimed[]>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0
          ? resolve(JSON.parse(out.slice(out.indexOf('\n') + 1)) as Claimed[])
          : reject(new Error(`claimer exited with ${code}`)),
      ),
    );
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin.end('go\n');
  const results = (await Promise.all(outputs.map((o) => o.done))).flat();
  const ledger = openPgLedger(schema.url);
  try {
    return {
      results,
      claimed: results.filter((r) => r.kind === 'claimed'),
      running: ledger.dispatch.runningSessions(),
      committed: reservation.tokens ? ledger.dispatch.committed('codex', 0, 10_000) : undefined,
    };
  } finally {
    ledger.close();
  }
}

describe('claims from four processes at once on PostgreSQL', () => {
  it('claim each PR exactly once', async () => {
    const { results, claimed, running } = await race(4, 12, 1000);
    expect(results).toHaveLength(48);
    expect(claimed.map((c) => c.pr).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(running).toHaveLength(12);
    // Every other attempt found the PR being worked on.
    expect(results.filter((r) => r.kind === 'busy')).toHaveLength(36);
  });

  it('never start more sessions than the cap, however many claim', async () => {
    const { claimed, running, results } = await race(4, 12, 3);
    expect(claimed).toHaveLength(3);
    expect(running).toHaveLength(3);
    expect(results.filter((r) => r.kind === 'full').length).toBeGreaterThan(0);
  });

  it('never reserve past the week’s room', async () => {
    const { claimed, committed, results } = await race(4, 12, 1000, { tokens: 100, room: 700 });
    expect(claimed).toHaveLength(7);
    expect(committed).toEqual({ counted: 0, reserved: 700 });
    expect(results.filter((r) => r.kind === 'budget').length).toBeGreaterThan(0);
  });
});
