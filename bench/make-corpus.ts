import { corpusKind, corpusSeed, makeCorpus, splitArgs } from './corpora.js';

/**
 * `node dist/bench/make-corpus.js <dir> [targetMB] [--corpus realistic|demo] [--seed N]`:
 * writes a deterministic agent log corpus (default: realistic, 0.3 MB, the benchmarks' usual
 * seed) and prints what a correct ingest must count.
 */
function main(): Promise<number> | number {
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const [dir, mb] = positional;
  let kind;
  let seed;
  try {
    kind = corpusKind(flags.get('corpus'));
    seed = corpusSeed(flags.get('seed'));
  } catch (error) {
    process.stderr.write(`make-corpus: ${(error as Error).message}\n`);
    return 2;
  }
  if (!dir) {
    process.stderr.write(
      'usage: node dist/bench/make-corpus.js <dir> [targetMB] [--corpus realistic|demo] [--seed N]\n',
    );
    return 2;
  }
  const targetMB = mb === undefined ? 0.3 : Number(mb);
  if (!Number.isFinite(targetMB) || targetMB <= 0) {
    process.stderr.write(`make-corpus: targetMB must be a positive number, got ${mb}\n`);
    return 2;
  }
  const started = performance.now();
  return makeCorpus(kind, dir, targetMB, seed).then((truth) => {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `make-corpus: ${kind}, ${truth.files} files, ${(truth.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s\n`,
    );
    process.stdout.write(`${JSON.stringify(truth, null, 2)}\n`);
    return 0;
  });
}

process.exitCode = await main();
