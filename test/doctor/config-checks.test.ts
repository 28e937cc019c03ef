import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { CRON_PATH, configChecks, type MachineProbe } from '../../src/doctor/config-checks.js';

/** A machine where `installed` maps each PATH to the commands found on it. */
function machine(
  installed: Record<string, string[]>,
  clones: Record<string, 'git' | 'missing' | 'not-git'> = {},
): MachineProbe {
  return {
    which: (command, path) =>
      installed[path]?.includes(command) ? `${path.split(':')[0]}/${command}` : undefined,
    clone: (path) => clones[path] ?? 'missing',
    expand: (path) => path.replace(/^~\//, '/home/ann/'),
    path: '/home/ann/.local/bin:/usr/bin:/bin',
    node: '/home/ann/.nvm/bin/node',
  };
}
const SHELL = '/home/ann/.local/bin:/usr/bin:/bin';
const everywhere = machine({
  [SHELL]: ['codex', 'claude', 'node'],
  [CRON_PATH]: ['codex', 'claude', 'node'],
});

const rows = (config: unknown, probe: MachineProbe) =>
  configChecks(configSchema.parse(config), probe).map((r) => [r.name, r.status, r.detail]);

describe('configChecks', () => {
  it.each([
    [
      'nothing to watch',
      {},
      everywhere,
      ['watch', 'warn', expect.stringContaining('"watch": { "authors": ["your-login"] }')],
    ],
    [
      'an author to watch',
      { watch: { authors: ['ann'] } },
      everywhere,
      ['watch', 'ok', '1 author, 0 repositories'],
    ],
    [
      'a watched repo without a clone, dispatch on',
      { watch: { repos: ['acme/app'] } },
      everywhere,
      [
        'clone acme/app',
        'warn',
        expect.stringContaining('"repos": { "acme/app": { "clone": "~/src/app" } }'),
      ],
    ],
    [
      'a clone that does not exist',
      { watch: { repos: ['acme/app'] }, repos: { 'acme/app': { clone: '~/src/app' } } },
      everywhere,
      ['clone acme/app', 'fail', expect.stringContaining('/home/ann/src/app does not exist')],
    ],
    [
      'a clone that is not a git folder',
      { watch: { repos: ['acme/app'] }, repos: { 'acme/app': { clone: '/srv/app' } } },
      machine(
        { [SHELL]: ['codex', 'claude'], [CRON_PATH]: ['codex', 'claude', 'node'] },
        { '/srv/app': 'not-git' },
      ),
      ['clone acme/app', 'fail', expect.stringContaining('is not a git repository')],
    ],
    [
      'an agent missing from PATH',
      { watch: { authors: ['ann'] } },
      machine({ [SHELL]: ['claude'], [CRON_PATH]: ['claude', 'node'] }),
      ['agent codex', 'warn', expect.stringContaining('set agents.codex.command to its full path')],
    ],
    [
      "an agent on the shell's PATH but not on cron's",
      { watch: { authors: ['ann'] } },
      machine({ [SHELL]: ['codex', 'claude'], [CRON_PATH]: ['claude', 'node'] }),
      [
        'agent codex (cron)',
        'warn',
        `/home/ann/.local/bin/codex is not on cron's PATH (/usr/bin:/bin): set agents.codex.command to "/home/ann/.local/bin/codex", or PATH in your crontab`,
      ],
    ],
    [
      "node not on cron's PATH",
      { watch: { authors: ['ann'] } },
      machine({ [SHELL]: ['codex', 'claude'], [CRON_PATH]: ['codex', 'claude'] }),
      ['node (cron)', 'warn', expect.stringContaining('"/home/ann/.nvm/bin/node"')],
    ],
  ])('%s', (_case, config, probe, expected) => {
    expect(rows(config, probe)).toContainEqual(expected);
  });

  it.each([
    [
      'dispatch off: no clone is needed',
      { watch: { repos: ['acme/app'] }, dispatch: { maxPerScan: 0 } },
    ],
    [
      'a working clone',
      { watch: { repos: ['acme/app'] }, repos: { 'acme/app': { clone: '/srv/app' } } },
    ],
  ])('%s: nothing to fix', (_case, config) => {
    const probe = machine(
      { [SHELL]: ['codex', 'claude', 'node'], [CRON_PATH]: ['codex', 'claude', 'node'] },
      { '/srv/app': 'git' },
    );
    expect(rows(config, probe).filter(([, status]) => status !== 'ok')).toEqual([]);
  });
});
