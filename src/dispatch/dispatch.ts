/**
 * The dispatcher: flagged PRs to agent sessions, highest score first, at most `max` per call and
 * `dispatch.concurrency` at once (across radar processes), each provider's budget checked before
 * each session, each fingerprint acted on once. It holds no scan lock: the caller computes
 * verdicts under the lock, releases it, then calls this (a PR already being worked on is
 * recognised by its `running` escalation, whoever started it).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { RadarConfig } from '../config/schema.js';
import { expandHome } from '../config/paths.js';
import type { StoredPr } from '../core/pr.js';
import { isDispatchable, type Signal, type Verdict } from '../core/verdict.js';
import type { Db } from '../ledger/open.js';
import { DispatchStore } from '../ledger/dispatch-store.js';
import { findOnPath } from '../process/which.js';
import { machineZone } from '../time/zone.js';
import { agentArgv, agentChain, agentEnv, usableAgents, type Skip } from './agents.js';
import type { AgentName } from '../core/agents.js';
import { queueActions } from './approvals.js';
import { liveHere, reapStale } from './liveness.js';
import { buildPrompt } from './prompt.js';
import { runSession } from './session.js';
import { recordSessionTokens } from './tokens.js';
import { prepareWorkdir, type Workdir } from './workdir.js';
import { byCodePoint } from '../render/order.js';

export interface Candidate {
  pr: StoredPr;
  verdict: Verdict;
}

/**
 * The budget state of an agent's providers now, asked before each session: `exhausted` sends
 * the PR down the chain.
 */
export type BudgetGate = (agent: AgentName) => 'ok' | 'exhausted' | Promise<'ok' | 'exhausted'>;

export interface DispatchOptions {
  candidates: readonly Candidate[];
  /** Sessions started at most by this call. */
  max: number;
  config: RadarConfig;
  db: Db;
  ledgerPath: string;
  budgetGate: BudgetGate;
  now: () => number;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Aborting stops every running session (SIGTERM, then SIGKILL, to each group). */
  signal?: AbortSignal;
  /** `radar escalate`: any tier, this agent first, a stopped PR only with force. */
  manual?: { agent?: AgentName; force?: boolean };
  /** Print-only rehearsal: nothing claimed, started or spent. */
  dryRun?: boolean;
  /** Progress, for a command to print. */
  onEvent?: (event: DispatchEvent) => void;
  /** Where an agent command is found (default: PATH of `env`). */
  installed?: (command: string) => boolean;
}

export type DispatchEvent =
  | { kind: 'started'; pr: string; escalationId: number; agent: AgentName; runLog: string }
  | { kind: 'fallback'; pr: string; agent: AgentName; reason: string }
  | { kind: 'finished'; result: DispatchResult };

export type Suppression =
  'budget' | 'busy' | 'acted' | 'concurrency' | 'max' | 'no-agent' | 'stopped' | 'not-flagged';

export interface DispatchResult {
  nodeId: string;
  pr: string;
  score: number;
  status: 'succeeded' | 'failed' | 'timed_out' | 'dry_run' | 'skipped';
  suppressed?: Suppression;
  escalationId?: number;
  agent?: AgentName;
  argv?: string[];
  tokens?: number | null;
  sessionId?: string | null;
  runLog?: string;
  workdir?: string;
  /** Kept for inspection (the session did not succeed). */
  workdirKept?: boolean;
  skipped?: Skip[];
  reason: string | null;
  /** A dry run's prompt. */
  prompt?: string;
}

export interface DispatchSummary {
  results: DispatchResult[];
  /** Approvals newly queued (comments, closes) for the human gate. */
  approvalsQueued: number[];
  /** Stale `running` rows of a killed radar marked failed (their run logs counted). */
  reaped: number;
}

const prRef = (pr: StoredPr) => `${pr.repo}#${pr.number}`;

/** Dispatchable signals not yet acted on, in the verdict's order. */
export function pendingSignals(verdict: Verdict): Signal[] {
  const pending = new Set(verdict.pending);
  return verdict.signals.filter((s) => pending.has(s.fingerprint) && isDispatchable(s.kind));
}

