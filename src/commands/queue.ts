import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { openState } from '../rules/outcome.js';
import type { StoredVerdict } from '../ledger/ports.js';
import type { StoredPr } from '../core/pr.js';
import { byUrgency } from '../rules/evaluate.js';
import {
  renderTable,
  tableLayout,
  terminalWidth,
  truncate,
  type Column,
  type LayoutColumn,
} from '../render/table.js';
import { byCodePoint } from '../render/order.js';
import type { Style } from '../render/color.js';
import { writeJson } from './json-output.js';
import type { QueueEntry } from './queue-entry.js';

type QueueOptions = CommandOptions<'queue'>;

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
    writeJson(ctx, 'queue', entries);
    return 0;
  }
  if (prs.length === 0) {
    ctx.stdout.write('no PRs match (run `radar scan` first, or check the filters)\n');
    return 0;
  }
  const now = ctx.now().getTime();
  const width = options.wide ? undefined : terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns);
  const rows = prs.map((p) => {
    const v = verdicts.get(p.nodeId);
    return [
      `${p.repo}#${p.number}`,
      v ? `${v.tier} ${v.score}` : '-',
      v && v.route !== 'none' ? v.route : '-',
      [...new Set((v?.signals ?? []).map((sig) => sig.kind))].join(' ') || '-',
      (p.draft ? '[draft] ' : '') + p.title,
      age(now - Date.parse(p.createdAt)),
      p.ci + (p.failingChecks.length ? ` (${truncate(p.failingChecks.join(', '), 24)})` : ''),
      p.review.replace('_', ' '),
      p.mergeable === 'unknown' && p.mergeableKnown ? `${p.mergeableKnown}?` : p.mergeable,
      `+${p.additions}/-${p.deletions}`,
      age(now - p.lastChangedAt),
      ((e) => (e ? `#${e.id} ${e.state}` : '-'))(loop(p)),
      p.nodeId,
    ];
  });
  const { columns, cells } = queueLayout(rows, { width, wide: options.wide === true });
  ctx.stdout.write(renderTable(columns, cells, { color: ctx.color, width }));
  return 0;
}

const QUEUE_COLUMNS: readonly LayoutColumn[] = [
  { header: 'PR', compact: true },
  { header: 'tier', style: tierStyle, compact: true },
  { header: 'route', priority: 2 },
  { header: 'signals', max: 28, min: 8, priority: 3 },
  { header: 'title', max: 60, min: 10, compact: true },
  { header: 'age', align: 'right', priority: 5, compact: true },
  { header: 'CI', min: 4, priority: 4, compact: true },
  { header: 'review', priority: 1 },
  { header: 'merge', priority: 1 },
  { header: 'size', align: 'right', priority: 0 },
  { header: 'changed', align: 'right', priority: 0 },
  { header: 'escalation', max: 32, min: 6, priority: 3 },
  { header: 'node id', wideOnly: true },
];

/**
 * The queue table's columns for a terminal `width` cells wide (undefined: a pipe): under 80
 * columns the PR, its tier, title, CI and age; with `wide`, every column uncut, node ids included.
 */
export function queueLayout(
  rows: readonly (readonly string[])[],
  options: { width: number | undefined; wide: boolean },
): { columns: Column[]; cells: string[][] } {
  return tableLayout(QUEUE_COLUMNS, rows, options);
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
