import type { Machine } from './core/machine.js';
import { machineIdentity } from './config/machine.js';
import type { Logger } from 'pino';
import type { RadarConfig } from './config/schema.js';
import type { LedgerCopy, OpenLedger } from './ledger/ports.js';
import type { LogLevel } from './logging.js';
import type { LogFormat } from './log-format.js';
import { colorEnabled } from './render/color.js';
import { guardStream } from './render/terminal.js';
import { RadarError, UsageError, errorMessage } from './core/errors.js';
import { parseJsonFields } from './render/json-fields.js';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { resolveConfigPath, resolveLedger } from './config/locate.js';
import {
  isPostgresUrl,
  ledgerName,
  legacyLedgerMessage,
  noLedgerMessage,
  radarDirs,
  type ConfigLocation,
  type LedgerLocation,
} from './config/locations.js';
import { loadConfig as loadDefaultConfig } from './config/load-defaults.js';
import type { LoadedConfig } from './config/load.js';
import { BUILD_ID, readCachedConfig, writeCachedConfig } from './config/cache.js';
import { openSqliteLedger } from './ledger/sqlite-ledger.js';
import { openLedger } from './ledger/open.js';
import { redactSecrets, redactUrl } from './redact.js';
import type * as PgLedger from './ledger/pg/pg-ledger.js';
import { createLogger } from './logging.js';

/** Options every command accepts (commander's optsWithGlobals()). */
export interface GlobalOptions {
  config?: string;
  ledger?: string;
  /** `--json` (true) or `--json a,b` (the fields). */
  json?: boolean | string;
  verbose?: boolean;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  color?: boolean;
}

/**
 * Everything a command needs from the outside world, resolved once. The clock and environment
 * are here so commands never read them deep inside the core.
 */
