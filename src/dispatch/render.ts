/** Text for the dispatch commands and the demo: escalation rows and dispatch results. */
import type { Escalation } from '../core/verdict.js';
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

export function renderEscalations(rows: readonly Escalation[], color: boolean): string {
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
      { header: 'signals', max: 40 },
      { header: 'reason', max: 50 },
    ],
    rows.map((e) => [
      String(e.id),
      `${e.repo}#${e.number}`,
      e.agent,
      e.outcome,
      tokens(e.tokens),
      e.fingerprints.join(' '),
      e.reason ?? '',
    ]),
    { color },
  );
}

export function renderApprovals(rows: readonly Approval[], color: boolean): string {
  return renderTable(
    [
      { header: 'id', align: 'right' },
      { header: 'PR' },
      { header: 'action' },
      { header: 'status' },
      { header: 'what', max: 60 },
    ],
    rows.map((a) => [
      String(a.id),
      `${a.repo}#${a.number}`,
      a.action,
      a.status,
      a.action === 'comment' ? `"${a.body ?? ''}"` : (a.reason ?? ''),
    ]),
    { color },
  );
}
