import { openPgLedger } from '../src/ledger/pg/pg-ledger.js';
import { openSqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { PgSyncClient } from '../src/ledger/pg/sync-client.js';
import { bucketResolver } from '../src/tokens/bucket.js';
import { collectFiles, emptySummary, ingestFiles } from '../src/tokens/ingest.js';
import { ROOT } from './common.js';

/**
 * `node dist/bench/ingest-run.js LEDGER PATH...`: one ingest (LEDGER a SQLite file or a
 * postgres:// URL; the machine is RADAR_MACHINE_ID, else `bench`) in a process of its own, as the
 * ingest benchmark runs it; prints its time inside the process, its summary and the process's
 * peak resident memory (worker threads included) as one JSON line.
 */
async function main(): Promise<void> {
  const [ledger, ...paths] = process.argv.slice(2);
  if (!ledger || paths.length === 0) throw new Error('usage: ingest-run.js LEDGER PATH...');
  // Every statement sent to a PostgreSQL ledger is counted (a round trip each).
  let statements = 0;
  const query = PgSyncClient.prototype.query;
  PgSyncClient.prototype.query = function (this: PgSyncClient, ...args) {
    statements++;
    return query.apply(this, args);
  } as typeof query;
  const started = performance.now();
  const summary = emptySummary();
  const db = ledger.startsWith('postgres') ? openPgLedger(ledger) : openSqliteLedger(ledger);
  const files = await collectFiles(paths, summary.unreadable);
  const machine = process.env.RADAR_MACHINE_ID ?? 'bench';
  db.tokens.registerMachine({ id: machine, name: machine }, Date.now());
  await ingestFiles(
    files,
    {
      store: db.tokens,
      machine,
      bucketFor: bucketResolver([], ROOT),
      zone: 'UTC',
      now: () => Date.now(),
    },
    summary,
  );
  db.close();
  const ms = performance.now() - started;
  const maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb, statements, summary })}\n`);
}

await main();
