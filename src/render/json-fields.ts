import { UsageError } from '../core/errors.js';

/** `--json a,b`: the names, or undefined for the whole document; a malformed list is refused. */
export function parseJsonFields(value: string | boolean | undefined): string[] | undefined {
  if (value === undefined || typeof value === 'boolean' || value === '') return undefined;
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z]\w*$/.test(n)))
    throw new UsageError(
      `--json: "${value}" is not a list of fields (e.g. --json repo,number,tier)`,
    );
  return names;
}
