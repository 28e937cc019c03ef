/**
 * A finished session's tokens into the ledger: its run log goes through the normal ingest (so the
 * agent's own rollout or transcript, ingested later, is recognised as the same run and counted
 * once), then its events are tied to the escalation and the PR.
 */
import { LockedError } from '../core/errors.js';
import { acquireProcessLock } from '../ledger/lock.js';
import type { Db } from '../ledger/open.js';
import { TokenStore } from '../ledger/token-store.js';
import type { DispatchStore } from '../ledger/dispatch-store.js';
import { SessionTokenStore } from '../ledger/session-tokens.js';
import { bucketResolver } from '../tokens/bucket.js';
import { emptySummary, ingestFiles } from '../tokens/ingest.js';
import { reconcileRuns, writeEvent } from '../tokens/record.js';
import type { TokenEvent } from '../core/tokens.js';

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
    // A cron ingest of a large backlog may take minutes; the session is over, waiting is cheap.
    const deadline = Date.now() + 600_000;
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
  /** `claude -p` results seen live, to recognise one the ingest took for another log's. */
  results?: readonly TokenEvent[];
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
  const sessions = new SessionTokenStore(options.db);
  const keys = new Set(options.runKeys);
  for (const key of copyTakenResults(options, tokenStore, sessions)) keys.add(key);
  for (const key of sessions.runKeysOf(options.runLog)) keys.add(key);
  const runKeys = separateReusedRuns(options, tokenStore, sessions, [...keys]);
  const tokens = options.store.tieTokens(options.escalationId, options.pr, options.runLog, runKeys);
  return { tokens, runKeys };
}

/**
 * A `claude -p` result is identified by its content (session id, duration, usage): printed into
 * two logs, it is one run. A result this session printed that the ingest found already in the
 * ledger from another log is therefore another session's output repeated byte for byte (a wrapper
 * that prints a fixed result): radar started this session itself, so it is recorded for this run
 * log too. Returns the run keys of the copies.
 */
function copyTakenResults(
  options: { escalationId: number; runLog: string; results?: readonly TokenEvent[] },
  tokenStore: TokenStore,
  sessions: SessionTokenStore,
): string[] {
  const results = options.results ?? [];
  if (results.length === 0) return [];
  const sourceId = sessions.sourceId(options.runLog);
  if (sourceId === undefined) return [];
  const keys: string[] = [];
  // The token store's own transaction: its events reach the roll-ups before it commits.
  tokenStore.transaction(() => {
    for (const e of results) {
      if (sessions.hasEvent(e.fingerprint, options.runLog)) continue;
      writeEvent(
        tokenStore,
        { ...e, fingerprint: `${e.fingerprint}#e${options.escalationId}` },
        { bucket: ESCALATION_BUCKET, sourceId, sourcePath: options.runLog },
      );
      if (e.runKey) keys.push(e.runKey);
    }
  });
  return keys;
}

/**
 * radar starts every session fresh, so a session id another escalation already printed is not a
 * resumed thread but a reused id (an agent wrapper that prints a fixed id): this session's
 * markers get a run key of their own, and both runs are counted again, each on its own PR.
 */
function separateReusedRuns(
  options: { escalationId: number; runLog: string },
  tokenStore: TokenStore,
  sessions: SessionTokenStore,
  keys: readonly string[],
): string[] {
  return sessions.transaction(() =>
    keys.map((key) => {
      const owner = sessions.ownerOf(key);
      if (owner === undefined || owner === options.escalationId) return key;
      const own = `${key}#e${options.escalationId}`;
      sessions.rekey(options.runLog, key, own);
      reconcileRuns(tokenStore, [key, own]);
      return own;
    }),
  );
}
