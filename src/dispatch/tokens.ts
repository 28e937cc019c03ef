/**
 * A finished session's tokens into the ledger. The ingest is the one parser of agent output: the
 * session only captured its run log, which goes through the normal ingest (so the agent's own
 * rollout or transcript, ingested later, is recognised as the same run and counted once). The
 * ingest ties the log's events to the escalation (the escalation row names its run log); what
 * it parsed names the session's runs, which are recorded as the escalation's, and whether the
 * agent reported an error.
 */
import type { Machine } from '../core/machine.js';
import type { AgentName } from '../core/agents.js';
import { LockedError } from '../core/errors.js';
import { acquireProcessLock } from '../ledger/lock.js';
import type { Ledger, SessionLedger, TokenLedger } from '../ledger/ports.js';
import { bucketResolver } from '../tokens/bucket.js';
import { emptySummary, ingestFiles } from '../tokens/ingest.js';
import { sessionNamed } from '../tokens/parse.js';
import { reconcileRuns, writeEvent } from '../tokens/record.js';
import type { TokenEvent } from '../core/tokens.js';

/** Bucket of every escalation's tokens (and, through run keys, of its session files'). */
export const ESCALATION_BUCKET = 'escalation';

export interface SessionTokens {
  /** What the session's markers add up to; null when it printed none (usage unknown). */
  tokens: number | null;
  runKeys: string[];
  /** The session (or thread) its output named, if any. */
  sessionId: string | null;
  /** The agent reported an error result (`claude -p` with `is_error`). */
  reportedError: boolean;
}

/** What the ingest parsed of a run log that dispatch needs: its runs, session, results. */
export interface ParsedLog {
  events: readonly TokenEvent[];
  sessionId: string | undefined;
}

/**
 * The runs a session produced, from its parsed run log (or, when another ingest read it first,
 * from what the ledger holds of it): the runs of its markers, and the run its agent's own
 * session file will carry when the output named a session.
 */
export function sessionRunKeys(
  parsed: ParsedLog | undefined,
  recorded: readonly string[],
  agent: AgentName | undefined,
): string[] {
  const keys = new Set<string>(recorded);
  for (const e of parsed?.events ?? []) if (e.runKey) keys.add(e.runKey);
  if (agent && parsed?.sessionId) keys.add(`${agent}:${parsed.sessionId}`);
  return [...keys];
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
  ledger: Pick<Ledger, 'tokens' | 'sessions'>;
  ledgerPath: string;
  /** The machine running the session (its run log is this machine's source). */
  machine: Machine;
  escalationId: number;
  pr: { repo: string; number: number };
  runLog: string;
  /** The working folder of the command (relative bucket paths start there). */
  cwd: string;
  /** The agent that ran (a session its output names is that agent's run); unknown when reaped. */
  agent?: AgentName;
  zone: string;
  now: () => number;
  maxEventTokens?: number;
}): Promise<SessionTokens> {
  const tokenStore = options.ledger.tokens;
  const summary = emptySummary();
  let parsed: ParsedLog | undefined;
  tokenStore.registerMachine(options.machine, options.now());
  await underIngestLock(options.ledgerPath, () =>
    ingestFiles(
      [options.runLog],
      {
        store: tokenStore,
        machine: options.machine.id,
        bucketFor: bucketResolver([], options.cwd, ESCALATION_BUCKET),
        zone: options.zone,
        now: options.now,
        threads: 'never',
        maxEventTokens: options.maxEventTokens,
        onParsed: (path, result) => {
          if (path !== options.runLog) return;
          parsed = { events: result.events, sessionId: sessionNamed(result.events, result.state) };
        },
      },
      summary,
    ),
  );
  const sessions = options.ledger.sessions;
  const results = (parsed?.events ?? []).filter((e) => e.format === 'claude-result');
  const keys = sessionRunKeys(parsed, sessions.runKeysOf(options.runLog), options.agent);
  keys.push(...copyTakenResults(options, results, tokenStore, sessions));
  const runKeys = separateReusedRuns(options, tokenStore, sessions, [...new Set(keys)]);
  sessions.ownRuns(options.escalationId, options.pr, runKeys);
  return {
    tokens: sessions.tokensOf(options.runLog),
    runKeys,
    sessionId: parsed?.sessionId ?? null,
    reportedError: results.some((e) => e.isError),
  };
}

/**
 * A `claude -p` result is identified by its content (session id, duration, usage): printed into
 * two logs, it is one run. A result this session printed that the ingest found already in the
 * ledger from another log is therefore another session's output repeated byte for byte (a wrapper
 * that prints a fixed result): radar started this session itself, so it is recorded for this run
 * log too. Returns the run keys of the copies.
 */
function copyTakenResults(
  options: { escalationId: number; runLog: string },
  results: readonly TokenEvent[],
  tokenStore: TokenLedger,
  sessions: SessionLedger,
): string[] {
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
        { bucket: ESCALATION_BUCKET, sourceId },
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
  tokenStore: TokenLedger,
  sessions: SessionLedger,
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
