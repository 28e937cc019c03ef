import { generateCorpus } from '../src/demo/corpus.js';

/**
 * `node dist/bench/make-corpus.js <dir> [targetMB]`: writes a deterministic agent log corpus
 * (seed 1, now = 2026-06-15T12:00:00Z) and prints what a correct ingest must count.
 */
async function main(): Promise<number> {
  const [dir, mb] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node dist/bench/make-corpus.js <dir> [targetMB]\n');
    return 2;
  }
  const targetMB = mb === undefined ? 0.3 : Number(mb);
  if (!Number.isFinite(targetMB) || targetMB <= 0) {
    process.stderr.write(`make-corpus: targetMB must be a positive number, got ${mb}\n`);
    return 2;
  }
  const started = performance.now();
  const truth = await generateCorpus(dir, {
    seed: 1,
    now: new Date('2026-06-15T12:00:00Z'),
    targetBytes: Math.round(targetMB * 1e6),
  });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `make-corpus: ${truth.files} files, ${(truth.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s\n`,
  );
  process.stdout.write(`${JSON.stringify(truth, null, 2)}\n`);
  return 0;
}

process.exitCode = await main();
