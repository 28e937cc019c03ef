/**
 * What becomes of a session's result (pure): the agent's final message read from its run log,
 * the diffstat read from `git diff --numstat`, and which actions are queued behind the human gate
 * (a push of its commits, a reply, a new description) with the guards that keep a push back.
 * Git and GitHub are reached by the callers (inspect.ts, approvals.ts).
 */
import picomatch from 'picomatch';
import type { Guard, SessionWork } from '../core/actions.js';
import type { StoredPr } from '../core/pr.js';
import type { SignalKind } from '../core/verdict.js';
import { sanitize } from './prompt.js';

/** A reply posted on a PR, at most this many characters (GitHub's own limit is 65 536). */
export const MAX_REPLY_CHARS = 4000;
/** A drafted description, at most this many characters. */
export const MAX_BODY_CHARS = 20_000;
/** Changed paths kept on the escalation (all of them are counted). */
export const MAX_PATHS = 50;

type Json = Record<string, unknown>;

const parse = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The final text a JSON line carries: a Codex `agent_message` item or a Claude result. */
function jsonMessage(value: unknown): { text: string; result: boolean } | undefined {
  if (Array.isArray(value)) {
    // `claude -p --output-format json` in some versions: the whole conversation as one array.
    for (let i = value.length - 1; i >= 0; i--) {
      const m = jsonMessage(value[i]);
      if (m?.result) return m;
    }
    return undefined;
  }
  if (!isObj(value)) return undefined;
  if (value.type === 'result' && typeof value.result === 'string' && value.is_error !== true)
    return { text: value.result, result: true };
  const item = value.item;
  if (
    value.type === 'item.completed' &&
    isObj(item) &&
    item.type === 'agent_message' &&
    typeof item.text === 'string'
  )
    return { text: item.text, result: false };
  return undefined;
}

/** Lines of Codex's text output that open a new part of the transcript. */
const TEXT_ROLES = /^(user|codex|exec|thinking|tokens used|tool|apply_patch|file update)\b/;

/**
 * The agent's final message in its run log: the Claude result (`result.result`), else the last
 * Codex `--json` `agent_message` item, else the last `codex` block of Codex's text transcript.
 * Null when there is none. The text is the agent's: callers sanitise and bound it.
 */
export function finalMessage(lines: readonly string[]): string | null {
  let last: string | null = null;
  let textBlock: string[] | null = null;
  let lastText: string | null = null;
  for (const line of lines) {
    const t = line.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      const m = jsonMessage(parse(t));
      if (m?.result) return m.text.trim() || null;
      if (m) last = m.text;
      continue;
    }
    if (line === 'codex') {
      textBlock = [];
      continue;
    }
    if (textBlock && TEXT_ROLES.test(line)) {
      if (textBlock.length) lastText = textBlock.join('\n');
      textBlock = null;
      continue;
    }
    textBlock?.push(line);
  }
  if (textBlock?.length) lastText = textBlock.join('\n');
  const found = (last ?? lastText)?.trim();
  return found ? found : null;
}

/** `git diff --numstat` output: files, lines added and deleted (binary files count as files). */
export function parseNumstat(text: string): {
  files: number;
  additions: number;
  deletions: number;
  paths: string[];
} {
  let additions = 0;
  let deletions = 0;
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+|-)\t(\d+|-)\t(.+)$/.exec(line);
    if (!m) continue;
    if (m[1] !== '-') additions += Number(m[1]);
    if (m[2] !== '-') deletions += Number(m[2]);
    paths.push(m[3]!);
  }
  return { files: paths.length, additions, deletions, paths };
}

/** What the user allows a session's result to become (config `dispatch` and `watch.authors`). */
export interface ResultPolicy {
  authors: readonly string[];
  pushOthersPrs: boolean;
  maxPatch: { files: number; lines: number };
  guardedPaths: readonly string[];
  allowWorkflowChanges: boolean;
  autoApply: boolean;
}

/** A session's result as the planner needs it. */
export interface ResultFacts {
  pr: Pick<
    StoredPr,
    | 'repo'
    | 'number'
    | 'author'
    | 'headRef'
    | 'headRepo'
    | 'headFork'
    | 'maintainerCanModify'
    | 'baseRef'
  >;
  /** The kinds of the signals the session was dispatched for. */
  signals: readonly SignalKind[];
  /** Whether the session ended well (only then is anything queued). */
  succeeded: boolean;
  work: Omit<SessionWork, 'guards'>;
}

export type PlannedAction =
  | {
      kind: 'push';
      /** The PR's head branch and repository, the commit it is at, and the one pushed. */
      branch: string;
      headRepo: string;
      from: string;
      to: string;
      /** Performed without `radar approve` (dispatch.autoApply). */
      auto: boolean;
      summary: string;
    }
  | { kind: 'comment'; body: string; summary: string }
  | { kind: 'edit_body'; body: string; summary: string };

