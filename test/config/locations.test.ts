import { describe, expect, it } from 'vitest';
import {
  legacyLedgerMessage,
  locateConfig,
  ledgerName,
  locateLedger,
  radarDirs,
  shellQuote,
  type Surroundings,
} from '../../src/config/locations.js';
import { defaultLogFolders } from '../../src/config/paths.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';

const parseConfig = (input: ConfigInput) => configSchema.parse(input);

const at = (
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv = {},
  files: string[] = [],
  home = platform === 'win32'
    ? 'C:\\Users\\ann'
    : platform === 'darwin'
      ? '/Users/ann'
      : '/home/ann',
  cwd = platform === 'win32' ? 'C:\\work' : '/work',
): Surroundings => ({ env, platform, home, cwd, exists: (p) => files.includes(p) });

describe('radarDirs', () => {
  it.each([
    [
      'linux',
      {},
      '/home/ann/.config/radar',
      '/home/ann/.local/state/radar',
      '/home/ann/.cache/radar',
    ],
    [
      'linux',
      { XDG_CONFIG_HOME: '/cfg', XDG_STATE_HOME: '/st', XDG_CACHE_HOME: '/ca' },
      '/cfg/radar',
      '/st/radar',
      '/ca/radar',
    ],
    [
      'linux',
      { XDG_CONFIG_HOME: 'rel/cfg', XDG_STATE_HOME: '', XDG_CACHE_HOME: 'rel/ca' },
      '/home/ann/.config/radar',
      '/home/ann/.local/state/radar',
      '/home/ann/.cache/radar',
    ],
    [
      'freebsd',
      {},
      '/home/ann/.config/radar',
      '/home/ann/.local/state/radar',
      '/home/ann/.cache/radar',
    ],
    [
      'darwin',
      {},
      '/Users/ann/.config/radar',
      '/Users/ann/Library/Application Support/radar',
      '/Users/ann/Library/Caches/radar',
    ],
    [
      'darwin',
      { XDG_STATE_HOME: '/xs', XDG_CACHE_HOME: '/xc' },
      '/Users/ann/.config/radar',
      '/xs/radar',
      '/xc/radar',
    ],
    [
      'win32',
      {},
      'C:\\Users\\ann\\AppData\\Roaming\\radar',
      'C:\\Users\\ann\\AppData\\Local\\radar',
      'C:\\Users\\ann\\AppData\\Local\\radar\\cache',
    ],
    [
      'win32',
      { APPDATA: 'D:\\roam', LOCALAPPDATA: 'D:\\local' },
      'D:\\roam\\radar',
      'D:\\local\\radar',
      'D:\\local\\radar\\cache',
    ],
  ] as const)('%s %j → config %s, state %s, cache %s', (platform, env, config, state, cache) => {
    expect(radarDirs(at(platform, env))).toEqual({ config, state, cache });
  });
});

describe('locateLedger', () => {
  it.each([
    ['default', undefined, {}, [], '/home/ann/.local/state/radar/radar.db', 'default', undefined],
    ['flag wins', 'x.db', { RADAR_LEDGER: '/e.db' }, [], '/work/x.db', '--ledger', undefined],
    [
      'env',
      undefined,
      { RADAR_LEDGER: '~/l/r.db' },
      [],
      '/home/ann/l/r.db',
      'RADAR_LEDGER',
      undefined,
    ],
    [
      'XDG state',
      undefined,
      { XDG_STATE_HOME: '/s' },
      [],
      '/s/radar/radar.db',
      'default',
      undefined,
    ],
    [
      'old ledger in the working folder, none at the default',
      undefined,
      {},
      ['/work/ledgers/radar.db', '/work/ledgers/radar.db-wal'],
      '/home/ann/.local/state/radar/radar.db',
      'default',
      ['/work/ledgers/radar.db', '/work/ledgers/radar.db-wal'],
    ],
    [
      'old ledger, but the default one exists: the default is used',
      undefined,
      {},
      ['/work/ledgers/radar.db', '/home/ann/.local/state/radar/radar.db'],
      '/home/ann/.local/state/radar/radar.db',
      'default',
      undefined,
    ],
    [
      'old ledger, named ledger',
      undefined,
      { RADAR_LEDGER: '/r.db' },
      ['/work/ledgers/radar.db'],
      '/r.db',
      'RADAR_LEDGER',
      undefined,
    ],
  ] as const)('%s', (_case, explicit, env, files, path, origin, legacy) => {
    const found = locateLedger(explicit, at('linux', env, [...files]));
    expect(found).toEqual({ path, origin, ...(legacy ? { legacy } : {}) });
  });
});

