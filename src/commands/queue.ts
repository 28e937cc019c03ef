import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { openState } from '../rules/outcome.js';
import type { StoredVerdict } from '../ledger/ports.js';
import type { StoredPr } from '../core/pr.js';
import type { Route, Tier } from '../core/verdict.js';
import { byUrgency } from '../rules/evaluate.js';
import { renderTable, truncate } from '../render/table.js';
import { byCodePoint } from '../render/order.js';
import type { Style } from '../render/color.js';

type QueueOptions = CommandOptions<'queue'>;

export interface QueueEntry {
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  watched: boolean;
  headSha: string;
  mergeable: 'mergeable' | 'conflicting' | 'unknown';
  mergeableLastKnown: 'mergeable' | 'conflicting' | null;
  mergeState: string | null;
  ci: string;
  failingChecks: string[];
  review: string;
  reviews: StoredPr['reviews'];
  comments: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  lastChangedAt: string;
  /** The verdict of the last scan (null before the first scan that judged this PR). */
  tier: Tier | null;
  score: number | null;
  route: Route | null;
  signals: { kind: string; fingerprint: string; detail: string }[];
  recommendation: string | null;
  /** The newest escalation not settled yet, and where it stands (`push waiting`…), or null. */
  escalation: { id: number; state: string } | null;
}

/** The rules' order: escalate first, then by score, then the oldest. Unjudged PRs sort as watch. */
function compare(verdicts: ReadonlyMap<string, StoredVerdict>) {
  const key = (p: StoredPr) => {
    const v = verdicts.get(p.nodeId);
    return { tier: v?.tier ?? 'watch', score: v?.score ?? 0, createdAt: p.createdAt };
  };
  return (a: StoredPr, b: StoredPr) =>
    byUrgency(key(a), key(b)) || byCodePoint(a.repo, b.repo) || a.number - b.number;
}

export function run(ctx: Context, options: QueueOptions): number {
  const state = options.state ?? 'open';
  const verdicts = ctx.existingLedger().rules.verdicts();
  const prs = ctx
    .existingLedger()
    .prs.all()
    .filter((p) => (state === 'all' ? true : p.state === state && (state !== 'open' || p.watched)))
    .filter((p) => !options.repo || p.repo.toLowerCase() === options.repo.toLowerCase())
    .filter((p) => !options.author || p.author.toLowerCase() === options.author.toLowerCase())
    .filter((p) => !options.tier || verdicts.get(p.nodeId)?.tier === options.tier)
    .sort(compare(verdicts))
    .slice(0, options.limit);
  const open = ctx.existingLedger().outcomes;
  const escalations = open.openEscalations();
  const actions = escalations.size ? open.unsettledActions() : new Map();
  const loop = (p: StoredPr) => {
    const e = escalations.get(p.nodeId);
    return e ? { id: e.id, state: openState(e.session, actions.get(e.id) ?? [], e.reason) } : null;
  };
  if (ctx.json) {
    const entries: QueueEntry[] = prs.map((p) => {
      const v = verdicts.get(p.nodeId);
      return {
        repo: p.repo,
        number: p.number,
        title: p.title,
        url: p.url,
        author: p.author,
        state: p.state,
        draft: p.draft,
        watched: p.watched,
        headSha: p.headSha,
        mergeable: p.mergeable,
        mergeableLastKnown: p.mergeableKnown,
        mergeState: p.mergeState,
        ci: p.ci,
        failingChecks: p.failingChecks,
        review: p.review,
        reviews: p.reviews,
        comments: p.commentCount,
        additions: p.additions,
        deletions: p.deletions,
        changedFiles: p.changedFiles,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        closedAt: p.closedAt,
        mergedAt: p.mergedAt,
        lastChangedAt: new Date(p.lastChangedAt).toISOString(),
        tier: v?.tier ?? null,
        score: v?.score ?? null,
        route: v?.route ?? null,
        signals: (v?.signals ?? []).map((sig) => ({
          kind: sig.kind,
          fingerprint: sig.fingerprint,
          detail: sig.detail,
        })),
        recommendation: v?.recommendation ?? null,
        escalation: loop(p),
      };
    });
    ctx.stdout.write(`${JSON.stringify(entries)}\n`);
    return 0;
  }
  if (prs.length === 0) {
    ctx.stdout.write('no PRs match (run `radar scan` first, or check the filters)\n');
    return 0;
  }
  const now = ctx.now().getTime();
  const width = ctx.stdout.columns ?? 120;
  const titleWidth = Math.max(20, width - 120);
  ctx.stdout.write(
    renderTable(
      [
        { header: 'PR' },
        { header: 'tier', style: tierStyle },
        { header: 'route' },
        { header: 'signals', max: 28 },
        { header: 'title', max: titleWidth },
        { header: 'age', align: 'right' },
        { header: 'CI' },
        { header: 'review' },
        { header: 'merge' },
        { header: 'size', align: 'right' },
        { header: 'changed', align: 'right' },
        { header: 'escalation', max: 32 },
      ],
      prs.map((p) => {
        const v = verdicts.get(p.nodeId);
        return [
          `${p.repo}#${p.number}`,
          v ? `${v.tier} ${v.score}` : '-',
          v && v.route !== 'none' ? v.route : '-',
          truncate([...new Set((v?.signals ?? []).map((sig) => sig.kind))].join(' ') || '-', 28),
          truncate((p.draft ? '[draft] ' : '') + p.title, titleWidth),
          age(now - Date.parse(p.createdAt)),
          p.ci + (p.failingChecks.length ? ` (${truncate(p.failingChecks.join(', '), 24)})` : ''),
          p.review.replace('_', ' '),
          p.mergeable === 'unknown' && p.mergeableKnown ? `${p.mergeableKnown}?` : p.mergeable,
          `+${p.additions}/-${p.deletions}`,
          age(now - p.lastChangedAt),
          ((e) => (e ? `#${e.id} ${e.state}` : '-'))(loop(p)),
        ];
      }),
      { color: ctx.color },
    ),
  );
  return 0;
}

function tierStyle(cell: string): Style | undefined {
  if (cell.startsWith('escalate')) return 'red';
  if (cell.startsWith('zombie') || cell.startsWith('stopped')) return 'dim';
  return undefined;
}

function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
