import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { configSchema, type RadarConfig } from './schema.js';
import { UsageError } from '../core/errors.js';
import { resolveConfigPath } from './locate.js';
import { legacyConfigMessage } from './locations.js';
import { defaultConfig } from './defaults.js';

export interface ConfigValidation {
  config?: RadarConfig;
  errors: string[];
}

/** `tokens.buckets[1].match` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Pure: validate parsed JSON, listing every problem with its dot-path. */
export function validateConfig(json: unknown): ConfigValidation {
  // Without zod's compiled fast paths: a config is checked once per command, and compiling them
  // (one function per object of the schema) cost more than the check itself, about 50 ms.
  const parsed = configSchema.safeParse(json, { jitless: true });
  if (parsed.success) return { config: parsed.data, errors: [] };
  return { errors: parsed.error.issues.map((issue: z.core.$ZodIssue) => describeIssue(issue)) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${path}: ${issue.message}`;
}

export interface LoadedConfig {
  config: RadarConfig;
  /** The file it came from, or undefined for built-in defaults. */
  path: string | undefined;
}

export { resolveConfigPath } from './locate.js';

export function loadConfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): LoadedConfig {
  const location = resolveConfigPath(explicit, env, cwd);
  if (location.legacy) {
    const { message, details } = legacyConfigMessage(location);
    throw new UsageError(message, details);
  }
  const { path } = location;
  if (!path) return { config: defaultConfig(), path: undefined };
  return { config: configFromText(path, readConfigText(path)), path };
}

/** A config file's text, or the error a user reads when it cannot be read. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `config file not found: ${path}`
        : `cannot read config ${path}: ${code ?? error}`,
    );
  }
}

/** A config file's text, parsed and validated; every problem is named in the error. */
export function configFromText(path: string, text: string): RadarConfig {
  // JSON with comments, so the starter config written by `radar init` can explain itself.
  const parseErrors: ParseError[] = [];
  const json: unknown = parseJsonc(text, parseErrors, { allowTrailingComma: true });
  if (parseErrors.length > 0) {
    throw new UsageError(
      `config ${path} is not valid JSON:`,
      parseErrors.map((e) => `${lineColumn(text, e.offset)}: ${printParseErrorCode(e.error)}`),
    );
  }
  const { config, errors } = validateConfig(json);
  if (!config) {
    throw new UsageError(
      `invalid config ${path} (${errors.length} problem${errors.length > 1 ? 's' : ''}):`,
      errors,
    );
  }
  return config;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
