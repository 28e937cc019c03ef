/**
 * The demo's last paragraph: the loop in one breath, watched → flagged → sessions → tokens →
 * outcomes → held back, every figure read from the loop's ledger.
 */
import type { Context } from '../context.js';
import type { RadarConfig } from '../config/schema.js';
import { plural } from '../render/plural.js';
import { formatInt } from '../render/table.js';

export interface LoopFigures {
  /** Open PRs radar watches, and their repositories. */
  watched: number;
  repos: number;
  /** Signals that asked for action (acted on or waiting), and the PRs they are on. */
  signals: number;
  flaggedPrs: number;
  /** Signals the rules set aside, by reason (zombie, closed_scope, …). */
  suppressed: Readonly<Record<string, number>>;
  sessions: number;
  /** Sessions that reported their usage, and the tokens they reported. */
  reported: number;
  tokens: number;
  /** What the sessions bought: "resolved 1, unresolved 1, pending 2". */
  outcomes: string;
  /** Signals still waiting for a session, and their PRs. */
  waiting: number;
  waitingPrs: number;
  /** Each provider's share of its weekly budget used (null: unknown). */
  budgets: readonly { provider: string; usedPercent: number | null }[];
  /** What a session reserves before it starts. */
  reservation: number;
}

export function loopSummary(f: LoopFigures): string {
  const aside = Object.entries(f.suppressed).filter(([, n]) => n > 0);
  const asideCount = aside.reduce((sum, [, n]) => sum + n, 0);
  const used = f.budgets
    .map((b) => `${b.provider} ${b.usedPercent === null ? '?' : `${b.usedPercent.toFixed(1)}%`}`)
    .join(', ');
  const sessions = f.sessions
    ? `${plural(f.sessions, 'agent session')} spent ${formatInt(f.tokens)} tokens ` +
      `(${f.reported} of ${f.sessions} reported usage); what they bought: ${f.outcomes}.`
    : 'No agent session ran.';
  const held = f.waiting
    ? `Held back: ${plural(f.waiting, 'signal')} on ${plural(f.waitingPrs, 'PR')} ` +
      `${f.waiting === 1 ? 'waits' : 'wait'} for a later scan`
    : 'Nothing is held back';
  return (
    `In short: radar watched ${plural(f.watched, 'open PR')} in ` +
    `${plural(f.repos, 'repository', 'repositories')} and flagged ${formatInt(f.flaggedPrs)} of ` +
    `them (${plural(f.signals, 'signal')}` +
    (asideCount
      ? `; ${formatInt(asideCount)} more set aside: ` +
        aside.map(([reason, n]) => `${reason.replaceAll('_', ' ')} ${n}`).join(', ')
      : '') +
    `). ${sessions} ${held}; the weekly budgets stand at ${used} used, and a session starts ` +
    `only when its ${formatInt(f.reservation)}-token reservation fits in what is left.\n`
  );
}

/** The figures of the loop's ledger (the demo's context), as `loopSummary` says them. */
export async function loopFigures(ctx: Context, config: RadarConfig): Promise<LoopFigures> {
  const [{ funnelData }, { budgetStates }] = await Promise.all([
    import('../commands/report-rules.js'),
    import('../budget/state.js'),
  ]);
  const db = ctx.existingLedger();
  const open = db.prs.all().filter((p) => p.state === 'open' && p.watched);
  const { r, bought } = funnelData(ctx, 0);
  const { candidates } = db.rules.funnelRows(0);
  const prsOf = (rows: typeof candidates) => new Set(rows.map((c) => c.nodeId)).size;
  const budgets = await budgetStates(db.usage, config, ctx.env, ctx.now().getTime());
  const { outcomeCounts } = await import('../commands/report-outcomes.js');
  return {
    watched: open.length,
    repos: new Set(open.map((p) => p.repo)).size,
    signals: r.actedOn + r.waiting,
    flaggedPrs: prsOf(candidates.filter((c) => c.actedAt !== null || !c.suppressed)),
    suppressed: r.suppressed,
    sessions: r.cost.sessions,
    reported: r.cost.sessionsWithUsage,
    tokens: r.cost.tokens,
    outcomes: outcomeCounts(bought),
    waiting: r.waiting,
    waitingPrs: prsOf(candidates.filter((c) => c.actedAt === null && !c.suppressed)),
    budgets: budgets.map((b) => ({ provider: b.provider, usedPercent: b.usedPercent })),
    reservation: config.budget.sessionTokens,
  };
}
