import type { Context } from '../context.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { OUTCOMES } from '../core/outcome.js';
import {
  OUTCOME_DIMENSIONS,
  outcomeReport,
  type OutcomeDimension,
  type OutcomeFigures,
  type OutcomeReport,
} from '../rules/outcome-report.js';
import { formatInt, formatPercent, renderTable } from '../render/table.js';
import { machineZone } from '../time/zone.js';
import { DATE_FORMS, parseWhen } from '../time/relative.js';

/** `radar report outcomes`: what each agent session's tokens bought, as later scans judged it. */

interface Options {
  since?: string;
  by?: OutcomeDimension;
}

/** The escalations listed when no --by groups them (the newest; --json has them all). */
const LISTED = 20;

export function run(ctx: Context, options: Options): number {
  if (options.by !== undefined && !OUTCOME_DIMENSIONS.includes(options.by))
    throw new UsageError(`--by: "${options.by}" is not one of ${OUTCOME_DIMENSIONS.join(', ')}`);
  let since = 0;
  if (options.since !== undefined) {
    const zone = ctx.config().timezone ?? machineZone();
    const at = parseWhen(options.since, ctx.now().getTime(), zone);
    if (at === undefined) throw new UsageError(`--since: "${options.since}" is not ${DATE_FORMS}`);
    since = at;
  }
  const report = outcomeReport(
    ctx.existingLedger().outcomes.outcomeRows(since),
    options.by ?? null,
  );
  if (ctx.json) {
    writeJson(ctx, 'report outcomes', { since: options.since ?? null, ...report });
    return 0;
  }
  ctx.stdout.write(renderOutcomes(report, ctx.color));
  return 0;
}

const rate = (r: number | null) => (r === null ? '–' : formatPercent(r, 0));

/** `3 h 12 min`, `2 d 4 h`, `45 min`. */
export function span(ms: number | null): string {
  if (ms === null) return '–';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** The outcome counts in one line: `resolved 2, unresolved 1, not applied 1`. */
export function outcomeCounts(f: Pick<OutcomeFigures, 'byOutcome'>): string {
  const parts = OUTCOMES.filter((o) => f.byOutcome[o] > 0).map(
    (o) => `${o.replace('_', ' ')} ${f.byOutcome[o]}`,
  );
  return parts.length ? parts.join(', ') : 'none yet';
}

/** Words in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The report as text, 80 columns wide. */
export function renderOutcomes(r: OutcomeReport, color = false): string {
  if (r.sessions === 0)
    return 'no agent sessions yet (radar scan --dispatch, or radar escalate, starts them)\n';
  const line = (label: string, value: string) => `${label.padEnd(21)}${value}`;
  const out = [
    line('sessions', formatInt(r.sessions)),
    ...wrap(outcomeCounts(r), 76).map((l) => `  ${l}`),
    line(
      'resolution rate',
      `${rate(r.resolutionRate)} ` +
        (r.judged ? `(${r.byOutcome.resolved} of ${r.judged} judged)` : '(none judged yet)'),
    ),
    line(
      'first try',
      rate(r.firstTryRate) +
        (r.firstTries ? ` (${r.firstTryResolved} of ${r.firstTries} first attempts)` : ''),
    ),
    line('tokens', formatInt(r.tokens)),
    line(
      'per resolved signal',
      r.tokensPerResolvedSignal === null
        ? '–'
        : `${formatInt(r.tokensPerResolvedSignal)} (all tokens over ${r.resolvedSignals} resolved)`,
    ),
    line('resolved nothing', `${formatInt(r.tokensResolvingNothing)} tokens`),
    line('dispatch → resolved', `${span(r.medianToResolutionMs)} (median)`),
    '',
  ];
  if (r.by)
    out.push(
      renderTable(
        [
          { header: r.by, max: 24 },
          { header: 'sessions', align: 'right' },
          { header: 'resolved', align: 'right' },
          { header: 'rate', align: 'right' },
          { header: 'tokens', align: 'right' },
          { header: 'per signal', align: 'right' },
        ],
        r.groups.map((g) => [
          g.key,
          formatInt(g.sessions),
          formatInt(g.byOutcome.resolved),
          rate(g.resolutionRate),
          formatInt(g.tokens),
          g.tokensPerResolvedSignal === null ? '–' : formatInt(g.tokensPerResolvedSignal),
        ]),
        { color },
      ).trimEnd(),
    );
  else {
    const listed = r.escalations.slice(-LISTED);
    out.push(
      renderTable(
        [
          { header: 'id', align: 'right' },
          { header: 'PR', max: 24 },
          { header: 'signal', max: 18 },
          { header: 'agent', max: 6 },
          { header: 'outcome' },
          { header: 'tokens', align: 'right' },
        ],
        listed.map((e) => [
          String(e.id),
          `${e.repo}#${e.number}`,
          e.signal,
          e.agent,
          e.outcome.replace('_', ' '),
          e.tokens === null ? '?' : formatInt(e.tokens),
        ]),
        { color },
      ).trimEnd(),
    );
    if (r.escalations.length > listed.length)
      out.push(`… and ${r.escalations.length - listed.length} older (--json lists them all)`);
  }
  return `${out.join('\n')}\n`;
}
