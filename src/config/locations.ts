import { homedir } from 'node:os';
import { isAbsolute, posix, resolve, win32 } from 'node:path';
import { redactUrl } from '../redact.js';

/**
 * Where radar keeps its files when nothing names them. Pure: the environment, the platform, the
 * home folder and a file-existence probe are parameters, so every case is a table row.
 *
 * - config: `$XDG_CONFIG_HOME/radar/radar.json`, else `~/.config/radar/radar.json` (on macOS too,
 *   as gh does: dotfiles stay in one place), `%APPDATA%\radar\radar.json` on Windows.
 * - state (the ledger, agents' run logs, worktrees): `$XDG_STATE_HOME/radar/`, else
 *   `~/.local/state/radar/`, `~/Library/Application Support/radar/` on macOS,
 *   `%LOCALAPPDATA%\radar\` on Windows.
 * - cache (what radar can always make again: a validated config): `$XDG_CACHE_HOME/radar/`, else
 *   `~/.cache/radar/`, `~/Library/Caches/radar/` on macOS, `%LOCALAPPDATA%\radar\cache\` on Windows.
 *
 * Nothing depends on the working folder: cron without `cd` finds the same ledger as a shell.
 * The working folder is only looked at to notice files an older radar kept there
 * (`./config/radar.json`, `./ledgers/radar.db`), which are reported with the command that moves
 * them, never read silently.
 */
export interface Surroundings {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  cwd: string;
  exists: (path: string) => boolean;
}

export interface RadarDirs {
  config: string;
  state: string;
  cache: string;
}

function pathsFor(platform: NodeJS.Platform) {
  return platform === 'win32' ? win32 : posix;
}

/** An XDG variable counts only when it holds an absolute path (the specification's rule). */
function xdg(value: string | undefined, platform: NodeJS.Platform): string | undefined {
  return value && pathsFor(platform).isAbsolute(value) ? value : undefined;
}

export function radarDirs(s: Pick<Surroundings, 'env' | 'platform' | 'home'>): RadarDirs {
  const p = pathsFor(s.platform);
  const { env, home, platform } = s;
  const configHome =
    xdg(env.XDG_CONFIG_HOME, platform) ??
    (platform === 'win32'
      ? (env.APPDATA ?? p.join(home, 'AppData', 'Roaming'))
      : p.join(home, '.config'));
  const stateHome =
    xdg(env.XDG_STATE_HOME, platform) ??
    (platform === 'win32'
      ? (env.LOCALAPPDATA ?? p.join(home, 'AppData', 'Local'))
      : platform === 'darwin'
        ? p.join(home, 'Library', 'Application Support')
        : p.join(home, '.local', 'state'));
  const cache =
    xdg(env.XDG_CACHE_HOME, platform) !== undefined
      ? p.join(env.XDG_CACHE_HOME!, 'radar')
      : platform === 'win32'
        ? p.join(env.LOCALAPPDATA ?? p.join(home, 'AppData', 'Local'), 'radar', 'cache')
        : platform === 'darwin'
          ? p.join(home, 'Library', 'Caches', 'radar')
          : p.join(home, '.cache', 'radar');
  return { config: p.join(configHome, 'radar'), state: p.join(stateHome, 'radar'), cache };
}

/** A path given by flag or environment: `~/` from home, relative from the working folder. */
export function namedPath(path: string, s: Pick<Surroundings, 'platform' | 'home' | 'cwd'>) {
  const p = pathsFor(s.platform);
  if (path === '~') return s.home;
  if (path.startsWith('~/')) return p.join(s.home, path.slice(2));
  return p.resolve(s.cwd, path);
}

export interface ConfigLocation {
  /** The file to read; undefined: none exists, built-in defaults apply. */
  path: string | undefined;
  /** Named by --config or RADAR_CONFIG: a missing file is then an error. */
  explicit: boolean;
  /** Where radar looked (the named file, or the default place). */
  looked: string;
  /** `./config/radar.json` of an older radar, found while the default place is empty. */
  legacy?: string;
}

export function locateConfig(explicit: string | undefined, s: Surroundings): ConfigLocation {
  const named = explicit ?? s.env.RADAR_CONFIG;
  if (named) {
    const path = namedPath(named, s);
    return { path, explicit: true, looked: path };
  }
  const p = pathsFor(s.platform);
  const path = p.join(radarDirs(s).config, 'radar.json');
  if (s.exists(path)) return { path, explicit: false, looked: path };
  const legacy = p.join(s.cwd, 'config', 'radar.json');
  return s.exists(legacy)
    ? { path: undefined, explicit: false, looked: path, legacy }
    : { path: undefined, explicit: false, looked: path };
}

