import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { aggregateByColumn } from '../../src/ledger/token-report.js';
import { findSession, readProcs, signalProcs } from '../../src/process/tree.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { CLI, pinnedPaths, runCli, tempTree } from '../helpers/cli.js';
import { alive, deadWithin } from '../process/alive.js';
import { cliEnv, escalationFor } from './helpers.js';

/**
 * radar killed with SIGKILL mid-session: no handler runs, so nothing radar does at exit can stop
 * its agent. The agent (fake, mode `escape`) prints its tokens, leaves its process group twice
 * (a setsid child, a double-forked grandchild) and hangs, deaf to SIGTERM.
 */
const TOKEN = 'ghp_kill_test';
const PRINTED = 1000 + 100;
let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;
const ledger = () => join(t.dir, 'ledgers', 'radar.db');

beforeAll(async () => {
  gh = await startFakeGitHub(generateQueue({ author: 'dev', prs: 4, repos: 1, token: TOKEN }));
});
afterAll(async () => {
  await gh.close();
});
beforeEach(async () => {
  t?.cleanup();
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      dispatch: { timeoutMs: 120_000, killGraceMs: 500 },
      // The fake agents' provider has no budget source: dispatch only with the opt-in.
      budget: { allowUnknown: true },
    }),
  });
  env = cliEnv(
    t.dir,
    { url: gh.url, token: TOKEN },
    { TZ: 'UTC', HOME: t.dir, NO_COLOR: '1', FAKE_AGENT_TOKENS: '1000' },
  );
  expect((await runCli(['scan'], { cwd: t.dir, env })).code).toBe(0);
});
let radar: ChildProcess | undefined;
afterEach(() => {
  // Whatever a failing run left: radar, and every process of its fake agent.
  radar?.kill('SIGKILL');
  signalProcs(findSession(null, `FAKE_AGENT_DUMP_DIR=${join(t.dir, 'dump')}`), 'SIGKILL');
});
afterAll(() => t?.cleanup());

const ref = (i: number) => {
  const p = gh.scenario.pullRequests[i]!;
  return `${p.repo}#${p.number}`;
};

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Started {
  radar: ChildProcess;
  exited: Promise<unknown>;
  agent: number;
  escaped: number[];
}

/** `radar escalate` of PR 0, once its agent has printed its tokens and radar has logged them. */
async function startSession(): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'escalate', ref(0), '--yes'], {
    cwd: t.dir,
    env: { ...env, ...pinnedPaths(t.dir), FAKE_AGENT_MODE: 'escape' },
    stdio: 'ignore',
  });
  radar = child;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const dumpDir = join(t.dir, 'dump');
  const dump = await until('the agent', () => {
    const file = existsSync(dumpDir) ? readdirSync(dumpDir)[0] : undefined;
    if (!file) return undefined;
    try {
      const d = JSON.parse(readFileSync(join(dumpDir, file), 'utf8')) as Record<string, unknown>;
      return d.printed === PRINTED ? (d as { pid: number; escaped: number[] }) : undefined;
    } catch {
      return undefined; // being written
    }
  });
  const runs = join(t.dir, 'ledgers', 'runs');
  await until('the run log', () =>
    existsSync(runs) &&
    readdirSync(runs).some((f) => readFileSync(join(runs, f), 'utf8').includes('turn.completed'))
      ? true
      : undefined,
  );
  return { radar: child, exited, agent: dump.pid, escaped: dump.escaped };
}

/** The next dispatch closes the row; the tokens its run log holds are counted once. */
async function expectClosedAndCountedOnce(): Promise<void> {
  expect((await runCli(['escalate', ref(1), '--yes'], { cwd: t.dir, env })).code).toBe(0);
  // The agent's own rollout of the same thread, read later, is the same run.
  expect((await runCli(['ingest', join(t.dir, 'codex')], { cwd: t.dir, env })).code).toBe(0);
  const db = openLedger(ledger());
  try {
    const first = escalationFor(db, ref(0));
    expect(first).toMatchObject({
      outcome: 'failed',
      reason: 'radar stopped before the session ended',
      tokens: PRINTED,
    });
    const perPr = Object.fromEntries(aggregateByColumn(db, 'pr', {}).map((r) => [r.key, r.tokens]));
    expect(perPr[ref(0)]).toBe(PRINTED);
    const running = db.prepare(`SELECT count(*) AS n FROM escalations WHERE outcome = 'running'`);
    expect(running.get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
}

describe('kill -9 of radar mid-session', () => {
  it('its watchdog stops the agent and everything it started, even outside its group', async () => {
    const s = await startSession();
    s.radar.kill('SIGKILL');
    await s.exited;
    for (const pid of [s.agent, ...s.escaped]) expect(await deadWithin(pid, 15_000)).toBe(true);
    await expectClosedAndCountedOnce();
  });

  it('with its watchdog killed too, the next dispatch stops the orphaned session', async () => {
    const s = await startSession();
    const watchdog = await until('the watchdog', () =>
      readProcs().find(
        (p) =>
          p.ppid === s.radar.pid &&
          readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('watchdog'),
      ),
    );
    process.kill(watchdog.pid, 'SIGKILL');
    s.radar.kill('SIGKILL');
    await s.exited;
    expect(await deadWithin(watchdog.pid, 5000)).toBe(true);
    // Orphaned: nothing stops it until a radar looks.
    expect([s.agent, ...s.escaped].every(alive)).toBe(true);
    await expectClosedAndCountedOnce();
    for (const pid of [s.agent, ...s.escaped]) expect(await deadWithin(pid, 5000)).toBe(true);
  });
});
