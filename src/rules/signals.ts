import { fnv1a32 } from '../core/digest.js';
import {
  MAINTAINER_ASSOCIATIONS,
  type CommentSnapshot,
  type ReviewSnapshot,
  type StoredPr,
} from '../core/pr.js';
import type { JudgedHistory } from '../core/history.js';
import type { Signal, SignalKind } from '../core/verdict.js';
import type { RulesConfig } from '../config/schema.js';
import { commentIntent } from './comment-intent.js';

/**
 * Pure: a PR's snapshot and history → the signals it shows now. Each signal carries a fingerprint
 * that stays the same while its evidence does (the same failing checks on the same head, the same
 * review, the same comment), so radar acts on it at most once however many scans see it.
 */

export interface Detected {
  signals: Signal[];
  /** Kinds radar cannot judge right now (GitHub still computing mergeability): neither raised nor cleared. */
  undetermined: SignalKind[];
  /** The latest maintainer comment or review, answered or not (for zombies). */
  lastMaintainerAt: number | null;
}

/**
 * GitHub's timestamps (`2026-06-15T12:00:00Z`, with or without milliseconds) read without the
 * general date parser, which dominated judging a large queue; anything else goes through it.
 */
/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The decimal number in iso[from, to), or NaN. */
function digits(iso: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = iso.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

export function isoMs(iso: string): number {
  const canonical =
    (iso.length === 20 || (iso.length === 24 && iso[19] === '.')) &&
    iso[4] === '-' &&
    iso[7] === '-' &&
    iso[10] === 'T' &&
    iso[13] === ':' &&
    iso[16] === ':' &&
    iso[iso.length - 1] === 'Z';
  if (!canonical) return Date.parse(iso);
  const month = digits(iso, 5, 7);
  const day = digits(iso, 8, 10);
  const hour = digits(iso, 11, 13);
  const minute = digits(iso, 14, 16);
  const second = digits(iso, 17, 19);
  // Days past the 28th and out-of-range fields: the general parser knows each month's length.
  if (!(
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 28 &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  ))
    return Date.parse(iso);
  const year = digits(iso, 0, 4);
  const millis = iso.length === 24 ? digits(iso, 20, 23) : 0;
  if (Number.isNaN(year) || Number.isNaN(millis)) return Date.parse(iso);
  return (
    ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
  );
}

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = isoMs(iso);
  return Number.isNaN(t) ? null : t;
};

const short = (sha: string) => sha.slice(0, 12);

const NONE: never[] = Object.freeze([]) as unknown as never[];

function addSignal(
  signals: Signal[],
  kind: SignalKind,
  key: string,
  detail: string,
  evidence: Record<string, unknown>,
): void {
  signals.push({ kind, fingerprint: `${kind}:${key}`, detail, evidence });
}

/** GitHub logins are case-insensitive; most comparisons differ in length and cost nothing. */
const sameLogin = (a: string, b: string): boolean =>
  a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());

/** Maintainer feedback counts; anyone else's is context. Bots only when allow-listed. */
export function isMaintainer(
  item: Pick<CommentSnapshot, 'author' | 'association' | 'bot'>,
  pr: Pick<StoredPr, 'author'>,
  allowedBots: ReadonlySet<string>,
): boolean {
  if (sameLogin(item.author, pr.author)) return false;
  const allowedBot =
    allowedBots.size > 0 && allowedBots.has(item.author.toLowerCase().replace(/\[bot\]$/, ''));
  if (item.bot) return allowedBot;
  return MAINTAINER_ASSOCIATIONS.has(item.association) || allowedBot;
}

/**
 * A maintainer question that requests no change (a why/what/how question, a request to explain)
 * goes to a conversation, not to code work: see comment-intent.ts.
 */
export function isQuestion(body: string | undefined): boolean {
  return commentIntent(body) === 'explain';
}

interface Feedback {
  id: string;
  author: string;
  at: number;
  iso: string;
  body?: string;
  review: boolean;
}

/** One detector per configuration: the sets it needs are built once, not once per PR. */
export function createDetector(
  rules: RulesConfig,
): (pr: StoredPr, history: JudgedHistory) => Detected {
  const allowedBots = new Set(
    rules.botAllowlist.map((b) => b.toLowerCase().replace(/\[bot\]$/, '')),
  );
  const scopeLabels = new Set(rules.closedScopeLabels.map((l) => l.toLowerCase()));
  return (pr, history) => detect(pr, history, rules, allowedBots, scopeLabels);
}

