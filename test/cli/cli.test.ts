import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { runCli, runRadar, tempTrees } from '../helpers/cli.js';

const temp = tempTrees();

describe('radar CLI', () => {
  // The two journeys of the built executable itself; the rest runs the same commands in-process.
  it('prints help with every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['demo', 'init', 'doctor', 'ingest', 'report', 'budget', 'scan', 'queue']) {
      expect(r.stdout).toContain(cmd);
    }
    expect(r.stdout).toContain('75  another radar scan holds the lock');
    expect(r.stderr).toBe('');
  });

  it('keeps a validated config for the next run, and validates the file again once it is edited', async () => {
    const dir = temp({ 'logs/.keep': '' });
    const config = join(dir, 'radar.json');
    const providers = (name: string) =>
      JSON.stringify({ budget: { providers: [{ name, agent: 'codex', weeklyTokens: 1000 }] } });
    const budget = async () => {
      const r = await runCli(
        ['--config', config, '--ledger', join(dir, 'l.db'), 'budget', '--json'],
        {
          cwd: dir,
        },
      );
      return {
        code: r.code,
        names:
          r.code === 0
            ? JSON.parse(r.stdout).providers.map((p: { provider: string }) => p.provider)
            : r.stderr,
      };
    };
    expect(
      (await runCli(['--ledger', join(dir, 'l.db'), 'ingest', join(dir, 'logs')], { cwd: dir }))
        .code,
    ).toBe(0);
    writeFileSync(config, providers('alpha'));
    expect(await budget()).toEqual({ code: 0, names: ['alpha'] });
    // The second run takes the kept result: altered here (same build, path and text), it shows.
    const cacheDir = join(dir, '.cache/radar');
    const [file] = readdirSync(cacheDir);
    const entry = deserialize(readFileSync(join(cacheDir, file!)));
    expect(entry).toMatchObject({ path: config, text: providers('alpha') });
    entry.config.budget.providers[0].name = 'kept';
    writeFileSync(join(cacheDir, file!), serialize(entry));
    expect(await budget()).toEqual({ code: 0, names: ['kept'] });
    // An edit is validated again: a bad one fails on every run, a good one applies at once.
    writeFileSync(config, providers(''));
    for (let i = 0; i < 2; i++) {
      const bad = await budget();
      expect(bad.code).toBe(2);
      expect(bad.names).toContain('budget.providers[0].name');
    }
    writeFileSync(config, providers('beta'));
    expect(await budget()).toEqual({ code: 0, names: ['beta'] });
    expect(await budget()).toEqual({ code: 0, names: ['beta'] });
  });

  it('exits 2 on an unknown option or command', async () => {
    expect((await runCli(['ingest', '--frobnicate'])).code).toBe(2);
    expect((await runCli(['report', 'tokens', '--by', 'planet'])).code).toBe(2);
  });

  it('rejects an invalid config with exit 2, every problem with its path, and no stack trace', async () => {
    const dir = temp({
      'bad.json': JSON.stringify({
        tokens: { buckets: [{ match: '' }, { bucket: 3 }] },
        budget: { targetBand: { min: 'x' } },
      }),
    });
    const r = await runRadar(
      ['doctor', '--config', join(dir, 'bad.json'), '--ledger', join(dir, 'l.db')],
      { cwd: dir },
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('tokens.buckets[0].match:');
    expect(r.stdout).toContain('tokens.buckets[1].bucket:');
    expect(r.stdout).toContain('budget.targetBand.min:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a config that is not JSON with its line and column', async () => {
    const dir = temp({ 'radar.json': '{\n  "weekStart": "monday",,\n}' });
    const r = await runRadar(['budget', '--config', 'radar.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(r.stderr).toMatch(/line 2/);
  });

  it('reads the config named by RADAR_CONFIG, and says when a named config is missing', async () => {
    const dir = temp({ 'config/radar.json': '{"timezone": "Nowhere/Land"}' });
    const fromDefault = await runRadar(['doctor', '--offline', '--json'], { cwd: dir });
    expect(fromDefault.code).toBe(2);
    expect(fromDefault.stdout).toContain('timezone: not a known IANA time zone');
    const fromEnv = await runRadar(['doctor', '--offline'], {
      cwd: dir,
      env: { RADAR_CONFIG: 'missing.json' },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stdout).toContain('config file not found');
  });

  it('creates the ledger and its parent folders at --ledger or RADAR_LEDGER', async () => {
    const dir = temp({ 'logs/empty.log': '' });
    const viaFlag = join(dir, 'a/b/c/ledger.db');
    expect((await runRadar(['ingest', 'logs', '--ledger', viaFlag], { cwd: dir })).code).toBe(0);
    expect(existsSync(viaFlag)).toBe(true);
    const viaEnv = join(dir, 'x/y.db');
    expect(
      (await runRadar(['ingest', 'logs'], { cwd: dir, env: { RADAR_LEDGER: viaEnv } })).code,
    ).toBe(0);
    expect(existsSync(viaEnv)).toBe(true);
  });

  it('refuses a ledger that is not SQLite without touching it', async () => {
    const dir = temp({
      'not-a-db.db': 'hello, I am a text file, not a database at all. '.repeat(100),
    });
    const before = readFileSync(join(dir, 'not-a-db.db'));
    const r = await runRadar(['doctor', '--offline', '--ledger', 'not-a-db.db', '--json'], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      checks: { name: string; status: string; detail: string }[];
    };
    expect(report.checks.find((c) => c.name === 'ledger')).toMatchObject({ status: 'fail' });
    expect(readFileSync(join(dir, 'not-a-db.db'))).toEqual(before);
  });
});

describe('radar init', () => {
  it('writes a commented starter config that radar accepts, and refuses to overwrite without --force', async () => {
    const dir = temp();
    const first = await runRadar(['init'], { cwd: dir });
    expect(first.code).toBe(0);
    const text = readFileSync(join(dir, '.config/radar/radar.json'), 'utf8');
    expect(text).toContain('//');
    // A starter budget, and how to set it from the plan.
    expect(first.stdout).toContain('budget: a starter weekly quota of 20,000,000 tokens');
    expect(first.stdout).toContain('radar report tokens --by agent --since 7d');
    const doctor = await runRadar(['doctor', '--offline'], { cwd: dir });
    expect(doctor.code).toBe(0);
    expect(doctor.stdout + doctor.stderr).not.toMatch(/no budget source/);
    expect(doctor.stdout).toMatch(/budget claude.*weeklyTokens 20000000/);

    writeFileSync(join(dir, '.config/radar/radar.json'), '{"weekStart":"sunday"}');
    const again = await runRadar(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(dir, '.config/radar/radar.json'), 'utf8')).toBe(
      '{"weekStart":"sunday"}',
    );
    expect((await runRadar(['init', '--force'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, '.config/radar/radar.json'), 'utf8')).toBe(text);
  });
});

describe('radar doctor', () => {
  it('finds agent CLIs on PATH with their versions, and log folders under CODEX_HOME / CLAUDE_CONFIG_DIR', async () => {
    const dir = temp({
      'bin/codex': '#!/bin/sh\necho "codex-cli 0.146.0"\n',
      'codex-home/sessions/2026/06/11/.keep': '',
      'claude-home/projects/.keep': '',
    });
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'bin/codex'), 0o755);
    const r = await runRadar(['doctor', '--offline', '--json'], {
      cwd: dir,
      env: {
        PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
        CODEX_HOME: join(dir, 'codex-home'),
        CLAUDE_CONFIG_DIR: join(dir, 'claude-home'),
        GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      },
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; status: string; detail: string }[];
    };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['agent codex']).toMatchObject({ status: 'ok' });
    expect(byName['agent codex']?.detail).toContain('codex-cli 0.146.0');
    expect(byName['agent claude']).toMatchObject({ status: 'warn' });
    expect(byName['logs $CODEX_HOME/sessions']).toMatchObject({ status: 'ok' });
    expect(byName['logs $CODEX_HOME/archived_sessions']).toMatchObject({ status: 'warn' });
    expect(byName['logs $CLAUDE_CONFIG_DIR/projects']).toMatchObject({ status: 'ok' });
    expect(byName['github token']).toMatchObject({ status: 'ok' });
    expect(r.stdout).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });
});
