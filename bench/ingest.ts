import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus, type CorpusTruth } from '../src/demo/corpus.js';
import { openLedger } from '../src/ledger/open.js';
import { TokenStore } from '../src/ledger/token-store.js';
import { bucketResolver } from '../src/tokens/bucket.js';
import { collectFiles, emptySummary, ingestFiles } from '../src/tokens/ingest.js';
import { ROOT, fmt, ratio } from './common.js';

/**
 * `node dist/bench/ingest.js [MB]` (default 1000): first ingest of a generated corpus against a
 * plain stream read of the same bytes in the same run, then a re-ingest of the unchanged corpus.
 * The corpus is cached in bench/.corpus/<MB>; the totals are checked against its truth.
 */

async function plainRead(files: string[]): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
      bytes += (chunk as Buffer).length;
  }
  return bytes;
}

async function ingestOnce(files: string[], ledger: string) {
  const db = openLedger(ledger);
  const summary = emptySummary();
  const started = performance.now();
  await ingestFiles(
    files,
    {
      store: new TokenStore(db),
      bucketFor: bucketResolver([], ROOT),
      zone: 'UTC',
      now: () => Date.now(),
    },
    summary,
  );
  const ms = performance.now() - started;
  db.close();
  return { ms, summary };
}

async function main(): Promise<void> {
  const mb = Number(process.argv[2] ?? 1000);
  const dir = join(ROOT, 'bench/.corpus', `${mb}`);
  const truthFile = join(dir, 'truth.json');
  if (!existsSync(truthFile)) {
    process.stderr.write(`generating a ${mb} MB corpus in ${dir} (once)…\n`);
    const corpus = join(dir, 'logs');
    const truth = await generateCorpus(corpus, {
      seed: 1,
      now: new Date('2026-06-15T12:00:00Z'),
      targetBytes: mb * 1e6,
    });
    writeFileSync(truthFile, JSON.stringify(truth));
  }
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as CorpusTruth;
  const unreadable: { path: string; error: string }[] = [];
  const files = await collectFiles([join(dir, 'logs')], unreadable);
  await plainRead(files); // warm the page cache for both contenders
  const t0 = performance.now();
  const bytes = await plainRead(files);
  const floorMs = performance.now() - t0;

  const work = mkdtempSync(join(tmpdir(), 'radar-bench-'));
  try {
    const ledger = join(work, 'bench.db');
    const first = await ingestOnce(files, ledger);
    const again = await ingestOnce(files, ledger);
    const exact =
      first.summary.newTokens === truth.tokens && first.summary.newEvents === truth.events;
    const mbs = (b: number, ms: number) => `${(b / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
    const out = [
      `corpus: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB; truth ${truth.tokens.toLocaleString('en-US')} tokens in ${truth.events} events`,
      `plain stream read:  ${fmt(floorMs)} (${mbs(bytes, floorMs)})`,
      `first ingest:       ${fmt(first.ms)} (${mbs(bytes, first.ms)}), ${ratio(first.ms, floorMs)} the plain read (goal ≤ 3×)`,
      `re-ingest:          ${fmt(again.ms)}, ${((again.ms / first.ms) * 100).toFixed(2)}% of the first (goal < 2%); ${again.summary.newEvents} new events`,
      `totals:             ${exact ? 'exact' : `MISMATCH: ${first.summary.newTokens} tokens / ${first.summary.newEvents} events`}`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (!exact || again.summary.newEvents !== 0) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
