/**
 * Typed errors that carry the process exit code. Commands throw these; the single top-level
 * catch in cli.ts prints the message (never a stack trace) and exits with the code.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  flagged: 3,
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
