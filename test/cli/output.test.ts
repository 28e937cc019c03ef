import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { CLI, ROOT, pinnedPaths, runCli, runRadar, tempTrees } from '../helpers/cli.js';

const temp = tempTrees();

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`);
const ANSI_ALL = new RegExp(ANSI.source, 'g');

describe('radar --version', () => {
  it("prints radar's own version, not that of the project it runs in", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await runCli(['--version'], { env: { npm_package_version: '9.9.9' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});

describe('radar output into a pipe that closes early', () => {
  it('stops quietly when the reader goes away (| head -1)', async () => {
    // 3,000 providers: a budget table of several hundred KB, far more than a pipe holds.
    const providers = Array.from({ length: 3000 }, (_, i) => ({
      name: `provider-${i}`,
      agent: 'claude',
      weeklyTokens: 1000,
    }));
    const dir = temp({ 'config/radar.json': JSON.stringify({ budget: { providers } }) });
    openLedger(join(dir, 'ledgers/radar.db')).close();
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const sh = spawn(
        '/bin/sh',
        ['-c', `{ "${process.execPath}" "${CLI}" budget; echo "radar exit $?" >&2; } | head -1`],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', TZ: 'UTC', ...pinnedPaths(dir) },
        },
      );
      let stdout = '';
      let stderr = '';
      sh.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      sh.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      sh.on('error', reject);
      sh.on('close', () => resolve({ stdout, stderr }));
    });
    expect(result.stdout).toMatch(/^provider\s+used\s+expected/);
    expect(result.stderr).toBe('radar exit 0\n');
  });
});

describe('colour', () => {
  const colourEnv = { NO_COLOR: undefined, FORCE_COLOR: '1' };

  it('colours the doctor and budget tables when forced, and never with --no-color or NO_COLOR', async () => {
    const dir = temp();
    openLedger(join(dir, 'ledgers/radar.db')).close();
    const doctor = await runRadar(['doctor', '--offline'], { cwd: dir, env: colourEnv });
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(ANSI);
    expect(doctor.stdout).toContain('\x1b[32mok\x1b[39m');
    const budget = await runRadar(['budget'], { cwd: dir, env: colourEnv });
    expect(budget.stdout).toMatch(ANSI);

    for (const [args, env] of [
      [['--no-color', 'doctor', '--offline'], colourEnv],
      [['doctor', '--offline'], { ...colourEnv, NO_COLOR: '1' }],
      [['--json', 'doctor', '--offline'], colourEnv],
      [['--no-color', 'budget'], colourEnv],
      [['budget'], { ...colourEnv, NO_COLOR: '1' }],
    ] as const) {
      const r = await runRadar(args, { cwd: dir, env });
      expect(r.stdout).not.toMatch(ANSI);
      expect(r.stdout).toMatch(/status|verdict|"checks"/);
    }
  });

  it('keeps columns aligned with colour on', async () => {
    const dir = temp();
    const plain = await runRadar(['doctor', '--offline'], { cwd: dir });
    const coloured = await runRadar(['doctor', '--offline'], { cwd: dir, env: colourEnv });
    expect(coloured.stdout.replace(ANSI_ALL, '')).toBe(plain.stdout);
  });
});