describe('locateLedger: a PostgreSQL server', () => {
  const state = '/home/ann/.local/state/radar/radar.db';
  const url = 'postgres://radar:pw@db.lan:5432/radar';
  // A PostgreSQL ledger keeps this machine's own files (run logs, worktrees) in the state folder.
  it.each([
    ['flag', url, {}, undefined, { path: state, url, origin: '--ledger' }],
    [
      'postgresql:// too, any case',
      'PostgreSQL://db.lan/radar',
      {},
      undefined,
      { path: state, url: 'PostgreSQL://db.lan/radar', origin: '--ledger' },
    ],
    [
      'env',
      undefined,
      { RADAR_LEDGER: url },
      undefined,
      { path: state, url, origin: 'RADAR_LEDGER' },
    ],
    ['config ledger.url', undefined, {}, url, { path: state, url, origin: 'ledger.url' }],
    ['flag before config', 'x.db', {}, url, { path: '/work/x.db', origin: '--ledger' }],
    [
      'env before config',
      undefined,
      { RADAR_LEDGER: '/r.db' },
      url,
      { path: '/r.db', origin: 'RADAR_LEDGER' },
    ],
    [
      'a file named like a scheme is a file',
      'postgres.db',
      {},
      undefined,
      { path: '/work/postgres.db', origin: '--ledger' },
    ],
  ] as const)('%s', (_case, explicit, env, configured, expected) => {
    expect(locateLedger(explicit, at('linux', env, []), configured)).toEqual(expected);
  });

  it.each([
    [{ path: state, url, origin: '--ledger' } as const, 'postgres://[REDACTED]@db.lan:5432/radar'],
    [{ path: '/r.db', origin: 'RADAR_LEDGER' } as const, '/r.db'],
  ])('ledgerName(%j) is %s', (location, name) => {
    expect(ledgerName(location)).toBe(name);
  });
});

describe('locateConfig', () => {
  const home = '/home/ann/.config/radar/radar.json';
  it.each([
    [
      'nothing anywhere: defaults',
      undefined,
      {},
      [],
      { path: undefined, explicit: false, looked: home },
    ],
    ['the config folder', undefined, {}, [home], { path: home, explicit: false, looked: home }],
    [
      '--config, even missing',
      'c.json',
      {},
      [],
      { path: '/work/c.json', explicit: true, looked: '/work/c.json' },
    ],
    [
      'RADAR_CONFIG',
      undefined,
      { RADAR_CONFIG: '/etc/r.json' },
      [],
      { path: '/etc/r.json', explicit: true, looked: '/etc/r.json' },
    ],
    [
      'an old ./config/radar.json is reported, not read',
      undefined,
      {},
      ['/work/config/radar.json'],
      { path: undefined, explicit: false, looked: home, legacy: '/work/config/radar.json' },
    ],
    [
      'an old ./config/radar.json beside the real one is ignored',
      undefined,
      {},
      ['/work/config/radar.json', home],
      { path: home, explicit: false, looked: home },
    ],
  ] as const)('%s', (_case, explicit, env, files, expected) => {
    expect(locateConfig(explicit, at('linux', env, [...files]))).toEqual(expected);
  });
});

describe('the move command for an old ledger', () => {
  it.each([
    ['/work/ledgers/radar.db', 'plain'],
    ["/it's here/radar.db", "'/it'\\''s here/radar.db'"],
    [
      '/Users/ann/Library/Application Support/radar',
      "'/Users/ann/Library/Application Support/radar'",
    ],
  ])('quotes %s for the shell', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted === 'plain' ? word : quoted);
  });

  it('moves the database with its -wal file to the new folder', () => {
    const { details } = legacyLedgerMessage({
      path: '/Users/ann/Library/Application Support/radar/radar.db',
      origin: 'default',
      legacy: ['/w/ledgers/radar.db', '/w/ledgers/radar.db-wal'],
    });
    expect(details).toContain(
      "  mkdir -p '/Users/ann/Library/Application Support/radar' && mv /w/ledgers/radar.db /w/ledgers/radar.db-wal '/Users/ann/Library/Application Support/radar'/",
    );
  });
});

describe('defaultLogFolders with several accounts', () => {
  const env = { HOME: '/h' };
  const paths = (providers: ConfigInput['budget']) =>
    defaultLogFolders(parseConfig({ budget: providers }), env, '/w').map((f) => f.path);
  it.each<[string, ConfigInput['budget'], string[]]>([
    ['no accounts: the agents’ homes', {}, []],
    [
      'a second claude account adds its projects',
      {
        providers: [
          { name: 'claude', agent: 'claude' },
          { name: 'b', agent: 'claude', env: { CLAUDE_CONFIG_DIR: '~/.claude-b' } },
        ],
      },
      ['/h/.claude-b/projects'],
    ],
    [
      'a codex account adds its sessions; a folder already listed comes once',
      {
        providers: [
          { name: 'c2', agent: 'codex', env: { CODEX_HOME: '/x/codex2' } },
          { name: 'c1', agent: 'claude', env: { CLAUDE_CONFIG_DIR: '~/.claude' } },
        ],
      },
      ['/x/codex2/sessions', '/x/codex2/archived_sessions'],
    ],
  ])('%s', (_case, budget, extra) => {
    expect(paths(budget)).toEqual([
      '/h/.codex/sessions',
      '/h/.codex/archived_sessions',
      '/h/.claude/projects',
      ...extra,
    ]);
  });
});
