/** Text for the dispatch commands and the demo: escalation rows and dispatch results. */
import { createPatch } from 'diff';
import type { SessionWork } from '../core/actions.js';
import type { Escalation } from '../core/verdict.js';
import { inertBlock } from '../render/inert.js';
import type { Approval } from '../core/dispatch.js';
import { formatInt, renderTable, truncate } from '../render/table.js';
import type { DispatchResult } from './dispatch.js';

const tokens = (n: number | null | undefined) =>
  n === null || n === undefined ? 'unknown' : formatInt(n);

/** One line per dispatch result: sessions in the order they started, then the PRs held back. */
export function renderResults(results: readonly DispatchResult[]): string {
  const order = (r: DispatchResult) =>
    r.status === 'skipped' ? Infinity : (r.escalationId ?? Infinity);
  return [...results]
    .sort((a, b) => order(a) - order(b))
    .map((r) => {
      if (r.status === 'skipped') return `${r.pr}: not dispatched (${r.suppressed}): ${r.reason}\n`;
      if (r.status === 'dry_run') return `${r.pr}: dry run, ${r.agent} would start\n`;
      const why = r.reason ? ` (${truncate(r.reason, 80)})` : '';
      return `${r.pr}: ${r.agent} ${r.status}${why}, tokens ${tokens(r.tokens)}, escalation ${r.escalationId}\n`;
    })
    .join('');
}

/** One line for what a session left: "2 commits, 3 files +40 −2 · guard: … · reply: …". */
export function describeWork(work: SessionWork | null | undefined): string {
  if (!work) return '';
  const parts: string[] = [];
  if (work.branch === null) parts.push('no checkout');
  else if (work.commits === 0) parts.push('no commits');
  else
    parts.push(
      `${work.commits} commit${work.commits === 1 ? '' : 's'}, ${work.files} file${work.files === 1 ? '' : 's'} +${work.additions} −${work.deletions}`,
    );
  for (const g of work.guards) if (g.kind !== 'no_commits') parts.push(`held: ${g.kind}`);
  if (work.message) parts.push(`said: "${work.message.replace(/\s+/g, ' ')}"`);
  return parts.join(' · ');
}

/** Sessions as a table, fitted to `width` cells: the signals go first, then the reasons. */
export function renderEscalations(
  rows: readonly Escalation[],
  color: boolean,
  width?: number,
): string {
  return renderTable(
    [
      { header: 'id', align: 'right' },
      { header: 'PR' },
      { header: 'agent' },
      {
        header: 'outcome',
        style: (o) => (o === 'succeeded' ? 'green' : o === 'running' ? undefined : 'red'),
      },
      { header: 'tokens', align: 'right' },
      { header: 'signals', max: 40, min: 8, priority: 0 },
      { header: 'work', max: 60, min: 12, priority: 2 },
      { header: 'reason', max: 50, min: 10, priority: 1 },
    ],
    rows.map((e) => [
      String(e.id),
      `${e.repo}#${e.number}`,
      e.agent,
      e.outcome,
      tokens(e.tokens),
      e.fingerprints.join(' '),
      describeWork(e.work),
      e.reason ?? '',
    ]),
    { color, width },
  );
}

/** What an approval would do, in one line (its kind is said beside it). */
export function describeApproval(a: Approval): string {
  switch (a.action) {
    case 'push':
      return (
        a.reason ??
        `${String(a.payload?.to)} to ${String(a.payload?.headRepo)}:${String(a.payload?.branch)}`
      );
    case 'comment':
      return `"${(a.body ?? '').replace(/\s+/g, ' ')}"`;
    case 'edit_body': {
      const before = typeof a.payload?.before === 'string' ? a.payload.before : null;
      return before === null
        ? 'replace the description (its current text was not read)'
        : `replace the description (${diffSize(before, a.body ?? '')})`;
    }
    case 'close':
      return a.reason ?? '';
  }
}

/** A description edit as a unified diff against the description it replaces. */
export function bodyDiff(before: string | null, after: string): string {
  return createPatch('description', before ?? '', after, 'now', 'drafted', { context: 2 })
    .split('\n')
    .slice(2)
    .join('\n');
}

function diffSize(before: string, after: string): string {
  const lines = bodyDiff(before, after).split('\n');
  const count = (c: string) =>
    lines.filter((l) => l.startsWith(c) && !l.startsWith(c.repeat(3))).length;
  return `+${count('+')} −${count('-')} lines`;
}

/** Approvals as a table, fitted to `width` cells (what each would do is cut first). */
export function renderApprovals(rows: readonly Approval[], color: boolean, width?: number): string {
  const table = renderTable(
    [
      { header: 'id', align: 'right' },
      { header: 'PR' },
      { header: 'action' },
      { header: 'status' },
      { header: 'what', max: 80, min: 12 },
    ],
    rows.map((a) => [
      String(a.id),
      `${a.repo}#${a.number}`,
      a.action,
      a.status,
      describeApproval(a),
    ]),
    { color, width },
  );
  // A drafted description is shown whole, as a diff against the one it replaces.
  const diffs = rows
    .filter((a) => a.action === 'edit_body' && a.status === 'pending')
    .map((a) => {
      const before = typeof a.payload?.before === 'string' ? a.payload.before : null;
      return `\napproval ${a.id}: ${a.repo}#${a.number} description\n${inertBlock(bodyDiff(before, a.body ?? ''))}`;
    });
  return table + diffs.join('\n');
}
