import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus, type CorpusTruth } from '../src/demo/corpus.js';
import { ROOT } from './common.js';
import { generateRealisticCorpus } from './realistic-corpus.js';

/**
 * The benchmark's two corpora: `realistic` (bench/realistic-corpus.ts: hundreds of session files
 * of about a megabyte, many mid-sized lines between the usage markers, as real logs are) and
 * `demo` (src/demo/corpus.ts: fewer, larger session files with one big tool output per model
 * call, plus cron logs). Both deterministic: the same kind and size always give the same bytes.
 */
export const CORPORA = ['realistic', 'demo'] as const;
export type CorpusKind = (typeof CORPORA)[number];

const NOW = new Date('2026-06-15T12:00:00Z');

export function corpusKind(value: string | undefined): CorpusKind {
  const kind = value ?? 'realistic';
  if (!(CORPORA as readonly string[]).includes(kind))
    throw new Error(`unknown corpus "${kind}": choose ${CORPORA.join(' or ')}`);
  return kind as CorpusKind;
}

/** The seed of each kind's usual corpus: the one every figure in docs/ was measured on. */
const DEFAULT_SEED: Record<CorpusKind, number> = { realistic: 7, demo: 1 };

/**
 * A corpus seed from a command-line value: undefined for the usual corpus, else a positive
 * integer (another seed gives other bytes of the same shape: a corpus no change was tuned on).
 */
export function corpusSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed <= 0)
    throw new Error(`--seed must be a positive integer, got "${value}"`);
  return seed;
}

export function makeCorpus(
  kind: CorpusKind,
  dir: string,
  targetMB: number,
  seed = DEFAULT_SEED[kind],
): Promise<CorpusTruth> {
  const targetBytes = Math.round(targetMB * 1e6);
  return kind === 'realistic'
    ? generateRealisticCorpus(dir, { seed, now: NOW, targetBytes })
    : generateCorpus(dir, { seed, now: NOW, targetBytes });
}

/**
 * The corpus of this kind and size, made once in bench/.corpus/<kind>-<MB> (or
 * <kind>-<MB>-seed<N> for another seed: logs/ and its truth), with the totals of its session
 * files (what CODEX_HOME and CLAUDE_CONFIG_DIR hold).
 */
export async function benchCorpus(
  kind: CorpusKind,
  mb: number,
  seed?: number,
): Promise<{ logs: string; truth: CorpusTruth; sessions: { events: number; tokens: number } }> {
  const usual = seed === undefined || seed === DEFAULT_SEED[kind];
  const name = usual ? `${kind}-${mb}` : `${kind}-${mb}-seed${seed}`;
  const dir = join(ROOT, 'bench/.corpus', name);
  const logs = join(dir, 'logs');
  const truthFile = join(dir, 'truth.json');
  if (!existsSync(truthFile)) {
    process.stderr.write(`generating a ${mb} MB ${kind} corpus in ${dir} (once)…\n`);
    writeFileSync(truthFile, JSON.stringify(await makeCorpus(kind, logs, mb, seed)));
  }
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as CorpusTruth;
  const sessions = ['codex-session', 'claude-session'].reduce(
    (t, b) => ({
      events: t.events + (truth.byBucket[b]?.events ?? 0),
      tokens: t.tokens + (truth.byBucket[b]?.tokens ?? 0),
    }),
    { events: 0, tokens: 0 },
  );
  return { logs, truth, sessions };
}

/** `--name value` or `--name=value` out of argv; the rest stay positional. */
export function splitArgs(argv: readonly string[]): {
  positional: string[];
  flags: Map<string, string>;
} {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq !== -1) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else flags.set(arg.slice(2), argv[++i] ?? '');
  }
  return { positional, flags };
}
