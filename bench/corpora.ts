import { generateCorpus, type CorpusTruth } from '../src/demo/corpus.js';
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

export function makeCorpus(kind: CorpusKind, dir: string, targetMB: number): Promise<CorpusTruth> {
  const targetBytes = Math.round(targetMB * 1e6);
  return kind === 'realistic'
    ? generateRealisticCorpus(dir, { seed: 7, now: NOW, targetBytes })
    : generateCorpus(dir, { seed: 1, now: NOW, targetBytes });
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
