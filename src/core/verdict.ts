import type { AgentName } from './agents.js';
import type { FieldChange } from './pr.js';
import type { SessionWork } from './actions.js';

/** What the rules conclude about a PR, and the records of what radar did about it. */

/** Signals that can justify spending tokens (each acted on at most once, by fingerprint). */
export const DISPATCHABLE_KINDS = [
  'ci_failing',
  'changes_requested',
  'conflict',
  'maintainer_comment',
  'stale_body',
] as const;
/** Context: changes the score or the recommendation, never escalates on its own. */
export const CONTEXT_KINDS = ['closed_scope', 'ci_pending', 'approved', 'behind'] as const;

export type DispatchableKind = (typeof DISPATCHABLE_KINDS)[number];
export type SignalKind = DispatchableKind | (typeof CONTEXT_KINDS)[number];
export const SIGNAL_KINDS: readonly SignalKind[] = [...DISPATCHABLE_KINDS, ...CONTEXT_KINDS];

export const isDispatchable = (kind: SignalKind): kind is DispatchableKind =>
  (DISPATCHABLE_KINDS as readonly string[]).includes(kind);

export interface Signal {
  kind: SignalKind;
  /** Stable while the evidence is the same: `kind:` and a short hash of the evidence. */
  fingerprint: string;
  /** One line a human reads ("failing: build, lint on 1a2b3c4"). */
  detail: string;
  /** The evidence itself, for `radar explain` and for prompts. */
  evidence: Record<string, unknown>;
}

export type Tier = 'escalate' | 'watch' | 'zombie' | 'stopped' | 'closed';
export const TIERS: readonly Tier[] = ['escalate', 'watch', 'zombie', 'stopped', 'closed'];

/** Who should do the work: an agent, a templated comment, or nobody. */
export type Route = AgentName | 'template' | 'none';

/** Why a candidate signal was not acted on. */
export type SuppressionReason =
  | 'zombie'
  | 'stopped'
  | 'closed_scope'
  | 'budget'
  | 'permission'
  | 'low_signal_repo'
  | 'below_threshold'
  | 'closed';

export type Recommendation = 'close' | 'close_or_keep_as_review_work';

export interface Verdict {
  tier: Tier;
  score: number;
  route: Route;
  /** Every signal seen now, acted on or not. */
  signals: Signal[];
  /** Fingerprints of `signals` that radar has not acted on yet and could dispatch. */
  pending: string[];
  /** Why this tier and route, in order, one short sentence each. */
  reasons: string[];
  /** Set when the tier keeps candidates from being acted on. */
  suppressed: SuppressionReason | null;
  recommendation: Recommendation | null;
}

/**
 * What a later judgement needs of the verdict before it: the tier (for transitions) and the fields
 * whose changes are history (tier, route, the set of signal fingerprints). A `Verdict` is one.
 */
export interface VerdictTrail {
  tier: Tier;
  route: Route;
  signals: readonly { fingerprint: string }[];
}

export type EscalationOutcome =
  'running' | 'succeeded' | 'failed' | 'timed_out' | 'refused' | 'dry_run';

/** One agent session radar started (or refused, or only rehearsed) for a PR. */
export interface Escalation {
  id: number;
  nodeId: string;
  repo: string;
  number: number;
  fingerprints: string[];
  agent: string;
  argv: string[];
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  outcome: EscalationOutcome;
  sessionId: string | null;
  /** From the session's token markers; null when it printed none (usage unknown). */
  tokens: number | null;
  runLog: string | null;
  /** The PR's head when the session started: a later head is progress. */
  headSha: string | null;
  reason: string | null;
  /** What the session left behind (commits, diffstat, final message, guards); null: not inspected. */
  work?: SessionWork | null;
}

/** One candidate a verdict saw: its fingerprint, kind, and what held it back (if anything). */
export interface CandidateObservation {
  fingerprint: string;
  kind: SignalKind;
  suppressed: SuppressionReason | null;
}

/** The dedupe bookkeeping of one verdict: candidates seen again, and those that cleared. */
export interface CandidateOps {
  seen: CandidateObservation[];
  cleared: string[];
}

/** What the ledger keeps of one judgement. */
export interface VerdictRecord {
  nodeId: string;
  verdict: Verdict;
  candidates: CandidateOps;
  /** The verdict's history fields this judgement changed (rules/verdict-changes.ts). */
  changes: FieldChange[];
  /** Stop-loss stopped the PR in this evaluation: recorded as a control. */
  stopNow: string | null;
}