/** Which candidates get a session, best first (pure): flagged to an agent, highest score first. */
export function dispatchOrder(candidates: readonly Candidate[], manual: boolean): Candidate[] {
  return candidates
    .filter((c) => manual || (c.verdict.tier === 'escalate' && c.verdict.route !== 'template'))
    .slice()
    .sort(
      (a, b) =>
        b.verdict.score - a.verdict.score ||
        byCodePoint(a.pr.repo, b.pr.repo) ||
        a.pr.number - b.pr.number,
    );
}

/**
 * Marks the sessions of a killed radar failed, and counts the tokens their run logs hold (a
 * session that was killed still spent them).
 */
async function countReaped(
  options: DispatchOptions,
  store: DispatchStore,
  zone: string,
): Promise<number> {
  const reaped = reapStale(store, options.now());
  for (const r of reaped) {
    if (!r.runLog || !existsSync(r.runLog)) continue;
    try {
      const { tokens } = await recordSessionTokens({
        db: options.db,
        ledgerPath: options.ledgerPath,
        store,
        escalationId: r.id,
        pr: r,
        runLog: r.runLog,
        runKeys: [],
        zone,
        now: options.now,
        maxEventTokens: options.config.tokens.maxEventTokens,
      });
      store.setTokens(r.id, tokens);
    } catch (error) {
      // Usage stays unknown; `radar ingest` can still read the log.
      options.logger?.warn(
        { escalation: r.id, error: (error as Error).message },
        'run log not ingested',
      );
    }
  }
  return reaped.length;
}

/** An escalation that ended before any agent ran: failed, usage unknown. */
function failedBeforeRun(
  store: DispatchStore,
  id: number,
  at: number,
  runLog: string | null,
  reason: string,
): void {
  store.finish(id, {
    endedAt: at,
    exitCode: null,
    outcome: 'failed',
    sessionId: null,
    tokens: null,
    runLog,
    reason,
  });
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);
const slug = (repo: string) => repo.replace(/[^\w.-]+/g, '_');

