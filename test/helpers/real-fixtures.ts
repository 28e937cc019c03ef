import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Truth, TruthRun } from '../../scripts/agents/truth.js';
import { ROOT, runCli } from './cli.js';

/**
 * The fixtures that the real agent CLIs wrote against the stand-in model server
 * (scripts/agents/, docs/real-agents.md): `test/fixtures/real/<agent>-<version>/<scenario>/`,
 * each with a `truth.json` from the server's log. Other tests use `ingestFixture` to ingest a
 * scenario into a fresh ledger (in any order of files) and `expectedByBucket` for what it must
 * hold.
 */

export const REAL_FIXTURES = join(ROOT, 'test', 'fixtures', 'real');

const count = z.number().int().nonnegative();
const runSchema = z.strictObject({
  name: z.string().min(1),
  argv: z.array(z.string()).min(1),
  launcher: z.string().min(1),
  launcherFormat: z.enum(['codex-text', 'codex-exec-json', 'claude-result', 'claude-stream-json']),
  bucket: z.string().min(1),
  sessionId: z.string().min(1),
  resumes: z.string().min(1).optional(),
  sessionFile: z.string().min(1).optional(),
  sessionFileHasUsage: z.boolean(),
  model: z.string().min(1),
  responses: z.array(z.number().int().positive()).min(1),
  codex: z
    .strictObject({ input: count, cachedInput: count, output: count, reasoning: count })
    .optional(),
  claude: z
    .strictObject({ input: count, cacheCreation: count, cacheRead: count, output: count })
    .optional(),
  tokens: count,
  blended: count.optional(),
  exitCode: z.number().int(),
});
const truthSchema = z.strictObject({
  agent: z.enum(['codex', 'claude']),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  scenario: z.string().min(1),
  about: z.string().min(1),
  runs: z.array(runSchema).min(1),
  copies: z.array(z.strictObject({ copy: z.string().min(1), of: z.string().min(1) })),
  files: z.array(z.string().min(1)).min(1),
  mtimes: z.record(z.string(), z.number().int().positive()),
});

export interface RealFixture {
  /** `codex-0.80.0/resume`. */
  name: string;
  dir: string;
  truth: Truth;
}

/** A scenario's truth.json, validated (a malformed one throws, naming the problem). */
export function loadTruth(dir: string): Truth {
  const parsed = truthSchema.safeParse(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')));
  if (!parsed.success) throw new Error(`${dir}/truth.json: ${z.prettifyError(parsed.error)}`);
  return parsed.data as Truth;
}

/** Every scenario folder under test/fixtures/real/, sorted by name. */
export function listRealFixtures(): RealFixture[] {
  const out: RealFixture[] = [];
  for (const version of readdirSync(REAL_FIXTURES).sort()) {
    for (const scenario of readdirSync(join(REAL_FIXTURES, version)).sort()) {
      const dir = join(REAL_FIXTURES, version, scenario);
      out.push({ name: `${version}/${scenario}`, dir, truth: loadTruth(dir) });
    }
  }
  return out;
}

/** Tokens per bucket. */
export type BucketTotals = Record<string, number>;

const SESSION_BUCKET = { codex: 'codex-session', claude: 'claude-session' } as const;

/**
 * What a ledger must hold per bucket after these files of the scenario (relative paths) were
 * ingested, in any order, each run counted once:
 * - a run whose session file (rollout or transcript) was read and records its usage counts that
 *   file's amount (`tokens`: input + output, cached and reasoning included; for Claude the four
 *   counts), in its launcher's bucket when the launcher (or a copy of it) was read, else in the
 *   session bucket (`codex-session`, `claude-session`);
 * - otherwise a run whose launcher (or a copy) was read counts what the launcher prints: the
 *   blended number (input − cached input + output) for Codex human output, `tokens` for
 *   `codex exec --json` and `claude -p` JSON;
 * - a byte-identical copy of a log adds nothing.
 */
export function expectedByBucket(truth: Truth, ingested: readonly string[]): BucketTotals {
  const read = new Set(ingested);
  const launcherRead = (run: TruthRun) =>
    read.has(run.launcher) || truth.copies.some((c) => c.of === run.launcher && read.has(c.copy));
  const out: BucketTotals = {};
  const add = (bucket: string, tokens: number) => (out[bucket] = (out[bucket] ?? 0) + tokens);
  for (const run of truth.runs) {
    if (run.sessionFile !== undefined && run.sessionFileHasUsage && read.has(run.sessionFile)) {
      add(launcherRead(run) ? run.bucket : SESSION_BUCKET[truth.agent], run.tokens);
    } else if (launcherRead(run)) {
      add(
        run.bucket,
        run.launcherFormat === 'codex-text' ? (run.blended ?? run.tokens) : run.tokens,
      );
    }
  }
  return out;
}

interface IngestJson {
  filesSeen: number;
  newEvents: number;
  newTokens: number;
  linesSkipped: number;
  unreadable: unknown[];
}

interface ReportJson {
  total: { tokens: number; events: number };
  groups: { key: string; tokens: number }[];
}

export interface FixtureIngest {
  /** Tokens per bucket in `radar report tokens --by bucket`. */
  byBucket: BucketTotals;
  total: number;
  /** Each `radar ingest --json` summary, in order. */
  ingests: IngestJson[];
}

/** Copies a scenario's files to `target` with their recorded modification times (git keeps none). */
export function copyScenario(dir: string, target: string): void {
  const truth = loadTruth(dir);
  for (const rel of truth.files) {
    const to = join(target, rel);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(dir, rel), to);
    const mtime = truth.mtimes[rel];
    if (mtime !== undefined) utimesSync(to, new Date(mtime), new Date(mtime));
  }
}

/** The tokens a ledger must hold after every file of a scenario was ingested (all buckets). */
export function scenarioTokens(dir: string): number {
  const truth = loadTruth(dir);
  return Object.values(expectedByBucket(truth, truth.files)).reduce((a, b) => a + b, 0);
}

/**
 * Copies a scenario to a temporary folder (with the files' recorded modification times, which
 * git does not keep), ingests it into a fresh ledger with the built CLI — one `radar ingest` per
 * batch of relative paths, in the order given (default: the whole folder at once) — and returns
 * the ledger's tokens per bucket. Compare with `expectedByBucket(truth, <the files ingested>)`.
 */
export async function ingestFixture(
  dir: string,
  batches: readonly (readonly string[])[] = [loadTruth(dir).files],
): Promise<FixtureIngest> {
  const work = mkdtempSync(join(tmpdir(), 'radar-real-'));
  try {
    const copy = join(work, 'fixture');
    copyScenario(dir, copy);
    const ledger = join(work, 'ledger.db');
    const ingests: IngestJson[] = [];
    for (const batch of batches) {
      const r = await runCli(
        ['--ledger', ledger, '--json', 'ingest', ...batch.map((rel) => join(copy, rel))],
        {
          cwd: work,
        },
      );
      if (r.code !== 0) throw new Error(`radar ingest exited ${r.code}: ${r.stderr}`);
      ingests.push(JSON.parse(r.stdout) as IngestJson);
    }
    const r = await runCli(['--ledger', ledger, '--json', 'report', 'tokens', '--by', 'bucket'], {
      cwd: work,
    });
    if (r.code !== 0) throw new Error(`radar report exited ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as ReportJson;
    return {
      byBucket: Object.fromEntries(report.groups.map((g) => [g.key, g.tokens])),
      total: report.total.tokens,
      ingests,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
