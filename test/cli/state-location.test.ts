import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRadar, tempTree } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A home with two unrelated working folders, and nothing of radar's anywhere yet. */
function home() {
  const t = tempTree({
    'a/run.log': '[2026-06-01T10:00:00] codex\ntokens used: 12345\n',
    'b/.keep': '',
  });
  cleanups.push(t.cleanup);
  return t.dir;
}

/** What cron gives a job: a minimal PATH, a HOME, and no RADAR_* names. */
const cron = (dir: string) => ({
  PATH: '/usr/bin:/bin',
  HOME: dir,
  RADAR_LEDGER: undefined,
  RADAR_CONFIG: undefined,
});
const state = (dir: string) => join(dir, '.local/state/radar/radar.db');

describe('where radar keeps its state', () => {
  it('uses one ledger from any folder: an ingest in one folder is reported from another', async () => {
    const dir = home();
    const ingest = await runRadar(['ingest', 'run.log'], { cwd: join(dir, 'a'), env: cron(dir) });
    expect(ingest.code).toBe(0);
    expect(existsSync(state(dir))).toBe(true);
    const report = await runRadar(['--json', 'report', 'tokens'], {
      cwd: join(dir, 'b'),
      env: cron(dir),
    });
    expect(JSON.parse(report.stdout)).toMatchObject({ total: { tokens: 12345 } });
    expect(readdirSync(join(dir, 'b'))).toEqual(['.keep']);
  });

  it('never creates a ledger for a command that only reads: it says where it looked and how to start', async () => {
    const dir = home();
    for (const args of [['queue'], ['report', 'tokens'], ['budget'], ['explain', 'a/b#1']]) {
      const r = await runRadar(args, { cwd: join(dir, 'b'), env: cron(dir) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no ledger at ${state(dir)}`);
      expect(r.stderr).toContain('radar scan');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(dir, '.local'))).toBe(false);
    expect(readdirSync(join(dir, 'b'))).toEqual(['.keep']);
  });

  it('finds an older ./ledgers/radar.db, refuses to start an empty one beside it, and its move command works', async () => {
    const dir = home();
    const old = join(dir, 'a/ledgers/radar.db');
    const made = await runRadar(['ingest', 'run.log', '--ledger', old], {
      cwd: join(dir, 'a'),
      env: cron(dir),
    });
    expect(made.code).toBe(0);
    const scan = await runRadar(['ingest', 'run.log'], { cwd: join(dir, 'a'), env: cron(dir) });
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain(`found a ledger at ${old}`);
    expect(existsSync(state(dir))).toBe(false);
    const move = scan.stderr
      .split('\n')
      .find((l) => l.trim().startsWith('mkdir -p'))
      ?.trim();
    expect(move).toBeDefined();
    execFileSync('/bin/sh', ['-c', move!], { cwd: join(dir, 'a') });
    const report = await runRadar(['--json', 'report', 'tokens'], {
      cwd: join(dir, 'b'),
      env: cron(dir),
    });
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ total: { tokens: 12345 } });
  });

  it('reads the config from the config folder, and reports an older ./config/radar.json instead of ignoring it', async () => {
    const dir = home();
    const init = await runRadar(['init'], { cwd: join(dir, 'b'), env: cron(dir) });
    expect(init.stdout).toContain(join(dir, '.config/radar/radar.json'));
    const doctor = await runRadar(['doctor', '--offline'], { cwd: join(dir, 'a'), env: cron(dir) });
    expect(doctor.stdout).toContain(`valid: ${join(dir, '.config/radar/radar.json')}`);
    const t = tempTree({ 'config/radar.json': '{}' });
    cleanups.push(t.cleanup);
    const old = await runRadar(['doctor', '--offline'], { cwd: t.dir, env: cron(t.dir) });
    expect(old.code).toBe(2);
    expect(old.stdout).toContain(`found ${join(t.dir, 'config/radar.json')}`);
    expect(old.stdout).toContain(`mv ${join(t.dir, 'config/radar.json')}`);
  });
});