export interface LedgerLocation {
  /**
   * The SQLite ledger file; for a PostgreSQL ledger, the default one, beside which this machine
   * keeps its own files (agents' run logs, worktrees, the ingest lock).
   */
  path: string;
  /** A PostgreSQL ledger's connection string (never printed: see ledgerName). */
  url?: string;
  /** How it was chosen, for messages: `--ledger`, `RADAR_LEDGER`, `ledger.url` or `default`. */
  origin: '--ledger' | 'RADAR_LEDGER' | 'ledger.url' | 'default';
  /** `./ledgers/radar.db` of an older radar (and its -wal/-shm files), found while the default place is empty. */
  legacy?: string[];
}

/** A PostgreSQL connection string: the ledger is on that server, not in a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/**
 * The ledger: --ledger, then RADAR_LEDGER, then the config's `ledger.url` (`configured`), then
 * the state folder's radar.db. A `postgres://` or `postgresql://` location is a PostgreSQL ledger.
 */
export function locateLedger(
  explicit: string | undefined,
  s: Surroundings,
  configured?: string,
): LedgerLocation {
  const p = pathsFor(s.platform);
  const path = p.join(radarDirs(s).state, 'radar.db');
  const named = (location: string, origin: LedgerLocation['origin']): LedgerLocation =>
    isPostgresUrl(location)
      ? { path, url: location, origin }
      : { path: namedPath(location, s), origin };
  if (explicit) return named(explicit, '--ledger');
  if (s.env.RADAR_LEDGER) return named(s.env.RADAR_LEDGER, 'RADAR_LEDGER');
  if (configured) return named(configured, 'ledger.url');
  const old = p.join(s.cwd, 'ledgers', 'radar.db');
  if (old === path || s.exists(path) || !s.exists(old)) return { path, origin: 'default' };
  return {
    path,
    origin: 'default',
    legacy: [old, `${old}-wal`, `${old}-shm`].filter((f) => f === old || s.exists(f)),
  };
}

/** A word the shell passes through unchanged. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The message for an older radar's ledger in the working folder: how to move it, or keep it. */
export function legacyLedgerMessage(location: LedgerLocation): {
  message: string;
  details: string[];
} {
  const files = location.legacy ?? [];
  const dir = posix.dirname(location.path.replaceAll('\\', '/'));
  return {
    message: `found a ledger at ${files[0]}, where older radar versions kept it; radar now keeps its ledger at ${location.path}, wherever it runs`,
    details: [
      'move it there (with no radar running), then run radar as before:',
      `  mkdir -p ${shellQuote(dir)} && mv ${files.map(shellQuote).join(' ')} ${shellQuote(dir)}/`,
      `or keep it where it is: --ledger ${shellQuote(files[0] ?? '')} (or RADAR_LEDGER) on every command`,
      'run logs and worktrees already under ./ledgers stay where they are; new ones go beside the ledger',
    ],
  };
}

export function legacyConfigMessage(location: ConfigLocation): {
  message: string;
  details: string[];
} {
  const dir = posix.dirname(location.looked.replaceAll('\\', '/'));
  return {
    message: `found ${location.legacy}, where older radar versions looked; radar now reads ${location.looked}, wherever it runs`,
    details: [
      'move it there:',
      `  mkdir -p ${shellQuote(dir)} && mv ${shellQuote(location.legacy ?? '')} ${shellQuote(location.looked)}`,
      `or name it: --config ${shellQuote(location.legacy ?? '')} (or RADAR_CONFIG) on every command`,
    ],
  };
}

/** The ledger as radar prints it: its file, or its server with the credentials masked. */
export function ledgerName(location: LedgerLocation): string {
  return location.url === undefined ? location.path : redactUrl(location.url);
}

/** What radar says when a command that only reads finds no ledger. */
export function noLedgerMessage(location: LedgerLocation): { message: string; details: string[] } {
  const why =
    location.origin === 'default'
      ? "radar's default place; --ledger or RADAR_LEDGER names another"
      : `named by ${location.origin}`;
  if (location.url !== undefined)
    return {
      message: `no radar ledger at ${ledgerName(location)} (${why}); nothing was created`,
      details: [
        'start one: radar scan or radar ingest with the same ledger creates its tables there',
        "(in the connection's schema: the server and database must exist, with the right to create tables)",
      ],
    };
  return {
    message: `no ledger at ${location.path} (${why}); nothing was created`,
    details: [
      'start one: radar init (writes a starter config), then radar scan (reads your PR queue)',
      'or radar ingest (reads your Codex and Claude logs); radar demo shows the whole loop',
    ],
  };
}

/** The real surroundings of this process. */
export function surroundings(env: NodeJS.ProcessEnv, cwd: string, exists: (p: string) => boolean) {
  return {
    env,
    platform: process.platform,
    home: env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(),
    cwd: resolve(cwd),
    exists,
  } satisfies Surroundings;
}
