import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteLedger } from '../src/ledger/sqlite-ledger.js';
import { bucketResolver } from '../src/tokens/bucket.js';
import { collectFiles, emptySummary, ingestFiles } from '../src/tokens/ingest.js';
import { ROOT, fmt, median } from './common.js';
import { benchCorpus, corpusKind, splitArgs } from './corpora.js';

/**
 * `node dist/bench/ingest-write.js [MB] [rounds] [--corpus realistic|demo]`: the write half of a
 * first ingest of the session files (CODEX_HOME and CLAUDE_CONFIG_DIR of the benchmark corpus),
 * measured apart from the parsing: each round ingests into a new SQLite ledger on one thread
 * (`threads: 'never'`), and the time inside the ingest's transactions (the events' inserts, the
 * roll-ups, the run ties, the commits with their checkpoints) is summed, as CPU time of the
 * process and as wall time, with the bytes the process wrote meanwhile (WAL and checkpoints),
 * then the closing of the ledger (its last checkpoint). The parse runs outside the transactions,
 * so a change to the rows, the statements or the batches shows here without the parser's share.
 * Totals are checked against the generator's truth.
 */

/** Bytes this process has written so far (write calls), where /proc tells. */
function writtenBytes(): number {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

interface Round {
  cpuMs: number;
  wallMs: number;
  writtenMB: number;
  closeMs: number;
}

async function round(paths: string[], work: string, truth: { events: number; tokens: number }) {
  const path = join(work, 'write.db');
  const ledger = openSqliteLedger(path);
  const store = ledger.tokens;
  const inner = store.transaction.bind(store);
  const spent: Round = { cpuMs: 0, wallMs: 0, writtenMB: 0, closeMs: 0 };
  store.transaction = <T>(fn: () => T): T => {
    const [cpu, wall, bytes] = [cpuMs(), performance.now(), writtenBytes()];
    try {
      return inner(fn);
    } finally {
      spent.cpuMs += cpuMs() - cpu;
      spent.wallMs += performance.now() - wall;
      spent.writtenMB += (writtenBytes() - bytes) / 1e6;
    }
  };
  const summary = emptySummary();
  const files = await collectFiles(paths, summary.unreadable);
  store.registerMachine({ id: 'bench', name: 'bench' }, Date.now());
  await ingestFiles(
    files,
    {
      store,
      machine: 'bench',
      bucketFor: bucketResolver([], ROOT),
      zone: 'UTC',
      now: () => Date.now(),
      threads: 'never',
    },
    summary,
  );
  const closing = performance.now();
  ledger.close();
  spent.closeMs = performance.now() - closing;
  for (const suffix of ['', '-wal', '-shm', '.ingest.lock']) rmSync(path + suffix, { force: true });
  if (summary.newEvents !== truth.events || summary.newTokens !== truth.tokens)
    throw new Error(`MISMATCH: ${summary.newTokens} tokens / ${summary.newEvents} events`);
  return spent;
}

async function main(): Promise<void> {
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const mb = Number(positional[0] ?? 1000);
  const rounds = Number(positional[1] ?? 3);
  const kind = corpusKind(flags.get('corpus'));
  const { logs, sessions } = await benchCorpus(kind, mb);
  const work = mkdtempSync(join(tmpdir(), 'radar-write-bench-'));
  const seen: Round[] = [];
  try {
    for (let i = 0; i < rounds; i++)
      seen.push(await round([join(logs, 'codex'), join(logs, 'claude')], work, sessions));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const stat = (pick: (r: Round) => number) => {
    const values = seen.map(pick);
    return `${fmt(median(values))} (lowest ${fmt(Math.min(...values))})`;
  };
  process.stdout.write(
    [
      `corpus: ${kind}, ${mb} MB, ${sessions.events} events; ${rounds} rounds, medians`,
      `inside the ingest's transactions: ${stat((r) => r.cpuMs)} CPU, ${stat((r) => r.wallMs)} wall, ${median(seen.map((r) => r.writtenMB)).toFixed(0)} MB written`,
      `closing the ledger (last checkpoint): ${stat((r) => r.closeMs)}`,
      `totals: exact`,
    ].join('\n') + '\n',
  );
}

await main();
