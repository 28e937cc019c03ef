/**
 * The dispatch executor: performs what the planner (plan.ts) decides. It reaps sessions a killed
 * radar left, queues the human-gate actions, then runs a pool of `width` workers over the
 * planner's queue; before each session it asks the planner again with the facts of that moment
 * (the budget read once by the caller plus what this call spent, the sessions started), claims
 * the PR's fingerprints in the ledger (at most `dispatch.concurrency` sessions across radar
 * processes, each fingerprint once), prepares the worktree, runs the agents down the chain and
 * records the session's tokens. It holds no scan lock: the caller computes verdicts under the
 * lock, releases it, then calls this (a PR already being worked on is recognised by its
 * `running` escalation, whoever started it).
 */
import type { Machine } from '../core/machine.js';
import { machineIdentity } from '../config/machine.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { RadarConfig } from '../config/schema.js';
import { accountFolders, expandHome } from '../config/paths.js';
import type { StoredPr } from '../core/pr.js';
import type { Signal } from '../core/verdict.js';
import type { BudgetState } from '../core/budget.js';
import type { DispatchLedger, Ledger } from '../ledger/ports.js';
import { findOnPath } from '../process/which.js';
import { machineZone } from '../time/zone.js';
import { accountEnv, agentArgv, agentEnv, type Skip } from './agents.js';
import { AGENT_NAMES, type AgentName } from '../core/agents.js';
import { queueActions } from './approvals.js';
import type { SessionWork } from '../core/actions.js';
import type { AccountFolder } from '../core/dispatch.js';
import {
  accountBudgets,
  budgetAfterSpend,
  reservationFor,
  type SessionReservation,
} from './budget-gate.js';
import { liveHere } from './liveness.js';
import { holdLease } from './lease.js';
import {
  budgetAllows,
  pickAccount,
  budgetRefusal,
  claimedSignals,
  claimRefused,
  decide,
  planDispatch,
  type Candidate,
  type Decision,
  type Facts,
  type Manual,
  type Policy,
  type Suppression,
} from './plan.js';
import { buildPrompt } from './prompt.js';
import { reapOrphans, sessionTag } from './reap.js';
import { finalOutcome, runSession } from './session.js';
import { recordSessionTokens } from './tokens.js';
import { prepareWorkdir, type Workdir } from './workdir.js';
import { settle } from './reservation.js';
import { burnCandidates, pacePlan, paceSettings, type PacePlan } from './pace-policy.js';
import { checkpointsOf } from '../budget/state.js';
import { inspectWork } from './inspect.js';
import { MAX_PATHS, planResults, type PlannedAction, type ResultPolicy } from './results.js';
import { bodyHash, performApproval } from './approvals.js';
import { pusher } from './push.js';

export type { Candidate, Suppression } from './plan.js';

/** The machine the sessions run on, from the options' environment and config (created once). */
const machines = new WeakMap<object, Machine>();
function machineOf(options: Pick<DispatchOptions, 'env' | 'config'>): Machine {
  let machine = machines.get(options);
  if (!machine)
    machines.set(options, (machine = machineIdentity(options.env, options.config.machine.name)));
  return machine;
}

export interface DispatchOptions {
  candidates: readonly Candidate[];
  /** Sessions started at most by this call (default: what the agents' pace allows). */
  max?: number;
  config: RadarConfig;
  ledger: Ledger;
  ledgerPath: string;
  /**
   * The providers' budget states, read once by the caller (the scan that judged the candidates,
   * or `radar escalate`); each session is checked against them plus what this call has spent.
   */
  budget: readonly BudgetState[];
  now: () => number;
  env: NodeJS.ProcessEnv;
  /** The folder relative paths in the config start from (the command's working folder). */
  cwd: string;
  logger?: Logger;
  /** Aborting stops every running session (SIGTERM, then SIGKILL, to each group). */
  signal?: AbortSignal;
  /** `radar escalate`: any tier, this agent first, a stopped PR only with force. */
  manual?: Manual;
  /** The wall clock leases are measured on (default Date.now; never the pinned RADAR_NOW). */
  leaseClock?: () => number;
  /** Print-only rehearsal: nothing claimed, started or spent. */
  dryRun?: boolean;
  /** Progress, for a command to print. */
  onEvent?: (event: DispatchEvent) => void;
  /** Where an agent command is found (default: PATH of `env`). */
  installed?: (command: string) => boolean;
  /**
   * A PR's description as it is now, read when a session drafts a new one (the approval shows
   * the diff, and is refused if the description changes before it is approved). Absent: the
   * draft is queued without it.
   */
  readBody?: (repo: string, number: number) => Promise<string>;
  /**
   * Agents held back for a run on a model outside their allowlist, with the reason, read by the
   * caller (budget/holds.ts): none of their sessions starts until `radar resume --model`.
   */
  modelHolds?: ReadonlyMap<AgentName, string>;
  /** Sessions the caller reaped before judging the candidates (reapSessions), for the summary. */
  reaped?: number;
}

