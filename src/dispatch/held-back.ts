/**
 * What `radar scan --dispatch` says when flagged PRs got no agent: pure, so cron's view of it
 * (stderr and the exit code) is decided here and table-tested.
 */
import { ExitCode } from '../core/errors.js';
import { inert } from '../render/inert.js';
import type { DispatchResult } from './dispatch.js';

export interface HeldBackReport {
  /** Lines for stderr, without the `radar: ` prefix. */
  lines: string[];
  /** The exit code `radar scan --dispatch` ends with, given the scan's own. */
  code: number;
}

const SHOWN = 10;

function listed(prs: readonly string[]): string {
  const more = prs.length - SHOWN;
  return prs.slice(0, SHOWN).join(', ') + (more > 0 ? `, and ${more} more (radar queue)` : '');
}

const flaggedPrs = (n: number) => `${n} flagged PR${n === 1 ? '' : 's'}`;

/**
 * - A flagged PR left without an agent because no agent command is on PATH is a setup problem
 *   (cron's short PATH, most often): always said, with the PATH radar looked in, and the exit
 *   code is ExitCode.notDispatched unless the scan itself failed.
 * - An agent held back for a run on a model outside its allowlist waits for the user: the hold
 *   is always said, with its reason, and a flagged PR it left without an agent makes the exit
 *   code ExitCode.notDispatched (unless the scan itself failed), as a missing agent does.
 * - PRs held back by the budget or the pace are said when nothing at all was dispatched (a cron
 *   job that quietly does nothing all week is the failure to avoid); budget, pace and policy
 *   (max, concurrency, a stopped PR, signals already acted on) never change the exit code.
 */
export function heldBackReport(
  results: readonly DispatchResult[],
  scanCode: number,
  path: string | undefined,
  holds: readonly { agent: string; reason: string }[] = [],
): HeldBackReport {
  const started = results.some((r) => r.status !== 'skipped');
  const groups = new Map<string, { suppressed: string; prs: string[] }>();
  for (const r of results) {
    if (r.status !== 'skipped') continue;
    const { suppressed } = r;
    if (!suppressed) continue;
    const spending = suppressed === 'budget' || suppressed === 'pace';
    const always = suppressed === 'no-agent' || suppressed === 'model';
    if (!always && (!spending || started)) continue;
    // A hold's reason is said once, on its own line, below.
    const reason =
      suppressed === 'model' ? 'agent held back (model outside its allowlist)' : r.reason;
    const key = `${suppressed}\n${reason ?? ''}`;
    const group = groups.get(key) ?? { suppressed, prs: [] };
    group.prs.push(r.pr);
    groups.set(key, group);
  }
  const lines: string[] = [];
  let noAgent = false;
  let waitsForUser = false;
  for (const [key, { suppressed, prs }] of groups) {
    const reason = key.slice(key.indexOf('\n') + 1);
    lines.push(`${flaggedPrs(prs.length)} not dispatched: ${reason}: ${listed(prs)}`);
    if (suppressed === 'no-agent') noAgent = true;
    if (suppressed === 'model') waitsForUser = true;
  }
  for (const h of holds) lines.push(`${h.agent} held back: ${inert(h.reason)}`);
  if (noAgent)
    lines.push(
      `no agent command was found on PATH (${path || 'empty'}): set PATH in the crontab or ` +
        'agents.<name>.command to a full path (radar doctor shows where they are)',
    );
  const failed = scanCode !== ExitCode.ok && scanCode !== ExitCode.flagged;
  return {
    lines,
    code: (noAgent || waitsForUser) && !failed ? ExitCode.notDispatched : scanCode,
  };
}