const REPLY_KINDS: ReadonlySet<SignalKind> = new Set(['maintainer_comment', 'changes_requested']);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Why the session's commits may not be pushed (every guard that applies, in a fixed order). */
export function pushGuards(facts: ResultFacts, policy: ResultPolicy): Guard[] {
  const { pr, work } = facts;
  const guards: Guard[] = [];
  if (work.branch === null)
    return [{ kind: 'no_commits', reason: 'the session had no checkout (no clone in repos)' }];
  if (work.commits === 0)
    return [{ kind: 'no_commits', reason: 'the session made no commit on its branch' }];
  const authors = new Set(policy.authors.map((a) => a.toLowerCase()));
  if (!policy.pushOthersPrs && !authors.has(pr.author.toLowerCase()))
    guards.push({
      kind: 'not_own_pr',
      reason: `${pr.author} is not one of watch.authors (dispatch.pushOthersPrs allows it)`,
    });
  const headRepo = pr.headRepo ?? null;
  if (!pr.headRef)
    guards.push({ kind: 'no_head_branch', reason: 'the PR head branch is not known yet (scan)' });
  else if (headRepo?.toLowerCase() === pr.repo.toLowerCase() && pr.headRef === pr.baseRef)
    guards.push({
      kind: 'no_head_branch',
      reason: `the head branch ${pr.headRef} is the base branch`,
    });
  if (pr.headRef && pr.headRepo === null)
    guards.push({ kind: 'permission', reason: 'the head repository was deleted' });
  else if (headRepo && pr.headFork) {
    const owner = headRepo.split('/')[0]!.toLowerCase();
    if (!authors.has(owner) && pr.maintainerCanModify !== true)
      guards.push({
        kind: 'permission',
        reason: `the head repository ${headRepo} is a fork radar cannot push to (not yours, maintainers may not modify it)`,
      });
  }
  const lines = work.additions + work.deletions;
  if (work.files > policy.maxPatch.files || lines > policy.maxPatch.lines)
    guards.push({
      kind: 'patch_too_large',
      reason: `${plural(work.files, 'file')}, ${plural(lines, 'changed line')} is over dispatch.maxPatch (${policy.maxPatch.files} files, ${policy.maxPatch.lines} lines)`,
    });
  if (!policy.allowWorkflowChanges && policy.guardedPaths.length > 0) {
    const guarded = picomatch([...policy.guardedPaths], { dot: true });
    const hit = work.paths.filter((p) => guarded(p));
    if (hit.length > 0)
      guards.push({
        kind: 'workflow_files',
        reason: `changes CI or automation files (${hit.slice(0, 3).join(', ')}${hit.length > 3 ? ', …' : ''}); dispatch.allowWorkflowChanges allows it`,
      });
  }
  return guards;
}

/**
 * Which actions a session's result queues, and the guards that applied. A push, a reply and a
 * description are independent: a session that committed and answered queues both, and a guard
 * on the push keeps the reply.
 */
export function planResults(
  facts: ResultFacts,
  policy: ResultPolicy,
): { guards: Guard[]; actions: PlannedAction[] } {
  const { pr, work } = facts;
  const guards = pushGuards(facts, policy);
  if (!facts.succeeded) return { guards, actions: [] };
  const actions: PlannedAction[] = [];
  if (guards.length === 0 && work.tipSha && pr.headRef && pr.headRepo)
    actions.push({
      kind: 'push',
      branch: pr.headRef,
      headRepo: pr.headRepo,
      from: work.baseSha,
      to: work.tipSha,
      auto: policy.autoApply,
      summary: `${plural(work.commits, 'commit')} (${plural(work.files, 'file')}, +${work.additions} −${work.deletions}) to ${pr.headRepo}:${pr.headRef}, ${work.baseSha.slice(0, 7)}..${work.tipSha.slice(0, 7)}`,
    });
  const message = work.message;
  if (message && facts.signals.some((k) => REPLY_KINDS.has(k))) {
    const body = sanitize(message, MAX_REPLY_CHARS);
    if (body) actions.push({ kind: 'comment', body, summary: 'the agent’s reply' });
  }
  if (message && facts.signals.includes('stale_body')) {
    const body = sanitize(message, MAX_BODY_CHARS);
    if (body) actions.push({ kind: 'edit_body', body, summary: 'the drafted description' });
  }
  return { guards, actions };
}

/** One remote of a clone, as `git remote -v` lists it. */
export interface Remote {
  name: string;
  url: string;
}

/** `git remote -v` output: each remote's push URL. */
export function parseRemotes(text: string): Remote[] {
  const out: Remote[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+\(push\)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, url: m[2]! });
  }
  return out;
}

/**
 * The remote a push to the PR's head goes through: the configured one when the head is in the
 * PR's own repository; for a fork, the remote whose URL names the fork (`…/owner/name(.git)`),
 * whatever its host or scheme. Undefined when no remote names it.
 */
export function pushRemote(
  remotes: readonly Remote[],
  pr: { repo: string; headRepo: string },
  configured: string | undefined,
): string | undefined {
  if (pr.headRepo.toLowerCase() === pr.repo.toLowerCase()) return configured ?? 'origin';
  const want = pr.headRepo.toLowerCase();
  const named = (url: string) => {
    const path = url
      .replace(/\.git\/?$/, '')
      .replace(/\/+$/, '')
      .toLowerCase();
    return path.endsWith(`/${want}`) || path.endsWith(`:${want}`);
  };
  return remotes.find((r) => named(r.url))?.name;
}

/** git's words for a remote that refuses this user (HTTP 403, SSH keys, a read-only token). */
export const isPermissionRefusal = (stderr: string): boolean =>
  /permission to \S+ denied|permission denied|\b403\b|authentication failed|could not read username|access denied|not allowed to push|write access to repository not granted|protected branch/i.test(
    stderr,
  );