export type DispatchEvent =
  /** The pace policy, before any session starts. */
  | { kind: 'planned'; pace: PacePlan }
  | { kind: 'started'; pr: string; escalationId: number; agent: AgentName; runLog: string }
  | { kind: 'fallback'; pr: string; agent: AgentName; reason: string }
  | { kind: 'finished'; result: DispatchResult };

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
  /** What the session left behind (commits, diffstat, final message, guards). */
  work?: SessionWork;
}

export interface DispatchSummary {
  results: DispatchResult[];
  /** Approvals newly queued (comments, closes, sessions' pushes, replies, descriptions). */
  approvalsQueued: number[];
  /** Stale `running` rows of a killed radar marked failed (their run logs counted). */
  reaped: number;
  /** The pace policy this call followed (a dispatch by hand is not capped by it). */
  pace: PacePlan;
  /** Agents held back for a run on a model outside their allowlist, and why. */
  modelHolds: { agent: AgentName; reason: string }[];
}

const prRef = (pr: StoredPr) => `${pr.repo}#${pr.number}`;

/**
 * Stops what the sessions of a killed radar left running, marks them failed, and counts the
 * tokens their run logs hold (a session that was killed still spent them).
 */
type ReapOptions = Pick<
  DispatchOptions,
  'ledger' | 'ledgerPath' | 'config' | 'now' | 'env' | 'cwd' | 'logger' | 'leaseClock'
>;

