import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, binPath } from './paths.js';
import { selectVersions, versionKey } from './versions.js';

/**
 * `node dist/scripts/agents/install.js [--only codex-0.80.0,claude-2.1.332]`: installs each agent
 * CLI version from the npm registry into its own prefix, `.cache/agents/<agent>-<version>/`
 * (git-ignored). The project's own package.json and lockfile are never touched. A prefix that
 * already holds the version is left as it is.
 */
function main(argv: readonly string[]): number {
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
  let failed = 0;
  for (const v of selectVersions(only)) {
    const dir = join(cacheDir(), versionKey(v));
    const manifest = join(dir, 'node_modules', ...v.pkg.split('/'), 'package.json');
    if (
      existsSync(manifest) &&
      installedVersion(manifest) === v.version &&
      existsSync(binPath(v))
    ) {
      console.log(`${versionKey(v)}: already installed`);
      continue;
    }
    mkdirSync(dir, { recursive: true });
    console.log(`${versionKey(v)}: npm install ${v.pkg}@${v.version}`);
    const r = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `${v.pkg}@${v.version}`,
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0 || !existsSync(binPath(v))) {
      console.error(`${versionKey(v)}: install failed (exit ${r.status ?? 'signal'})`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

function installedVersion(manifest: string): string | undefined {
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : undefined;
}

process.exitCode = main(process.argv.slice(2));