export interface Context {
  readonly options: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now: () => Date;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** What the user types (`radar escalate`'s confirmation); the process's stdin by default. */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly color: boolean;
  readonly json: boolean;
  /** `--json a,b`: the fields to print (undefined: the whole document). */
  readonly jsonFields: string[] | undefined;
  config(): RadarConfig;
  configPath(): string | undefined;
  ledgerPath(): string;
  /** The ledger's path, how it was chosen, and an older radar's ledger found in the working folder. */
  ledgerLocation(): LedgerLocation;
  /** Opens the ledger once, creating it and its folder when missing (scan, ingest). */
  ledger(): OpenLedger;
  /**
   * Opens the ledger once for a command that only reads it (or changes what is already in it):
   * a missing ledger is an error saying where radar looked and how to start; nothing is created.
   */
  existingLedger(): OpenLedger;
  /**
   * Copies this SQLite ledger into the (empty) PostgreSQL ledger at `url`, in one transaction:
   * refused, nothing written, when the ledger is not a SQLite file, is missing, or the target
   * already holds rows. Messages name the server with its credentials masked.
   */
  copyLedgerTo(url: string): Promise<LedgerCopy>;
  logger(): Logger;
  /** This machine: its stable id (created once) and its name (config/machine.ts). */
  machine(): Machine;
  /** Close what was opened. */
  close(): void;
}

/** What a caller (the demo, a test) may pin instead of reading it from the outside world. */
export interface ContextOverrides {
  config?: RadarConfig;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** The working folder relative paths start from (default: the process's). */
  cwd?: string;
  /** Where output goes (default: the process's stdout and stderr). */
  stdout?: Context['stdout'];
  stderr?: Context['stderr'];
  /** Where input comes from (default: the process's stdin). */
  stdin?: Context['stdin'];
}

/**
 * The clock: the real one, or the time pinned by `RADAR_NOW` (an ISO time), so tests and
 * reproducible reports judge PRs at a fixed moment.
 */
export function clockFrom(env: NodeJS.ProcessEnv): () => Date {
  if (!env.RADAR_NOW) return () => new Date();
  const pinned = Date.parse(env.RADAR_NOW);
  if (Number.isNaN(pinned))
    throw new UsageError(
      `RADAR_NOW is not a time: "${env.RADAR_NOW}" (expected ISO, e.g. 2026-06-15T12:00:00Z)`,
    );
  return () => new Date(pinned);
}

export async function createContext(
  options: GlobalOptions,
  overrides: ContextOverrides = {},
): Promise<Context> {
  const env = overrides.env ?? process.env;
  const cwd = overrides.cwd ?? process.cwd();
  const out = overrides.stdout ?? process.stdout;
  // zod is loaded only when there is a config file to validate (or an old one to report).
  const located = overrides.config ? undefined : resolveConfigPath(options.config, env, cwd);
  const loadConfig = await configLoader(located, env);
  let loaded: ReturnType<typeof loadConfig> | undefined;
  let db: OpenLedger | undefined;
  let logger: Logger | undefined;
  let machine: Machine | undefined;
  const load = () =>
    (loaded ??= overrides.config
      ? { config: overrides.config, path: undefined }
      : loadConfig(options.config, env, cwd));
  const config = () => load().config;
  // The config is read for `ledger.url` only when neither --ledger nor RADAR_LEDGER names one.
  const location = () =>
    resolveLedger(
      options.ledger,
      env,
      cwd,
      options.ledger || env.RADAR_LEDGER ? undefined : config().ledger.url,
    );
  // The PostgreSQL engine (a third of the ledger's code, and a worker thread's module) is loaded
  // only for a server's ledger; opening stays synchronous. A config that cannot be read here
  // fails where the command first asks for it, as before.
  const pg = (() => {
    try {
      return location().url !== undefined;
    } catch {
      return false;
    }
  })()
    ? await import('./ledger/pg/pg-ledger.js')
    : undefined;
  const now = overrides.now ?? clockFrom(env);
  const thisMachine = () => (machine ??= machineIdentity(env, config().machine.name));
  const color =
    options.json === undefined &&
    colorEnabled({ flag: options.color, env, isTTY: Boolean(out.isTTY) });
  return {
    options,
    env,
    cwd,
    now,
    // Every byte radar prints passes the guard: no control character from GitHub or a log acts.
    stdout: guardStream(out, options.json !== undefined ? 'json' : 'text'),
    stderr: guardStream(overrides.stderr ?? process.stderr, 'text'),
    // process.stdin is made on first use: only a command that reads it pays for it.
    get stdin() {
      return overrides.stdin ?? process.stdin;
    },
    color,
    json: options.json !== undefined && options.json !== false,
    jsonFields: parseJsonFields(options.json),
    config,
    configPath: () => load().path,
    ledgerPath: () => location().path,
    ledgerLocation: location,
    ledger: () => (db ??= openLocation(location(), true, pg)),
    existingLedger: () => (db ??= openLocation(location(), false, pg)),
    copyLedgerTo: (url) => copyToPostgres(location(), url, thisMachine, now().getTime()),
    machine: thisMachine,
    logger: () =>
      (logger ??= createLogger({
        level: options.logLevel ?? (options.verbose ? 'info' : config().logging.level),
        format: options.logFormat ?? 'text',
        // A relative log file is in the working folder radar runs in.
        file: ((file) => file && resolve(cwd, file))(config().logging.file),
        ...(overrides.stderr ? { stderr: overrides.stderr } : {}),
      })),
    close: () => {
      db?.close();
      db = undefined;
    },
  };
}

/**
 * How this run reads its config: the built-in defaults when there is no file (zod not loaded);
 * the result kept for this build and this very text when there is one (config/cache.ts: zod
 * not loaded either); else the file validated, and the result kept for the next run.
 */
async function configLoader(
  located: ConfigLocation | undefined,
  env: NodeJS.ProcessEnv,
): Promise<(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd: string) => LoadedConfig> {
  if (located === undefined || (located.path === undefined && !located.legacy))
    return loadDefaultConfig;
  const { path } = located;
  const read = (() => {
    if (BUILD_ID === undefined || path === undefined || located.legacy) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined; // said by loadConfig, where the command first needs it, as without a cache
    }
  })();
  if (BUILD_ID === undefined || path === undefined || read === undefined)
    return (await import('./config/load.js')).loadConfig;
  const build = BUILD_ID;
  const dir = radarDirs({ env, platform: process.platform, home: env.HOME ?? homedir() }).cache;
  const kept = readCachedConfig(dir, build, path, read);
  if (kept) return () => ({ config: kept, path });
  const { configFromText } = await import('./config/load.js');
  return () => {
    const config = configFromText(path, read);
    writeCachedConfig(dir, { build, path, text: read, config });
    return { config, path };
  };
}

type PgEngine = typeof PgLedger;

/**
 * Opens the ledger at a location: a PostgreSQL server's, or a SQLite file (refusing to start a
 * second, empty ledger beside an older radar's `./ledgers/radar.db`, and, unless `create`,
 * refusing to create one at all).
 */
function openLocation(location: LedgerLocation, create: boolean, pg?: PgEngine): OpenLedger {
  if (location.url !== undefined) {
    // Only when the location could not be read while the context was made, and now can.
    if (!pg) throw new RadarError('the ledger location changed while radar started; run it again');
    return openPostgres(location, location.url, create, pg);
  }
  return openSqliteLedger(sqlitePath(location, create));
}

/**
 * The SQLite file of a location, refusing to start a second, empty ledger beside an older
 * radar's `./ledgers/radar.db`, and, unless `create`, a file that does not exist.
 */
function sqlitePath(location: LedgerLocation, create: boolean): string {
  if (location.legacy) {
    const { message, details } = legacyLedgerMessage(location);
    throw new UsageError(message, details);
  }
  if (!create && !existsSync(location.path)) {
    const { message, details } = noLedgerMessage(location);
    throw new UsageError(message, details);
  }
  return location.path;
}

/**
 * A PostgreSQL ledger: a schema without one is created only when `create`; a server that cannot
 * be reached (or refuses the login) is one line naming it, its connection string masked.
 */
function openPostgres(
  location: LedgerLocation,
  url: string,
  create: boolean,
  pg: PgEngine,
): OpenLedger {
  try {
    return pg.openPgLedger(url, { create });
  } catch (error) {
    if (error instanceof pg.NoPgLedgerError) {
      const { message, details } = noLedgerMessage(location);
      throw new UsageError(message, details);
    }
    if (error instanceof RadarError) throw error;
    throw new RadarError(
      `cannot open the PostgreSQL ledger at ${ledgerName(location)}: ${redactSecrets(errorMessage(error), urlSecrets(url))}`,
    );
  }
}

/**
 * `radar ledger copy`: the ledger is a SQLite file that exists, the target a PostgreSQL
 * connection string; any failure after that is one line naming the server, masked, and says
 * that nothing was written (the copy is one transaction).
 */
async function copyToPostgres(
  location: LedgerLocation,
  url: string,
  machine: () => Machine,
  now: number,
): Promise<LedgerCopy> {
  if (!isPostgresUrl(url))
    throw new UsageError(
      `--to takes a PostgreSQL connection string (postgres://user@host/db), not ${redactUrl(url)}`,
    );
  if (location.url !== undefined)
    throw new UsageError(
      `radar ledger copy reads a SQLite ledger, and this ledger is already on PostgreSQL (${ledgerName(location)})`,
      ['name the SQLite file to copy with --ledger (or RADAR_LEDGER)'],
    );
  const path = sqlitePath(location, false);
  const target = redactUrl(url);
  // Loaded here, not with the context: every other command would load the PostgreSQL engine.
  const { PgLedgerNotEmptyError, copySqliteToPg } = await import('./ledger/pg/copy.js');
  const sqlite = openLedger(path);
  try {
    return copySqliteToPg(sqlite, url, machine(), now);
  } catch (error) {
    if (error instanceof PgLedgerNotEmptyError)
      throw new RadarError(
        `the PostgreSQL ledger at ${target} already holds a radar ledger with rows; radar copies only into an empty one, and wrote nothing`,
        1,
        [
          ...error.held.map((t) => `${t.table}: ${t.rows} rows`),
          'copy into a new database or schema (?options=-c search_path=…), or drop this one first',
        ],
      );
    const message = redactSecrets(errorMessage(error), urlSecrets(url));
    if (error instanceof RadarError)
      throw new RadarError(
        `cannot copy into ${target}: ${message}; nothing was written`,
        error.exitCode,
        error.details,
      );
    throw new RadarError(`cannot copy into ${target}: ${message}; nothing was written`);
  } finally {
    sqlite.close();
  }
}

/** The password of a connection string (as written and decoded), to mask wherever it appears. */
function urlSecrets(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