async function countReaped(
  options: ReapOptions,
  store: DispatchLedger,
  zone: string,
): Promise<number> {
  const reaped = await reapOrphans({
    store,
    ledgerPath: options.ledgerPath,
    graceMs: options.config.dispatch.killGraceMs,
    now: options.now,
    machine: machineOf(options).id,
    clock: options.leaseClock,
  });
  for (const r of reaped) {
    if (!r.runLog || !existsSync(r.runLog)) continue;
    try {
      const { tokens } = await recordSessionTokens({
        ledger: options.ledger,
        ledgerPath: options.ledgerPath,
        machine: machineOf(options),
        escalationId: r.id,
        pr: r,
        runLog: r.runLog,
        cwd: options.cwd,
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

/**
 * Reaps before a scan judges the queue (`radar scan --dispatch`): a session whose machine's
 * lease expired frees the signals it claimed, so the judgement that follows sees them pending
 * and its PR is dispatched in this run, not one scan later. Returns the sessions closed.
 */
export function reapSessions(options: ReapOptions): Promise<number> {
  return countReaped(options, options.ledger.dispatch, options.config.timezone ?? machineZone());
}

/** An escalation that ended before any agent ran: failed, usage unknown. */
function failedBeforeRun(
  store: DispatchLedger,
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

/** Past sessions read for a session's expected cost. */
const HISTORY = 50;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15);
const slug = (repo: string) => repo.replace(/[^\w.-]+/g, '_');

/** One dispatch call at work: what it has started, spent and reported. */
class Execution {
  /** What the sessions of this call spent, against the budget read once before it. */
  /** Keyed by account (provider name). */
  readonly spent = new Map<string, number>();
  started = 0;
  readonly startedBy = new Map<AgentName, number>();
  readonly pace: PacePlan;
  readonly results: DispatchResult[] = [];
  /** Approvals the sessions of this call queued. */
  readonly queued: number[] = [];
  private readonly store: DispatchLedger;
  private readonly zone: string;
  private readonly ledgerDir: string;
  private readonly installed: ReadonlySet<AgentName>;
  /** The accounts' own folders: a reservation counts their events for them. */
  private readonly folders: readonly AccountFolder[];
  readonly policy: Policy;

  constructor(private readonly options: DispatchOptions) {
    const { config } = options;
    this.store = options.ledger.dispatch;
    this.zone = config.timezone ?? machineZone();
    this.ledgerDir = dirname(options.ledgerPath);
    const lookup = options.installed ?? ((command: string) => !!findOnPath(command, options.env));
    this.installed = new Set(AGENT_NAMES.filter((a) => lookup(config.agents[a].command)));
    this.folders = accountFolders(config.budget.providers, options.env, options.cwd);
    this.pace = pacePlan(
      options.budget,
      checkpointsOf(config),
      paceSettings(config.dispatch),
      options.max,
    );
    this.policy = {
      max: this.pace.max,
      concurrency: options.manual ? config.dispatch.concurrency : this.pace.concurrency,
      fallback: config.rules.fallback,
      commands: { codex: config.agents.codex.command, claude: config.agents.claude.command },
      manual: options.manual,
      dryRun: options.dryRun === true,
      allowUnknown: config.budget.allowUnknown,
      pace: this.pace.agents,
    };
  }

  /** The candidates: the scan's, and under pace the watch-tier PRs it makes eligible. */
  candidates(): Candidate[] {
    const { options } = this;
    if (options.manual) return [...options.candidates];
    return [
      ...options.candidates,
      ...burnCandidates(options.candidates, options.config.rules, this.pace.watch),
    ];
  }

  /** The facts a decision is taken on now. */
  facts(): Facts {
    const { options } = this;
    return {
      budget: budgetAfterSpend(options.budget, options.config.budget.providers, this.spent),
      accounts: accountBudgets(options.budget, options.config.budget.providers, this.spent),
      installed: this.installed,
      held: options.modelHolds,
      started: this.started,
      startedBy: this.startedBy,
      now: options.now(),
    };
  }

  /** The reservation a session of `agent` acting on `signals` asks for (none: no quota). */
  reservation(
    agent: AgentName,
    account: string | undefined,
    signals: readonly Signal[],
  ): SessionReservation | undefined {
    const { options, store } = this;
    return reservationFor({
      agent,
      account,
      kind: signals[0]?.kind ?? 'manual',
      states: options.budget,
      budget: options.config.budget,
      history: (a, kind) => store.sessionTokens(a, kind, HISTORY),
      now: options.now(),
      folders: this.folders,
    });
  }

  /**
   * The escalation falls back to `agent` (the one before could not start): the agent's budget
   * and its reservation are checked again, in one ledger transaction with the move. Why not,
   * or undefined when it may run.
   */
  private fallBackTo(
    id: number,
    agent: AgentName,
    signals: readonly Signal[],
  ): { refused: string } | { account: string | undefined } {
    const facts = this.facts();
    const accounts = facts.accounts?.get(agent);
    const account = pickAccount(accounts, this.policy.allowUnknown);
    const allowed = accounts?.length
      ? account !== undefined
      : budgetAllows(facts.budget.get(agent), this.policy.allowUnknown);
    if (!allowed) return { refused: `${agent}: ${budgetRefusal([agent], facts.budget)}` };
    const reservation = this.reservation(agent, account, signals);
    const again = this.store.reserveAgain(id, agent, reservation?.claim);
    if (again.kind === 'reserved') return { account };
    return {
      refused: `${agent}: a session reserves ${again.tokens} tokens; ${reservation!.left(again.committed)} left this week`,
    };
  }

  reap(): Promise<number> {
    return countReaped(this.options, this.store, this.zone);
  }

  /** The human gate: actions queued for `radar approve`, never an agent. */
  queueApprovals(): number[] {
    const { options, store } = this;
    if (options.dryRun) return [];
    return options.candidates.flatMap((c) => queueActions(store, c.pr, c.verdict, options.now()));
  }

  private emit(result: DispatchResult): DispatchResult {
    this.results.push(result);
    this.options.onEvent?.({ kind: 'finished', result });
    return result;
  }

  /** Performs one decision; a session's own course (fallback, tokens) is in runClaimed. */
  async perform(c: Candidate, decision: Decision): Promise<void> {
    const { options, store } = this;
    const { config, now } = options;
    const { pr, verdict } = c;
    const base = { nodeId: pr.nodeId, pr: prRef(pr), score: verdict.score };
    if (decision.kind === 'skip') {
      if (decision.holdBack) store.suppress(pr.nodeId, decision.holdBack, 'budget', now());
      const refusal =
        decision.refusal &&
        store.recordUnclaimed({
          nodeId: pr.nodeId,
          repo: pr.repo,
          number: pr.number,
          headSha: pr.headSha,
          agent: decision.refusal.agent,
          argv: [],
          now: now(),
          fingerprints: decision.refusal.fingerprints,
          outcome: 'refused',
          reason: decision.reason,
        });
      return void this.emit({
        ...base,
        status: 'skipped',
        suppressed: decision.suppressed,
        reason: decision.reason,
        skipped: decision.skipped,
        escalationId: refusal,
      });
    }
    const first = decision.agents[0]!;
    const clone = config.repos[pr.repo]?.clone;
    if (decision.kind === 'rehearse') {
      const argv = [
        config.agents[first].command,
        ...agentArgv(config.agents[first], {
          workdir: '<worktree>',
          maxTurns: config.dispatch.maxTurns,
        }),
      ];
      const prompt = buildPrompt({
        pr,
        signals: decision.signals,
        templates: config.dispatch.templates,
        hasCheckout: !!clone,
      });
      const id = store.recordUnclaimed({
        nodeId: pr.nodeId,
        repo: pr.repo,
        number: pr.number,
        headSha: pr.headSha,
        agent: first,
        argv,
        now: now(),
        fingerprints: [...decision.fingerprints.keys()],
        outcome: 'dry_run',
        reason: 'dry run: nothing started',
      });
      return void this.emit({
        ...base,
        status: 'dry_run',
        escalationId: id,
        agent: first,
        argv,
        skipped: decision.skipped,
        reason: null,
        prompt,
      });
    }
    // From the decision to the claim nothing awaits, so `max` and the claim cannot race. Each
    // agent of the chain in turn: the first whose reservation fits in its week is claimed for.
    const skipped = [...decision.skipped];
    let refused: Extract<Parameters<typeof claimRefused>[2], { kind: 'budget' }> | undefined;
    for (const [i, agent] of decision.agents.entries()) {
      const account = decision.accounts[agent];
      const reservation = this.reservation(agent, account, decision.signals);
      // The sessions this machine claims carry its id and a lease it renews while they run;
      // sessions of other machines are judged by their leases.
      const machine = machineOf(options).id;
      const clock = options.leaseClock ?? Date.now;
      const claim = store.claim({
        nodeId: pr.nodeId,
        repo: pr.repo,
        number: pr.number,
        headSha: pr.headSha,
        fingerprints: decision.fingerprints,
        agent,
        argv: [],
        now: now(),
        concurrency: this.policy.concurrency,
        radarPid: process.pid,
        machine,
        leaseUntil: clock() + config.dispatch.leaseMs,
        reason: decision.reason,
        live: liveHere(machine, process.pid, undefined, clock),
        reservation: reservation?.claim,
      });
      if (claim.kind === 'budget') {
        refused ??= {
          kind: 'budget',
          agent,
          tokens: claim.tokens,
          left: reservation!.left(claim.committed),
        };
        skipped.push({ agent, why: 'budget' });
        continue;
      }
      if (claim.kind !== 'claimed') return this.perform(c, claimRefused(c, this.policy, claim));
      this.started++;
      this.startedBy.set(agent, (this.startedBy.get(agent) ?? 0) + 1);
      // Renewed until the session ends; another machine takes it for dead once it expires.
      const release = holdLease(store, claim.escalationId, config.dispatch.leaseMs, clock);
      try {
        return await this.runClaimed(
          c,
          claim.escalationId,
          claimedSignals(decision.signals, claim.fingerprints),
          decision.agents.slice(i),
          account,
          skipped,
          clone ? expandHome(clone, options.env, options.cwd) : undefined,
          base,
        );
      } finally {
        release();
      }
    }
    return this.perform(c, claimRefused(c, this.policy, refused!));
  }

  /**
   * What the session left behind, recorded on its escalation with the guards that applied, and
   * the actions it queues behind the human gate (a push performed at once with
   * dispatch.autoApply). A failure to inspect is logged: the session and its tokens stand.
   */
  private async settleWork(
    c: Candidate,
    id: number,
    signals: readonly Signal[],
    outcome: 'succeeded' | 'failed' | 'timed_out',
    workdir: Workdir,
    clone: string | undefined,
    runLog: string,
  ): Promise<SessionWork | undefined> {
    const { options, store } = this;
    const { config, now } = options;
    const { pr } = c;
    let found: Omit<SessionWork, 'guards'>;
    try {
      found = await inspectWork({
        clone: workdir.kind === 'worktree' ? clone : undefined,
        branch: workdir.branch,
        baseSha: workdir.startSha ?? pr.headSha,
        runLog,
        env: options.env,
      });
    } catch (error) {
      options.logger?.warn(
        { escalation: id, error: (error as Error).message },
        'session work not inspected',
      );
      return undefined;
    }
    const plan = planResults(
      { pr, signals: signals.map((s) => s.kind), succeeded: outcome === 'succeeded', work: found },
      resultPolicy(config),
    );
    const work: SessionWork = {
      ...found,
      paths: found.paths.slice(0, MAX_PATHS),
      guards: plan.guards,
    };
    store.recordWork(id, work);
    const fingerprint = signals[0]?.fingerprint ?? null;
    for (const action of plan.actions) {
      const before =
        action.kind === 'edit_body' && options.readBody
          ? await options.readBody(pr.repo, pr.number).catch(() => null)
          : null;
      const approvalId = store.queueApproval({
        nodeId: pr.nodeId,
        repo: pr.repo,
        number: pr.number,
        action: action.kind,
        body: action.kind === 'push' ? null : action.body,
        bodyHash: action.kind === 'push' ? `push:${action.to}` : bodyHash(action.body),
        reason: action.summary,
        fingerprint,
        escalationId: id,
        payload: payloadOf(action, work, before),
        now: now(),
      });
      if (approvalId === undefined) continue;
      this.queued.push(approvalId);
      if (action.kind === 'push' && action.auto) {
        const approval = store.approval(approvalId)!;
        const done = await performApproval(approval, {
          store,
          now,
          push: pusher(config, options.env, options.cwd),
        });
        options.logger?.info(
          { escalation: id, approval: approvalId, status: done.status },
          `dispatch.autoApply: ${done.message}`,
        );
      }
    }
    return work;
  }

  private async runClaimed(
    c: Candidate,
    id: number,
    signals: Signal[],
    agents: AgentName[],
    firstAccount: string | undefined,
    skipped: Skip[],
    clone: string | undefined,
    base: Pick<DispatchResult, 'nodeId' | 'pr' | 'score'>,
  ): Promise<void> {
    const { options, store, zone, ledgerDir } = this;
    const { config, ledger, now } = options;
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
          ? expandHome(config.dispatch.workdirs, options.env, options.cwd)
          : join(ledgerDir, 'worktrees'),
        repo: pr.repo,
        number: pr.number,
        headSha: pr.headSha,
        tag: `e${id}`,
        clone,
        remote: config.repos[pr.repo]?.remote,
        env: options.env,
      });
    } catch (error) {
      const reason = `workdir: ${(error as Error).message}`;
      failedBeforeRun(store, id, now(), null, reason);
      return void this.emit({ ...base, status: 'failed', escalationId: id, reason, tokens: null });
    }
    const prompt = buildPrompt({
      pr,
      signals,
      templates: config.dispatch.templates,
      hasCheckout: workdir.kind === 'worktree',
    });
    const reasons: string[] = [];
    for (const [i, agent] of agents.entries()) {
      // The claim reserved for the first agent; a fallback is checked again before it runs.
      const fallback = i > 0 ? this.fallBackTo(id, agent, signals) : { account: firstAccount };
      if ('refused' in fallback) {
        reasons.push(fallback.refused);
        skipped.push({ agent, why: 'budget' });
        options.onEvent?.({ kind: 'fallback', pr: base.pr, agent, reason: fallback.refused });
        continue;
      }
      const { account } = fallback;
      const accountVars = accountEnv(
        config.budget.providers.find((p) => p.agent === agent && p.name === account)?.env ?? {},
        options.env.HOME ?? homedir(),
      );
      store.account(id, account ?? null);
      const reserved = store.reservedFor(id);
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
          ...accountVars,
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
        tag: sessionTag(options.ledgerPath, id),
        signal: options.signal,
        onSpawn: (pid) => store.started(id, agent, [agentConfig.command, ...argv], pid, runLog),
        // Past its reservation, the session's tokens so far count for its week instead.
        onTokens: (soFar) => {
          if (reserved !== null && soFar > reserved) store.liveTokens(id, soFar);
        },
      });
      if (session.kind === 'spawn-failed') {
        reasons.push(session.reason);
        skipped.push({ agent, why: 'failed-to-start' });
        options.onEvent?.({ kind: 'fallback', pr: base.pr, agent, reason: session.reason });
        continue;
      }
      let tokens: number | null = null;
      let sessionId: string | null = null;
      let { outcome, reason } = session;
      try {
        const recorded = await recordSessionTokens({
          ledger,
          ledgerPath: options.ledgerPath,
          machine: machineOf(options),
          escalationId: id,
          pr,
          runLog,
          cwd: options.cwd,
          agent,
          zone,
          now,
          maxEventTokens: config.tokens.maxEventTokens,
        });
        ({ tokens, sessionId } = recorded);
        ({ outcome, reason } = finalOutcome(session, recorded.reportedError));
      } catch (error) {
        // One session's accounting must not stop the others: its usage stays unknown (its
        // reservation is the estimate), and the run log stays for `radar ingest`.
        const note = `usage unknown: the run log was not ingested (${(error as Error).message})`;
        reason = reason ? `${reason}; ${note}` : note;
        options.logger?.warn({ pr: base.pr, escalation: id }, note);
      }
      // No usage reported: the reservation stays, as the week's estimate of this session.
      const settled = settle(store.reservedFor(id), tokens);
      if (settled.estimated) {
        const note = `no usage reported: its reservation of ${settled.tokens} tokens stays, an estimate`;
        reason = reason ? `${reason}; ${note}` : note;
      }
      const spentBy = account ?? agent;
      if (settled.tokens) this.spent.set(spentBy, (this.spent.get(spentBy) ?? 0) + settled.tokens);
      store.finish(id, {
        endedAt: now(),
        exitCode: session.exitCode,
        outcome,
        sessionId,
        tokens,
        runLog,
        reason,
        estimated: settled.estimated,
      });
      const work = await this.settleWork(c, id, signals, outcome, workdir, clone, runLog);
      const keep = outcome !== 'succeeded';
      if (!keep) await workdir.remove();
      return void this.emit({
        ...base,
        status: outcome,
        escalationId: id,
        agent,
        argv: [agentConfig.command, ...argv],
        tokens,
        sessionId,
        runLog,
        workdir: workdir.path,
        workdirKept: keep,
        skipped,
        reason,
        work,
      });
    }
    const reason = `no agent could start: ${reasons.join('; ')}`;
    failedBeforeRun(store, id, now(), runLog, reason);
    await workdir.remove();
    this.emit({
      ...base,
      status: 'failed',
      escalationId: id,
      tokens: null,
      runLog,
      skipped,
      reason,
    });
  }
}

