import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runRadar } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';
import { REAL_FIXTURES, copyScenario, scenarioTokens } from '../../helpers/real-fixtures.js';

/**
 * Four simulated machines (their own HOME, state folder, machine id and name, and log folders)
 * ingest at once into one PostgreSQL ledger, as `radar ingest` child processes; then their sync
 * tool copies some logs between them (a rollout synced to a second machine is still one run) and
 * one new session lands on two machines at once, and they ingest at once again. Totals are exact
 * by machine and in all, and the same inputs ingested one machine after another into SQLite give
 * the same reports.
 */

const MACHINES = ['m0', 'm1', 'm2', 'm3'] as const;
type MachineName = (typeof MACHINES)[number];

/** Each machine's own sessions (real agent output, each with its truth). */
const OWN: Record<MachineName, string[]> = {
  m0: ['codex-0.80.0/exec', 'codex-0.80.0/json'],
  m1: ['codex-0.80.0/nightly', 'codex-0.80.0/resume'],
  m2: ['claude-2.1.332/nightly', 'claude-2.1.332/resume'],
  m3: ['claude-2.1.332/stream', 'codex-0.72.0/exec'],
};
/** Synced after the first ingest: [from, scenario, to]. */
const SYNCED: [MachineName, string, MachineName][] = [
  ['m0', 'codex-0.80.0/exec', 'm1'],
  ['m1', 'codex-0.80.0/nightly', 'm2'],
  ['m2', 'claude-2.1.332/resume', 'm3'],
  ['m3', 'claude-2.1.332/stream', 'm0'],
];
/** A new session that lands on two machines at once, both ingesting it at the same moment. */
const RACED = 'claude-2.1.332/json';
const RACERS: MachineName[] = ['m2', 'm3'];

const fixture = (scenario: string) => join(REAL_FIXTURES, scenario);
const own = (m: MachineName) => OWN[m].reduce((sum, s) => sum + scenarioTokens(fixture(s)), 0);

let work: string;
let schema: ReturnType<typeof freshPgSchema>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'radar-machines-'));
  schema = freshPgSchema();
});
afterAll(() => {
  schema?.drop();
  rmSync(work, { recursive: true, force: true });
});

/** A machine's home: its config names it; its logs are under logs/. */
function home(root: string, m: MachineName): string {
  const dir = join(root, m);
  mkdirSync(join(dir, 'config'), { recursive: true });
  writeFileSync(join(dir, 'config/radar.json'), JSON.stringify({ machine: { name: `box-${m}` } }));
  return dir;
}

/**
 * radar on machine `m`: a process of its own where machines run at once (`spawn`), else the
 * command layer in this process (runRadar: the same commands, output and exit code), for the
 * ingests one machine after another and the reports.
 */
async function radar(
  root: string,
  m: MachineName,
  ledger: string,
  args: string[],
  how: 'spawn' | 'in-process' = 'in-process',
) {
  const dir = join(root, m);
  const argv = ['--ledger', ledger, '--json', ...args];
  const env = { RADAR_MACHINE_ID: `id-${m}`, XDG_STATE_HOME: join(dir, 'state') };
  const r =
    how === 'spawn'
      ? await runCli(argv, { cwd: dir, env, timeoutMs: 120_000 })
      : await runRadar(argv, { cwd: dir, env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const ingest = (
  root: string,
  m: MachineName,
  ledger: string,
  how: 'spawn' | 'in-process' = 'in-process',
) =>
  radar(root, m, ledger, ['ingest', join(root, m, 'logs')], how) as Promise<{
    newEvents: number;
    newTokens: number;
  }>;
/** The machines' ingests at once into the shared ledger: each its own `radar ingest` process. */
const ingestAtOnce = (root: string, ledger: string) =>
  Promise.all(MACHINES.map((m) => ingest(root, m, ledger, 'spawn')));

interface Report {
  total: { tokens: number; events: number };
  groups: { key: string; tokens: number; events: number }[];
}
const report = async (root: string, ledger: string, by: string) =>
  (await radar(root, 'm0', ledger, ['report', 'tokens', '--by', by])) as unknown as Report;

/** Lays out the machines' own logs under root. */
function firstLogs(root: string): void {
  for (const m of MACHINES) {
    home(root, m);
    for (const s of OWN[m]) copyScenario(fixture(s), join(root, m, 'logs', s));
  }
}

/** The sync tool's copies (their modification times kept) and the raced new session. */
function syncedLogs(root: string): void {
  for (const [from, s, to] of SYNCED)
    cpSync(join(root, from, 'logs', s), join(root, to, 'logs', 'synced', from, s), {
      recursive: true,
      preserveTimestamps: true,
    });
  for (const m of RACERS) copyScenario(fixture(RACED), join(root, m, 'logs', 'new', RACED));
}

const byKey = (r: Report) => Object.fromEntries(r.groups.map((g) => [g.key, g.tokens]));

describe('four machines sharing one PostgreSQL ledger', () => {
  it('ingest at once: exact totals by machine and in all, nothing doubled, as SQLite reports', async () => {
    const pg = join(work, 'pg');
    firstLogs(pg);
    const first = await ingestAtOnce(pg, schema.url);
    MACHINES.forEach((m, i) => expect(first[i]!.newTokens).toBe(own(m)));
    syncedLogs(pg);
    const second = await ingestAtOnce(pg, schema.url);
    const raced = scenarioTokens(fixture(RACED));
    // The synced copies add nothing; the raced session is counted once, by one of the two.
    expect(second.reduce((sum, s) => sum + s.newTokens, 0)).toBe(raced);
    expect(second[0]!.newTokens + second[1]!.newTokens).toBe(0);
    const again = await ingestAtOnce(pg, schema.url);
    expect(again.map((s) => s.newEvents)).toEqual([0, 0, 0, 0]);

    const all = MACHINES.reduce((sum, m) => sum + own(m), raced);
    const machines = await report(pg, schema.url, 'machine');
    expect(machines.total.tokens).toBe(all);
    const tokens = byKey(machines);
    expect(tokens['box-m0']).toBe(own('m0'));
    expect(tokens['box-m1']).toBe(own('m1'));
    // Whichever machine inserted the raced session first holds it.
    expect([tokens['box-m2']! - own('m2'), tokens['box-m3']! - own('m3')].sort()).toEqual(
      [0, raced].sort(),
    );

    // The same inputs, one machine after another, into SQLite.
    const lite = join(work, 'lite');
    const file = join(work, 'lite.db');
    firstLogs(lite);
    for (const m of MACHINES) await ingest(lite, m, file);
    syncedLogs(lite);
    for (const m of MACHINES) await ingest(lite, m, file);
    for (const by of ['bucket', 'day', 'agent', 'model'])
      expect(await report(pg, schema.url, by)).toEqual(await report(lite, file, by));
    const liteMachines = await report(lite, file, 'machine');
    expect(liteMachines.total).toEqual(machines.total);
    expect(byKey(liteMachines)['box-m0']).toBe(own('m0'));
  }, 300_000);
});
