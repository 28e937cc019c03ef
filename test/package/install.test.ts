import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempTree } from '../helpers/cli.js';

/**
 * The package as a user gets it: `npm pack` of this checkout (the dist/ that `npm test` built),
 * then `npm install -g` of the tarball into an empty prefix, then `radar` from that prefix's bin
 * folder, run from an empty folder with an empty home. The install happens once for the file;
 * better-sqlite3 may compile from source, which takes minutes on a small machine.
 */

const exec = promisify(execFile);
const INSTALL_TIMEOUT = 30 * 60_000;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

let tree: ReturnType<typeof tempTree>;
let bin: string;
let env: NodeJS.ProcessEnv;
let packed: string[];

beforeAll(async () => {
  tree = tempTree();
  const prefix = join(tree.dir, 'prefix');
  const home = join(tree.dir, 'home');
  mkdirSync(prefix);
  mkdirSync(home);
  // --ignore-scripts: pack what the test build left in dist/, and rebuild nothing under the
  // other test files that are running the CLI from it.
  const pack = await exec(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', tree.dir],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  await exec(
    'npm',
    [
      'install',
      '--global',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(tree.dir, info!.filename),
    ],
    {
      cwd: tree.dir,
      env: { ...process.env, npm_config_prefix: prefix, npm_config_loglevel: 'error' },
      timeout: INSTALL_TIMEOUT,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  bin = join(prefix, 'bin');
  // Nothing of the checkout or of the developer: node, the prefix's bin folder, the system's.
  env = {
    PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    HOME: home,
    TZ: 'UTC',
    NO_COLOR: '1',
    COLUMNS: '100',
  };
}, INSTALL_TIMEOUT);

afterAll(() => tree?.cleanup());

describe(`npm install -g ${pkg.name}`, () => {
  it('packs only what runs: the bundle, the example config and its schema, no sources or tests', () => {
    expect(packed).toContain(pkg.bin.radar);
    expect(packed).toContain('package.json');
    expect(packed).toContain('config/radar.example.json');
    const outside = packed.filter(
      (p) =>
        !/^dist\/bin\/[^/]+\.js$/.test(p) &&
        !/^(package\.json|README\.md|config\/radar\.(example|schema)\.json)$/.test(p),
    );
    expect(outside).toEqual([]);
  });

  it('puts radar on PATH, with its own version', async () => {
    expect(existsSync(join(bin, 'radar'))).toBe(true);
    const r = await exec('radar', ['--version'], { cwd: tree.dir, env });
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it(
    'runs radar demo from an empty folder, leaving the home untouched',
    async () => {
      const cwd = join(tree.dir, 'elsewhere');
      mkdirSync(cwd);
      const r = await exec('radar', ['demo'], {
        cwd,
        env,
        timeout: 10 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(r.stdout).toContain('radar scan --dispatch');
      expect(r.stdout).toContain('radar budget');
      expect(existsSync(join(env.HOME!, '.local/state/radar'))).toBe(false);
    },
    10 * 60_000,
  );
});