/** What the user allows a session's result to become. */
export const resultPolicy = (config: RadarConfig): ResultPolicy => ({
  authors: config.watch.authors,
  pushOthersPrs: config.dispatch.pushOthersPrs,
  maxPatch: config.dispatch.maxPatch,
  guardedPaths: config.dispatch.guardedPaths,
  allowWorkflowChanges: config.dispatch.allowWorkflowChanges,
  autoApply: config.dispatch.autoApply,
});

/** What an approval keeps besides its body: where a push goes, the description an edit replaces. */
function payloadOf(
  action: PlannedAction,
  work: SessionWork,
  before: string | null,
): Record<string, unknown> | null {
  if (action.kind === 'push')
    return {
      headRepo: action.headRepo,
      branch: action.branch,
      from: action.from,
      to: action.to,
      sessionBranch: work.branch,
      commits: work.commits,
      files: work.files,
      additions: work.additions,
      deletions: work.deletions,
    };
  if (action.kind === 'edit_body') return { before };
  return null;
}

export async function dispatchFlagged(options: DispatchOptions): Promise<DispatchSummary> {
  const run = new Execution(options);
  const reaped = (options.reaped ?? 0) + (await run.reap());
  const approvalsQueued = run.queueApprovals();
  const plan = planDispatch(run.candidates(), run.policy, run.facts());
  options.onEvent?.({ kind: 'planned', pace: run.pace });
  // A pool of `width` workers over the queue, best first. A rehearsal changes nothing, so its
  // plan is final; a real run decides each PR again on the facts of its turn (tokens spent,
  // sessions started).
  let next = 0;
  const worker = async () => {
    while (next < plan.steps.length) {
      const step = plan.steps[next++]!;
      await run.perform(
        step.candidate,
        options.dryRun ? step.decision : decide(step.candidate, run.policy, run.facts()),
      );
    }
  };
  await Promise.all(Array.from({ length: plan.width }, worker));
  return {
    results: run.results,
    approvalsQueued: [...approvalsQueued, ...run.queued],
    reaped,
    pace: run.pace,
    modelHolds: [...(options.modelHolds ?? [])].map(([agent, reason]) => ({ agent, reason })),
  };
}
