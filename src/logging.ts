import { createRequire } from 'node:module';
import type { Level, Logger, LevelWithSilent, StreamEntry } from 'pino';
import type pinoModule from 'pino';
import { redactDeep, redactSecrets } from './redact.js';
import { formatLogLine, type LogFormat } from './log-format.js';
import { forTerminal } from './render/terminal.js';

// pino is required on first use: most commands never log, and loading it costs start-up time.
const requirePino = () => createRequire(import.meta.url)('pino') as typeof pinoModule;

/** Paths pino blanks out wherever they appear in a log record: tokens never reach a log. */
export const REDACT_PATHS = [
  'token',
  'githubToken',
  'authorization',
  'password',
  'headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  '*.token',
  '*.authorization',
  '*.password',
  '*.apiKey',
  'env.GITHUB_TOKEN',
  'env.GH_TOKEN',
  'env.GH_ENTERPRISE_TOKEN',
  'env.GITHUB_ENTERPRISE_TOKEN',
  'env.OPENAI_API_KEY',
  'env.ANTHROPIC_API_KEY',
];

// Free-text masking lives in redact.ts (pure); re-exported for the top-level error printer.
export { redactSecrets };

export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  level: LogLevel;
  /** stderr as readable lines (default) or pino's JSON records. */
  format?: LogFormat;
  /** Optional JSON log file, written in addition to stderr. */
  file?: string | undefined;
  /** Where stderr's lines go instead of file descriptor 2 (radar run in-process by a test). */
  stderr?: { write: (text: string) => unknown };
}

/** pino's numbers for its levels: a call under the logger's level does nothing. */
const LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

const noop = () => undefined;

/**
 * pino to stderr (quiet by default: warnings and errors only; readable lines unless the format is
 * json), plus an optional JSON file.
 * This module is imported lazily (by context.ts) so `radar --help` does not pay for pino, and pino
 * itself is loaded at the first call that writes a record: a cron scan at the default level logs
 * nothing, and loading pino costs it about 40 ms. Calls under the level are no-ops either way.
 */
export function createLogger(options: LoggerOptions): Logger {
  // The log file records at least `info`, whatever stderr shows.
  const fileLevel: Level =
    options.level === 'silent' || LEVEL_VALUES[options.level]! > 30 ? 'info' : options.level;
  const level = options.file ? fileLevel : options.level;
  const least = level === 'silent' ? Infinity : LEVEL_VALUES[level]!;
  let logger: Logger | undefined;
  const load = () => (logger ??= createPino(options, level, fileLevel));
  // A log file is opened at once, as before: one that cannot be written fails the command early.
  if (options.file) load();
  return new Proxy({} as Logger, {
    get(_, key) {
      if (typeof key === 'string' && (LEVEL_VALUES[key] ?? Infinity) < least) return noop;
      const real = load();
      const value: unknown = Reflect.get(real, key, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
    set(_, key, value) {
      return Reflect.set(load(), key, value);
    },
  });
}

function createPino(options: LoggerOptions, level: LogLevel, fileLevel: Level): Logger {
  const pino = requirePino();
  const streams: StreamEntry[] = [];
  if (options.level !== 'silent') {
    const stderr = options.stderr ?? pino.destination({ fd: 2, sync: true });
    streams.push({
      level: options.level,
      stream:
        options.format === 'json'
          ? stderr
          : // Log text may quote GitHub or a log: inert on the terminal.
            { write: (line: string) => stderr.write(forTerminal(formatLogLine(line))) },
    });
  }
  if (options.file) {
    streams.push({
      level: fileLevel,
      stream: pino.destination({ dest: options.file, mkdir: true, sync: true }),
    });
  }
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        // Messages, fields and errors alike: a URL with user-info, an Authorization header or a
        // token-shaped string is masked before pino serialises the record.
        logMethod(args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(
            this,
            args.map((a) => redactDeep(a)),
          );
        },
      },
    },
    pino.multistream(streams),
  );
}