function detect(
  pr: StoredPr,
  history: JudgedHistory,
  rules: RulesConfig,
  allowedBots: ReadonlySet<string>,
  scopeLabels: ReadonlySet<string>,
): Detected {
  // No closures and no arrays that may stay empty: this runs for every PR on every scan.
  const signals: Signal[] = [];
  let undetermined: SignalKind[] = NONE;

  // CI on the head commit.
  if (pr.ci === 'failing') {
    const names = pr.failingChecks.length ? pr.failingChecks : ['(the combined status)'];
    addSignal(
      signals,
      'ci_failing',
      `${short(pr.headSha)}:${fnv1a32(names.join('\n'))}`,
      `failing: ${names.join(', ')} on ${pr.headSha.slice(0, 7)}`,
      { headSha: pr.headSha, failingChecks: names },
    );
  } else if (pr.ci === 'pending') {
    addSignal(
      signals,
      'ci_pending',
      short(pr.headSha),
      `checks still running on ${pr.headSha.slice(0, 7)}`,
      {
        headSha: pr.headSha,
      },
    );
  }

  // Formal change requests still standing (the latest review of each reviewer).
  for (const r of pr.reviews) {
    if (r.state !== 'CHANGES_REQUESTED') continue;
    if (sameLogin(r.author, pr.author)) continue;
    if (r.bot && !isMaintainer(r, pr, allowedBots)) continue;
    addSignal(
      signals,
      'changes_requested',
      r.id || `${r.author}@${r.at ?? ''}`,
      `${r.author} requested changes${r.at ? ` on ${r.at.slice(0, 10)}` : ''}`,
      { reviewId: r.id, author: r.author, association: r.association, at: r.at, body: r.body },
    );
  }

  // Mergeability: GitHub's UNKNOWN (still computing) is never a conflict, and never clears one.
  if (pr.state === 'open') {
    if (pr.mergeable === 'conflicting')
      addSignal(
        signals,
        'conflict',
        `${short(pr.headSha)}:${pr.mergeState ?? 'CONFLICTING'}`,
        `conflicts with its base${pr.baseSha ? ` (${pr.baseSha.slice(0, 7)})` : ''}`,
        { headSha: pr.headSha, baseSha: pr.baseSha, mergeState: pr.mergeState },
      );
    else if (pr.mergeable === 'unknown') undetermined = ['conflict'];
    if (pr.mergeState === 'BEHIND')
      addSignal(
        signals,
        'behind',
        `${short(pr.headSha)}:${pr.baseSha ? short(pr.baseSha) : ''}`,
        'behind its base branch',
        {
          baseSha: pr.baseSha,
        },
      );
  }
  if (pr.review === 'approved') addSignal(signals, 'approved', short(pr.headSha), 'approved', {});

  // Maintainer feedback not yet answered: newer than the author's last comment, the last push
  // and radar's own last action on the PR.
  let feedback: Feedback[] | undefined;
  let lastMaintainerAt: number | null = null;
  for (let i = 0; i < pr.comments.length + pr.reviews.length; i++) {
    const review = i >= pr.comments.length;
    const item = review ? pr.reviews[i - pr.comments.length]! : pr.comments[i]!;
    const at = ms(item.at);
    if (at === null || !isMaintainer(item, pr, allowedBots)) continue;
    lastMaintainerAt = Math.max(lastMaintainerAt ?? at, at);
    // A change request is its own signal; an empty approval is no feedback to answer.
    if (review && ((item as ReviewSnapshot).state === 'CHANGES_REQUESTED' || !item.body?.trim()))
      continue;
    (feedback ??= []).push({
      id: item.id,
      author: item.author,
      at,
      iso: item.at!,
      body: item.body,
      review,
    });
  }
  // Loops rather than spreads: this runs for every PR of the queue on every scan.
  let authorLast = -Infinity;
  for (const c of pr.comments)
    if (sameLogin(c.author, pr.author)) authorLast = Math.max(authorLast, ms(c.at) ?? -Infinity);
  const lastPush = Math.max(
    ms(pr.headCommittedAt) ?? -Infinity,
    history.pushes.length ? history.pushes[history.pushes.length - 1]!.at : -Infinity,
  );
  let lastAction = -Infinity;
  for (const e of history.escalations)
    if (e.outcome !== 'dry_run') lastAction = Math.max(lastAction, e.startedAt);
  const answeredBefore = Math.max(authorLast, lastPush, lastAction);
  for (const f of feedback ?? NONE) {
    if (f.at <= answeredBefore) continue;
    const question = isQuestion(f.body);
    addSignal(
      signals,
      'maintainer_comment',
      f.id || `${f.author}@${f.at}`,
      `${f.author} ${f.review ? 'reviewed' : 'commented'} ${f.iso.slice(0, 10)}${question ? ' (a question)' : ''}`,
      { id: f.id, author: f.author, at: f.iso, body: f.body, question },
    );
  }

  // The issues the PR closes: gone out of scope, or already resolved (the body is stale).
  for (const issue of pr.closingIssues) {
    const ref = `${issue.repo}#${issue.number}`;
    const label = issue.labels?.find((l) => scopeLabels.has(l.toLowerCase()));
    if (issue.state === 'closed' && issue.stateReason === 'NOT_PLANNED')
      addSignal(signals, 'closed_scope', ref, `${ref} was closed as not planned`, {
        issue: ref,
        reason: 'not_planned',
      });
    else if (label)
      addSignal(signals, 'closed_scope', ref, `${ref} is labelled "${label}"`, {
        issue: ref,
        label,
      });
    else if (issue.state === 'closed' && pr.state === 'open')
      addSignal(signals, 'stale_body', `issue:${ref}`, `links ${ref}, which is already closed`, {
        issue: ref,
        stateReason: issue.stateReason,
      });
  }
  const since = ms(pr.lastEditedAt) ?? ms(pr.createdAt) ?? 0;
  let pushesSince = 0;
  for (const push of history.pushes) if (push.at > since) pushesSince++;
  if (pr.state === 'open' && pushesSince >= rules.staleBody.pushesSinceEdit)
    addSignal(
      signals,
      'stale_body',
      `pushes:${pr.lastEditedAt ?? pr.createdAt}`,
      `${pushesSince} pushes since the description was last edited`,
      { pushesSinceEdit: pushesSince, lastEditedAt: pr.lastEditedAt },
    );

  return { signals, undetermined, lastMaintainerAt };
}
