import type { Context } from '../context.js';
import { PrStore } from '../ledger/pr-store.js';
import type { StoredPr } from '../scan/diff.js';
import { renderTable, truncate } from '../render/table.js';
import { byCodePoint } from '../render/order.js';

interface QueueOptions {
  repo?: string;
  author?: string;
  state?: 'open' | 'closed' | 'merged' | 'all';
}

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
}

/** Most in need of attention first: failing CI, changes requested, conflicts; then oldest. */
function urgency(p: StoredPr): number {
  return (
    (p.ci === 'failing' ? 8 : 0) +
    (p.review === 'changes_requested' ? 4 : 0) +
    (p.mergeable === 'conflicting' ? 2 : 0) +
    (p.ci === 'pending' ? 1 : 0)
  );
}

export function run(ctx: Context, options: QueueOptions): number {
  const state = options.state ?? 'open';
  const prs = new PrStore(ctx.ledger())
    .all()
    .filter((p) => (state === 'all' ? true : p.state === state && (state !== 'open' || p.watched)))
    .filter((p) => !options.repo || p.repo.toLowerCase() === options.repo.toLowerCase())
    .filter((p) => !options.author || p.author.toLowerCase() === options.author.toLowerCase())
    .sort(
      (a, b) =>
        urgency(b) - urgency(a) ||
        byCodePoint(a.createdAt, b.createdAt) ||
        byCodePoint(a.repo, b.repo) ||
        a.number - b.number,
    );
  if (ctx.json) {
    const entries: QueueEntry[] = prs.map((p) => ({
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
    }));
    ctx.stdout.write(`${JSON.stringify(entries)}\n`);
    return 0;
  }
  if (prs.length === 0) {
    ctx.stdout.write('no PRs match (run `radar scan` first, or check the filters)\n');
    return 0;
  }
  const now = ctx.now().getTime();
  const width = ctx.stdout.columns ?? 120;
  const titleWidth = Math.max(24, width - 95);
  ctx.stdout.write(
    renderTable(
      [
        { header: 'PR' },
        { header: 'title', max: titleWidth },
        { header: 'age', align: 'right' },
        { header: 'CI' },
        { header: 'review' },
        { header: 'merge' },
        { header: 'size', align: 'right' },
        { header: 'changed', align: 'right' },
      ],
      prs.map((p) => [
        `${p.repo}#${p.number}`,
        truncate((p.draft ? '[draft] ' : '') + p.title, titleWidth),
        age(now - Date.parse(p.createdAt)),
        p.ci + (p.failingChecks.length ? ` (${truncate(p.failingChecks.join(', '), 24)})` : ''),
        p.review.replace('_', ' '),
        p.mergeable === 'unknown' && p.mergeableKnown ? `${p.mergeableKnown}?` : p.mergeable,
        `+${p.additions}/-${p.deletions}`,
        age(now - p.lastChangedAt),
      ]),
    ),
  );
  return 0;
}

function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
