import { createRequire } from 'node:module';
import type { Logger, LevelWithSilent, StreamEntry } from 'pino';
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

/**
 * pino to stderr (quiet by default: warnings and errors only; readable lines unless the format is
 * json), plus an optional JSON file.
 * This module is imported lazily (by context.ts) so `radar --help` does not pay for pino.
 */
export function createLogger(options: LoggerOptions): Logger {
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
  // The log file records at least `info`, whatever stderr shows.
  const fileLevel =
    options.level === 'silent' || pino.levels.values[options.level]! > 30 ? 'info' : options.level;
  if (options.file) {
    streams.push({
      level: fileLevel,
      stream: pino.destination({ dest: options.file, mkdir: true, sync: true }),
    });
  }
  const level = options.file ? fileLevel : options.level;
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
