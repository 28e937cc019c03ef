import { openLedger } from '../src/ledger/open.js';
import { TokenStore } from '../src/ledger/token-store.js';
import { bucketResolver } from '../src/tokens/bucket.js';
import { collectFiles, emptySummary, ingestFiles } from '../src/tokens/ingest.js';
import { ROOT } from './common.js';

/**
 * `node dist/bench/ingest-run.js LEDGER PATH...`: one ingest in a process of its own, as the
 * ingest benchmark runs it; prints its time inside the process, its summary and the process's
 * peak resident memory (worker threads included) as one JSON line.
 */
async function main(): Promise<void> {
  const [ledger, ...paths] = process.argv.slice(2);
  if (!ledger || paths.length === 0) throw new Error('usage: ingest-run.js LEDGER PATH...');
  const started = performance.now();
  const summary = emptySummary();
  const db = openLedger(ledger);
  const files = await collectFiles(paths, summary.unreadable);
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
  db.close();
  const ms = performance.now() - started;
  const maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb, summary })}\n`);
}

await main();
