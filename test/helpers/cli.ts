import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/bin/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A test folder keeps its config at config/radar.json and its ledger at ledgers/radar.db, named
 * through RADAR_CONFIG / RADAR_LEDGER as a user names them (radar itself reads neither from the
 * working folder). The config is named only when the file exists: without one, defaults apply.
 */
export function pinnedPaths(dir: string): Record<string, string> {
  const config = join(dir, 'config/radar.json');
  return {
    RADAR_LEDGER: join(dir, 'ledgers/radar.db'),
    ...(existsSync(config) ? { RADAR_CONFIG: config } : {}),
  };
}

/**
 * Spawns the real built CLI (`npm test` builds first) with a fixed, minimal environment so a
 * developer's own config, tokens and log folders never leak into a test. With a `cwd`, its
 * config and ledger are pinned (pinnedPaths); a test of the default places unsets them.
 */
export function runCli(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    input?: string;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  const env = cliEnv(options);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? tmpdir(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The fixed, minimal environment radar runs with in a test, with a test's own entries on top. */
function cliEnv(options: {
  cwd?: string;
  env?: Record<string, string | undefined>;
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd ?? tmpdir(),
    TZ: 'UTC',
    NO_COLOR: '1',
    COLUMNS: '120',
    ...(options.cwd ? pinnedPaths(options.cwd) : {}),
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A stream that keeps what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * Runs radar's command layer in this process: the same argv parsing, commands, error mapping and
 * exit codes as the built CLI, with the same minimal environment as runCli, but no process
 * started. For a branch of a command; a journey a user takes spawns the CLI (runCli). Logs (pino)
 * still go to this process's stderr, and nothing reads stdin: spawn for those.
 */
export async function runRadar(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const { main } = await import('../../src/program.js');
  const out = collector();
  const err = collector();
  const code = await main(['node', 'radar', ...args], {
    env: cliEnv(options),
    cwd: options.cwd ?? tmpdir(),
    stdout: out.stream,
    stderr: err.stream,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A temporary directory built from an object literal: { 'a/b.log': 'text' }. */
export function tempTree(files: Record<string, string | Buffer> = {}): {
  dir: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'radar-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A maker of temporary directories (tempTree) for the tests of one file, each removed after the
 * test that made it. Call it once at the top of the file.
 */
export function tempTrees(): (files?: Record<string, string | Buffer>) => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return (files) => {
    const t = tempTree(files);
    cleanups.push(t.cleanup);
    return t.dir;
  };
}
