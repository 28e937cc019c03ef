/**
 * Typed errors that carry the process exit code. Commands throw these; the single top-level
 * catch in program.ts prints the message (never a stack trace) and exits with the code.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  flagged: 3,
  /**
   * `radar scan --dispatch`: flagged PRs got no agent for want of one, or because of a model hold
   * that waits for `radar resume --model` (not budget or policy).
   */
  notDispatched: 4,
  locked: 75,
} as const;

export class RadarError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'RadarError';
  }
}

/** Bad usage or configuration (exit 2). */
export class UsageError extends RadarError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, ExitCode.usage, details);
    this.name = 'UsageError';
  }
}

/** Another process holds a lock that this command needs (exit 75, EX_TEMPFAIL). */
export class LockedError extends RadarError {
  constructor(message: string) {
    super(message, ExitCode.locked);
    this.name = 'LockedError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one line for a full disk, or undefined for any other error: SQLITE_FULL from the ledger
 * (SQLite could not grow the database, its WAL or its journal), ENOSPC from a file write.
 */
export function diskFullMessage(
  error: unknown,
  ledgerPath: string | undefined,
): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, path, cause } = e as { code?: unknown; path?: unknown; cause?: unknown };
    if (code === 'SQLITE_FULL')
      return ledgerPath
        ? `the disk holding the ledger is full (${ledgerPath})`
        : 'the disk holding the ledger is full';
    if (code === 'ENOSPC')
      return typeof path === 'string'
        ? `the disk is full (${path})`
        : 'the disk is full (no space left on device)';
    e = cause;
  }
  return undefined;
}
