import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempTree } from '../helpers/cli.js';

/**
 * The package as a user gets it: `npm pack` of this checkout (the dist/ that `npm test` built),
 * then `npm install -g` of the tarball into an empty prefix, then `radar` from that prefix's bin
 * folder, run from an empty folder with an empty home. The install happens once for the file.
 *
 * Install scripts are skipped and better-sqlite3's addon is copied from this checkout's own
 * build (the same version, checked): with no prebuilt download reachable, the addon compiles from
 * source, which is better-sqlite3's own install, takes a quarter of an hour on a 2-core machine,
 * and tells nothing about radar's package.
 */

const exec = promisify(execFile);
const INSTALL_TIMEOUT = 10 * 60_000;
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
      '--ignore-scripts',
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
  const addon = (root: string) => join(root, 'node_modules/better-sqlite3');
  const installed = addon(join(prefix, 'lib/node_modules', pkg.name));
  const version = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  expect(version(installed)).toBe(version(addon(ROOT)));
  cpSync(
    join(addon(ROOT), 'build/Release/better_sqlite3.node'),
    join(installed, 'build/Release/better_sqlite3.node'),
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
        !/^dist\/bin\/[^/]+\.c?js$/.test(p) &&
        !/^(package\.json|README\.md|config\/radar\.(example|schema)\.json)$/.test(p),
    );
    expect(outside).toEqual([]);
  });

  it('puts radar on PATH, with its own version', async () => {
    expect(existsSync(join(bin, 'radar'))).toBe(true);
    const r = await exec('radar', ['--version'], { cwd: tree.dir, env });
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("writes a starter config whose $schema is the installed package's schema", async () => {
    const target = join(tree.dir, 'init', 'radar.json');
    await exec('radar', ['init', target], { cwd: tree.dir, env });
    const schema = /"\$schema": "(file:[^"]+)"/.exec(readFileSync(target, 'utf8'))?.[1];
    const path = fileURLToPath(schema!);
    expect(path).toBe(
      join(tree.dir, 'prefix/lib/node_modules', pkg.name, 'config/radar.schema.json'),
    );
    expect(readFileSync(path, 'utf8')).toBe(
      readFileSync(join(ROOT, 'config/radar.schema.json'), 'utf8'),
    );
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
