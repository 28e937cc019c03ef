/**
 * A finished session's tokens into the ledger: its run log goes through the normal ingest (so the
 * agent's own rollout or transcript, ingested later, is recognised as the same run and counted
 * once), then its events are tied to the escalation and the PR.
 */
import { LockedError } from '../errors.js';
import { acquireProcessLock } from '../ledger/lock.js';
import type { Db } from '../ledger/open.js';
import { TokenStore } from '../ledger/token-store.js';
import type { DispatchStore } from '../ledger/dispatch-store.js';
import { bucketResolver } from '../tokens/bucket.js';
import { emptySummary, ingestFiles } from '../tokens/ingest.js';

/** Bucket of every escalation's tokens (and, through run keys, of its session files'). */
export const ESCALATION_BUCKET = 'escalation';

export interface SessionTokens {
  /** What the session's markers add up to; null when it printed none (usage unknown). */
  tokens: number | null;
  runKeys: string[];
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs fn under the ledger's ingest lock, one at a time in this process, waiting out others. */
async function underIngestLock<T>(ledgerPath: string, fn: () => Promise<T>): Promise<T> {
  const turn = queue.then(async () => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const release = acquireProcessLock(ledgerPath, 'ingest', 'radar ingest');
        try {
          return await fn();
        } finally {
          release();
        }
      } catch (error) {
        if (!(error instanceof LockedError) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  queue = turn.catch(() => undefined);
  return turn;
}

export async function recordSessionTokens(options: {
  db: Db;
  ledgerPath: string;
  store: DispatchStore;
  escalationId: number;
  pr: { repo: string; number: number };
  runLog: string;
  /** Run keys seen live (a marker-less run may still have named its session). */
  runKeys: readonly string[];
  zone: string;
  now: () => number;
  maxEventTokens?: number;
}): Promise<SessionTokens> {
  const tokenStore = new TokenStore(options.db);
  const summary = emptySummary();
  await underIngestLock(options.ledgerPath, () =>
    ingestFiles(
      [options.runLog],
      {
        store: tokenStore,
        bucketFor: bucketResolver([], process.cwd(), ESCALATION_BUCKET),
        zone: options.zone,
        now: options.now,
        threads: 'never',
        maxEventTokens: options.maxEventTokens,
      },
      summary,
    ),
  );
  const keys = new Set(options.runKeys);
  for (const row of options.db
    .prepare(
      `SELECT DISTINCT run_key AS k FROM token_events WHERE source_path = ? AND run_key IS NOT NULL`,
    )
    .all(options.runLog) as { k: string }[])
    keys.add(row.k);
  const runKeys = [...keys];
  const tokens = options.store.tieTokens(options.escalationId, options.pr, options.runLog, runKeys);
  return { tokens, runKeys };
}