export async function dispatchFlagged(options: DispatchOptions): Promise<DispatchSummary> {
  const { config, db, now } = options;
  const store = new DispatchStore(db);
  const zone = config.timezone ?? machineZone();
  const reaped = await countReaped(options, store, zone);
  const ledgerDir = dirname(options.ledgerPath);
  const installed = options.installed ?? ((command: string) => !!findOnPath(command, options.env));
  const manual = options.manual !== undefined;

  // The human gate first: these never start an agent.
  const approvalsQueued: number[] = [];
  if (!options.dryRun)
    for (const c of options.candidates)
      approvalsQueued.push(...queueActions(store, c.pr, c.verdict, now()));

  const queue = dispatchOrder(options.candidates, manual);
  const results: DispatchResult[] = [];
  let started = 0;
  const emit = (result: DispatchResult) => {
    results.push(result);
    options.onEvent?.({ kind: 'finished', result });
    return result;
  };

  const one = async (c: Candidate): Promise<void> => {
    const { pr, verdict } = c;
    const base = { nodeId: pr.nodeId, pr: prRef(pr), score: verdict.score };
    const skip = (suppressed: Suppression, reason: string, skipped?: Skip[]) => {
      // A dispatch the user asked for by hand and radar refused is on record too.
      const refusal =
        manual && !options.dryRun && suppressed !== 'max'
          ? store.recordUnclaimed({
              nodeId: pr.nodeId,
              repo: pr.repo,
              number: pr.number,
              headSha: pr.headSha,
              agent: options.manual?.agent ?? (verdict.route === 'claude' ? 'claude' : 'codex'),
              argv: [],
              now: now(),
              fingerprints: verdict.pending,
              outcome: 'refused',
              reason,
            })
          : undefined;
      return emit({
        ...base,
        status: 'skipped',
        suppressed,
        reason,
        skipped,
        escalationId: refusal,
      });
    };
    if (verdict.tier === 'stopped' && !options.manual?.force)
      return void skip('stopped', 'the PR is stopped (stop-loss or radar stop); --force overrides');
    let signals = pendingSignals(verdict);
    if (signals.length === 0 && !manual)
      return void skip('acted', 'every signal was acted on already');
    if (signals.length === 0) signals = verdict.signals.filter((s) => isDispatchable(s.kind));
    const fingerprints = new Map(signals.map((s) => [s.fingerprint, s.kind as string]));
    if (manual) fingerprints.set(`manual:${now()}`, 'manual');
    const chain = agentChain(verdict.route, config.rules.fallback, options.manual?.agent);
    const budgets = new Map<AgentName, 'ok' | 'exhausted'>();
    for (const a of chain) budgets.set(a, await options.budgetGate(a));
    // From here to the claim nothing awaits, so `max` and the claim cannot race.
    const choice = usableAgents(chain, {
      installed: (a) => installed(config.agents[a].command),
      budget: (a) => budgets.get(a) ?? 'ok',
    });
    if (choice.candidates.length === 0) {
      const budget = choice.skipped.some((s) => s.why === 'budget');
      if (budget && !options.dryRun) store.suppress(pr.nodeId, fingerprints, 'budget', now());
      return void skip(
        budget ? 'budget' : 'no-agent',
        budget
          ? `budget exhausted for ${choice.skipped.map((s) => s.agent).join(', ')}`
          : `no agent installed (${chain.map((a) => config.agents[a].command).join(', ')})`,
        choice.skipped,
      );
    }
    const first = choice.candidates[0]!;
    const clone = config.repos[pr.repo]?.clone;
    const maxTurns = config.dispatch.maxTurns;
    if (options.dryRun) {
      const workdir = '<worktree>';
      const argv = agentArgv(config.agents[first], { workdir, maxTurns });
      const prompt = buildPrompt({
        pr,
        signals,
        templates: config.dispatch.templates,
        hasCheckout: !!clone,
      });
      const id = store.recordUnclaimed({
        nodeId: pr.nodeId,
        repo: pr.repo,
        number: pr.number,
        headSha: pr.headSha,
        agent: first,
        argv: [config.agents[first].command, ...argv],
        now: now(),
        fingerprints: [...fingerprints.keys()],
        outcome: 'dry_run',
        reason: 'dry run: nothing started',
      });
      return void emit({
        ...base,
        status: 'dry_run',
        escalationId: id,
        agent: first,
        argv: [config.agents[first].command, ...argv],
        skipped: choice.skipped,
        reason: null,
        prompt,
      });
    }
    if (started >= options.max) return void skip('max', `at most ${options.max} sessions per run`);
    const claim = store.claim({
      nodeId: pr.nodeId,
      repo: pr.repo,
      number: pr.number,
      headSha: pr.headSha,
      fingerprints,
      agent: first,
      argv: [],
      now: now(),
      concurrency: config.dispatch.concurrency,
      radarPid: process.pid,
      reason: manual ? 'radar escalate' : 'radar scan --dispatch',
      live: liveHere(),
    });
    if (claim.kind === 'acted') return void skip('acted', 'every signal was acted on already');
    if (claim.kind === 'busy')
      return void skip('busy', `escalation ${claim.escalationId} is working on it`);
    if (claim.kind === 'full')
      return void skip('concurrency', `${claim.running} sessions running (dispatch.concurrency)`);
    started++;
    const id = claim.escalationId;
    const claimed = new Set(claim.fingerprints);
    const acted = signals.filter((s) => claimed.has(s.fingerprint));
    await runClaimed(
      c,
      id,
      acted.length ? acted : signals,
      choice.candidates,
      choice.skipped,
      clone ? expandHome(clone, options.env, process.cwd()) : undefined,
      base,
    );
  };

  const runClaimed = async (
    c: Candidate,
    id: number,
    signals: Signal[],
    agents: AgentName[],
    skipped: Skip[],
    clone: string | undefined,
    base: Pick<DispatchResult, 'nodeId' | 'pr' | 'score'>,
  ): Promise<void> => {
    const { pr } = c;
    const startedAt = now();
    const runLog = join(
      ledgerDir,
      'runs',
      `${stamp(startedAt)}-${slug(pr.repo)}-${pr.number}-e${id}.log`,
    );
    let workdir: Workdir;
    try {
      workdir = await prepareWorkdir({
        root: config.dispatch.workdirs
          ? expandHome(config.dispatch.workdirs, options.env, process.cwd())
          : join(ledgerDir, 'worktrees'),
        repo: pr.repo,
        number: pr.number,
        headSha: pr.headSha,
        tag: `e${id}`,
        clone,
        env: options.env,
      });
    } catch (error) {
      const reason = `workdir: ${(error as Error).message}`;
      failedBeforeRun(store, id, now(), null, reason);
      return void emit({ ...base, status: 'failed', escalationId: id, reason, tokens: null });
    }
    const prompt = buildPrompt({
      pr,
      signals,
      templates: config.dispatch.templates,
      hasCheckout: workdir.kind === 'worktree',
    });
    const reasons: string[] = [];
    for (const agent of agents) {
      const agentConfig = config.agents[agent];
      const argv = agentArgv(agentConfig, {
        workdir: workdir.path,
        maxTurns: config.dispatch.maxTurns,
      });
      store.started(id, agent, [agentConfig.command, ...argv], null, runLog);
      options.onEvent?.({ kind: 'started', pr: base.pr, escalationId: id, agent, runLog });
      options.logger?.info({ pr: base.pr, escalation: id, agent }, 'agent session starting');
      const session = await runSession({
        command: agentConfig.command,
        argv,
        cwd: workdir.path,
        env: {
          ...agentEnv(options.env, agentConfig, config.dispatch.secretEnv),
          RADAR_PR: base.pr,
          RADAR_ESCALATION_ID: String(id),
        },
        prompt,
        runLog,
        header: `# radar ${new Date(startedAt).toISOString()} escalation ${id} for ${base.pr}: ${agent}`,
        timeoutMs: config.dispatch.timeoutMs,
        idleTimeoutMs: config.dispatch.idleTimeoutMs,
        killGraceMs: config.dispatch.killGraceMs,
        runLogMaxBytes: config.dispatch.runLogMaxBytes,
        zone,
        signal: options.signal,
        onSpawn: (pid) => store.started(id, agent, [agentConfig.command, ...argv], pid, runLog),
      });
      if (session.kind === 'spawn-failed') {
        reasons.push(session.reason);
        skipped.push({ agent, why: 'failed-to-start' });
        options.onEvent?.({ kind: 'fallback', pr: base.pr, agent, reason: session.reason });
        continue;
      }
      const keys = [...session.runKeys];
      if (session.sessionId) keys.push(`${agent}:${session.sessionId}`);
      let tokens: number | null;
      let reason = session.reason;
      try {
        ({ tokens } = await recordSessionTokens({
          db,
          ledgerPath: options.ledgerPath,
          store,
          escalationId: id,
          pr,
          runLog,
          runKeys: keys,
          results: session.results,
          zone,
          now,
          maxEventTokens: config.tokens.maxEventTokens,
        }));
      } catch (error) {
        // One session's accounting must not stop the others: the live count is kept, and the
        // run log stays for `radar ingest`.
        tokens = session.liveTokens;
        const note = `tokens from the live parse only (the run log was not ingested: ${(error as Error).message})`;
        reason = reason ? `${reason}; ${note}` : note;
        options.logger?.warn({ pr: base.pr, escalation: id }, note);
      }
      store.finish(id, {
        endedAt: now(),
        exitCode: session.exitCode,
        outcome: session.outcome,
        sessionId: session.sessionId,
        tokens,
        runLog,
        reason,
      });
      const keep = session.outcome !== 'succeeded';
      if (!keep) await workdir.remove();
      return void emit({
        ...base,
        status: session.outcome,
        escalationId: id,
        agent,
        argv: [agentConfig.command, ...argv],
        tokens,
        sessionId: session.sessionId,
        runLog,
        workdir: workdir.path,
        workdirKept: keep,
        skipped,
        reason,
      });
    }
    const reason = `no agent could start: ${reasons.join('; ')}`;
    failedBeforeRun(store, id, now(), runLog, reason);
    await workdir.remove();
    emit({ ...base, status: 'failed', escalationId: id, tokens: null, runLog, skipped, reason });
  };

  // A pool of `concurrency` workers over the queue, best first.
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await one(queue[next++]!);
  };
  const width = Math.max(1, Math.min(config.dispatch.concurrency, queue.length));
  await Promise.all(Array.from({ length: width }, worker));
  return { results, approvalsQueued, reaped };
}
