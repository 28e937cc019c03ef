/**
 * `radar report html`: the figures of the text reports (tokens, budget, funnel, outcomes) laid
 * out as one self-contained page. Pure: the command gathers the figures with the same functions
 * as the text and --json reports, and this turns them into charts, tables and markup.
 */
import type { TokenReport } from '../core/token-report.js';
import { OUTCOMES, type Outcome } from '../core/outcome.js';
import type { FunnelReport } from '../rules/reports.js';
import type { OutcomeReport } from '../rules/outcome-report.js';
import { barChart, esc, paceChart, stackedColumns, type Bar, type PaceFigure } from './svg.js';

export interface PageInput {
  generatedAt: string;
  since: string | null;
  /** `radar report tokens --by bucket`, `--by day` and `--by pr` for the same range. */
  byBucket: TokenReport;
  byDay: TokenReport;
  byPr: TokenReport;
  /** Tokens per day and bucket (the burn chart's stacks); their sums are the day totals. */
  dayBuckets: readonly { day: string; bucket: string; tokens: number }[];
  /** The part of `dayBuckets` tied to an escalation: drawn as a series of its own. */
  dayEscalations: readonly { day: string; bucket: string; tokens: number }[];
  /** Each provider's week; `value`: what its subscription was worth this billing month, in words. */
  pace: readonly (PaceFigure & { value?: string | null })[];
  funnel: FunnelReport;
  outcomes: OutcomeReport;
  /** Tier and state of a PR (`owner/name#12`), when the ledger knows it. */
  prInfo: (key: string) => { tier?: string; state?: string; url?: string } | undefined;
}

/** Colours of the escalation outcomes: resolved green, unresolved red, not applied grey. */
const OUTCOME_SERIES: Partial<Record<Outcome, number>> = {
  resolved: 2,
  unresolved: 3,
  not_applied: 5,
};

/** The series of the burn chart: the largest buckets, then the rest as `other`. */
export const BURN_SERIES = 6;

export interface Burn {
  series: string[];
  days: { label: string; values: number[] }[];
}

/** The burn chart's series of the tokens tied to an escalation. */
export const ESCALATION_SERIES = 'escalation sessions';

type DayTokens = { day: string; bucket: string; tokens: number };

/**
 * Tokens per day stacked by bucket: the largest buckets apart, the others summed, and the tokens
 * tied to an escalation (`escalated`, a part of `rows`) taken out of their buckets into a series
 * of their own, so each day's stack still sums to its total.
 */
export function burnSeries(
  days: readonly string[],
  all: readonly DayTokens[],
  escalated: readonly DayTokens[] = [],
): Burn {
  const key = (r: DayTokens) => `${r.day}\u0000${r.bucket}`;
  const taken = new Map<string, number>();
  for (const r of escalated) taken.set(key(r), (taken.get(key(r)) ?? 0) + r.tokens);
  const rows = all
    .map((r) => ({ ...r, tokens: r.tokens - (taken.get(key(r)) ?? 0) }))
    .filter((r) => r.tokens !== 0);
  const perBucket = new Map<string, number>();
  for (const r of rows) perBucket.set(r.bucket, (perBucket.get(r.bucket) ?? 0) + r.tokens);
  const ranked = [...perBucket.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
  const kept = ranked.length > BURN_SERIES ? ranked.slice(0, BURN_SERIES - 1) : ranked;
  const series = ranked.length > kept.length ? [...kept, 'other'] : kept;
  const index = new Map(kept.map((k, i) => [k, i] as const));
  const byDay = new Map(days.map((d) => [d, series.map(() => 0)] as const));
  for (const r of rows) {
    const values = byDay.get(r.day);
    if (values) values[index.get(r.bucket) ?? series.length - 1]! += r.tokens;
  }
  const burn = { series, days: days.map((d) => ({ label: d, values: byDay.get(d)! })) };
  if (escalated.length === 0) return burn;
  const perDay = new Map<string, number>();
  for (const r of escalated) perDay.set(r.day, (perDay.get(r.day) ?? 0) + r.tokens);
  return {
    series: [...series, ESCALATION_SERIES],
    days: burn.days.map((d) => ({
      label: d.label,
      values: [...d.values, perDay.get(d.label) ?? 0],
    })),
  };
}

/** Tokens and sessions per escalation outcome, from the sessions `report outcomes` lists. */
export function tokensByOutcome(
  r: Pick<OutcomeReport, 'escalations' | 'byOutcome'>,
): { outcome: Outcome; sessions: number; tokens: number }[] {
  return OUTCOMES.map((outcome) => ({
    outcome,
    sessions: r.byOutcome[outcome],
    tokens: r.escalations
      .filter((e) => e.outcome === outcome)
      .reduce((s, e) => s + (e.tokens ?? 0), 0),
  })).filter((o) => o.sessions > 0);
}

/** The funnel's stages as bars: observations → candidates → suppressed (by reason) → acted on → resolved. */
export function funnelStages(f: FunnelReport, resolved: number): Bar[] {
  const suppressed = Object.entries(f.suppressed)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  return [
    { label: 'signal observations', value: f.observations, series: 0 },
    { label: 'distinct candidates', value: f.candidates, series: 0 },
    ...suppressed.map(([reason, n]) => ({
      label: `suppressed: ${reason.replaceAll('_', ' ')}`,
      value: n ?? 0,
      series: 3,
    })),
    { label: 'waiting for dispatch', value: f.waiting, series: 5 },
    { label: 'acted on', value: f.actedOn, series: 1 },
    { label: 'resolved', value: resolved, series: 2 },
  ];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`);
/** A figure the browser test reads back: its shown text and its exact value. */
const figure = (name: string, value: number, text = int(value)) =>
  `<span data-figure="${esc(name)}" data-value="${value}">${esc(text)}</span>`;

function table(caption: string, head: readonly string[], rows: readonly string[][]): string {
  return (
    `<details><summary>${esc(caption)} as a table</summary><table><thead><tr>` +
    head.map((h) => `<th>${esc(h)}</th>`).join('') +
    `</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
    `</tbody></table></details>`
  );
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;--bg:#fff;--card:#f5f6f8;--line:#c9ced6;
--s0:#3867d6;--s1:#e58e26;--s2:#20a35a;--s3:#c0392b;--s4:#8e44ad;--s5:#7f8c8d;--s6:#16a2b8;--s7:#b7950b}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa3b2;--bg:#14171c;--card:#1e232b;--line:#3a414d;
--s0:#6d95f2;--s1:#f0a656;--s2:#4cc585;--s3:#ec6b5e;--s4:#b27ad1;--s5:#a2acb0;--s6:#4fc8dc;--s7:#e2c04b}}
body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1080px;margin:0 auto;padding:16px}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
.muted{color:var(--muted)}.totals{display:flex;flex-wrap:wrap;gap:12px}
.totals div{background:var(--card);padding:8px 12px;border-radius:6px}.totals b{display:block;font-size:1.3em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
section{background:var(--card);border-radius:8px;padding:8px 12px;margin:12px 0;overflow-x:auto}
svg.chart{width:100%;height:auto;max-width:720px;display:block}
svg text{fill:var(--fg);font-size:12px}svg .tick{fill:var(--muted);font-size:11px}
svg .axis,svg .grid,svg .checkpoint,svg .reset{stroke:var(--line)}svg .checkpoint{stroke-dasharray:3 3}
svg .reset{stroke-width:2}svg .expected{stroke:var(--muted);stroke-dasharray:6 4}
svg .band{fill:var(--s2);opacity:.18}svg line.used{stroke:var(--s0);stroke-width:3}svg circle.used{fill:var(--s0)}
svg .used.v-over,svg .used.v-exhausted{stroke:var(--s3);fill:var(--s3)}svg .used.v-under{stroke:var(--s1);fill:var(--s1)}
${[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `svg .s${i}{fill:var(--s${i})}`).join('')}
table{border-collapse:collapse;margin:6px 0}td,th{padding:2px 8px;border-bottom:1px solid var(--line);text-align:left}
td:not(:first-child){text-align:right}a{color:var(--s0)}summary{cursor:pointer;color:var(--muted)}
`;

/** The whole page: styles and charts inline, no script, no request at view time. */
export function renderPage(input: PageInput): string {
  const { byBucket, byDay, byPr, funnel, outcomes } = input;
  const total = byBucket.total;
  const days = [...byDay.groups].map((g) => g.key).sort();
  const burn = burnSeries(days, input.dayBuckets, input.dayEscalations);
  const perOutcome = tokensByOutcome(outcomes);
  const escalatedOn = new Map<string, number>();
  for (const r of input.dayEscalations)
    escalatedOn.set(r.day, (escalatedOn.get(r.day) ?? 0) + r.tokens);
  const cost = funnel.cost;
  const prOutcomes: Bar[] = [
    { label: 'merged', value: cost.tokensOnMerged, series: 2 },
    { label: 'still open', value: cost.tokensOnOpen, series: 0 },
    { label: 'closed unmerged', value: cost.tokensOnClosedUnmerged, series: 3 },
  ];
  const stages = funnelStages(funnel, outcomes.byOutcome.resolved);
  // Tokens tied to no PR are a group of their own in the report (`(none)`): not a spender.
  const topPrs = byPr.groups.filter((g) => /#\d+$/.test(g.key)).slice(0, 10);
  const topBuckets = byBucket.groups.slice(0, 10);
  const prLink = (key: string) => {
    const url = input.prInfo(key)?.url;
    return url && /^https:\/\//.test(url) ? `<a href="${esc(url)}">${esc(key)}</a>` : esc(key);
  };
  const sections: string[] = [];

  sections.push(
    `<section id="pace"><h2>Is each subscription on pace this week?</h2>` +
      (input.pace.length
        ? `<div class="grid">${input.pace.map((p) => `<div><b>${esc(p.provider)}</b> <span class="muted">${esc(p.verdict)}</span>${paceChart(p)}${p.value ? `<p data-figure="value:${esc(p.provider)}">${esc(p.value)}</p>` : ''}</div>`).join('')}</div>` +
          `<p class="muted">Dashed: the expected use if spread evenly to the reset; shaded: the target band at the reset (${input.pace[0]!.band.min}–${input.pace[0]!.band.max}%); dotted: checkpoint days.</p>` +
          table(
            'Pace',
            ['provider', 'used', 'expected', 'verdict', 'resets', 'value this billing month'],
            input.pace.map((p) => [
              esc(p.provider),
              p.usedPercent === null ? '?' : `${p.usedPercent.toFixed(1)}%`,
              p.expectedPercent === null ? '?' : `${p.expectedPercent.toFixed(1)}%`,
              esc(p.verdict),
              esc(p.resetsAt ?? '?'),
              // No monthlyPrice configured for the account: nothing to weigh the tokens against.
              p.value ? esc(p.value) : '<span class="muted">no monthlyPrice</span>',
            ]),
          )
        : `<p class="muted">No budget providers configured.</p>`) +
      `</section>`,
  );

  sections.push(
    `<section id="burn"><h2>Where did the tokens go? Tokens per day, by bucket</h2>` +
      `<p class="muted">Escalation sessions (agents radar dispatched) are a series of their own, taken out of their buckets.</p>` +
      (days.length
        ? stackedColumns(
            'Tokens per day, stacked by bucket, escalation sessions apart',
            burn.series,
            burn.days,
          )
        : `<p class="muted">No token events in this period.</p>`) +
      table(
        'Tokens per day',
        ['day', 'tokens', 'events', ESCALATION_SERIES],
        [...byDay.groups]
          .sort((a, b) => (a.key < b.key ? -1 : 1))
          .map((g) => [
            esc(g.key),
            figure(`day:${g.key}`, g.tokens),
            int(g.events),
            figure(`escalation-day:${g.key}`, escalatedOn.get(g.key) ?? 0),
          ]),
      ) +
      `</section>`,
  );

  sections.push(
    `<section id="outcomes"><h2>What did they buy?</h2>` +
      `<p>Agent-session tokens by the PR's state: ${figure('session-tokens', cost.tokens)} tokens in ${int(cost.sessions)} sessions; ` +
      `per merged PR ${cost.perMergedPr === null ? 'no PR merged yet' : `${figure('per-merged-pr', cost.perMergedPr)} (all tokens over ${int(cost.mergedPrs)} merged)`}.</p>` +
      barChart('Agent-session tokens by PR outcome', prOutcomes) +
      `<p>Escalations by outcome: ${figure('escalations', outcomes.sessions)} sessions, resolution rate ${pct(outcomes.resolutionRate)} ` +
      `(${figure('resolved', outcomes.byOutcome.resolved)} of ${figure('judged', outcomes.judged)} judged); ` +
      `${figure('escalation-tokens', outcomes.tokens)} tokens; tokens per resolved signal ` +
      `${outcomes.tokensPerResolvedSignal === null ? '–' : figure('per-resolved-signal', outcomes.tokensPerResolvedSignal)}.</p>` +
      (perOutcome.length
        ? barChart(
            'Tokens per escalation outcome',
            perOutcome.map((o) => ({
              label: o.outcome.replaceAll('_', ' '),
              value: o.tokens,
              series: OUTCOME_SERIES[o.outcome] ?? 0,
              note: `${o.sessions} session${o.sessions === 1 ? '' : 's'}`,
            })),
          )
        : `<p class="muted">No agent sessions yet.</p>`) +
      table(
        'Outcomes',
        ['outcome', 'sessions', 'tokens'],
        [
          ...prOutcomes.map((b) => [`PR ${esc(b.label)}`, '', int(b.value)]),
          ...perOutcome.map((o) => [
            `escalation ${esc(o.outcome.replaceAll('_', ' '))}`,
            figure(`outcome:${o.outcome}`, o.sessions),
            figure(`outcome-tokens:${o.outcome}`, o.tokens),
          ]),
        ],
      ) +
      `</section>`,
  );

  sections.push(
    `<section id="funnel"><h2>Funnel: from signals to resolved</h2>` +
      barChart('Signal funnel', stages) +
      table(
        'Funnel',
        ['stage', 'count'],
        stages.map((s) => [esc(s.label), int(s.value)]),
      ) +
      `</section>`,
  );

  sections.push(
    `<section id="spenders"><h2>Top spenders</h2>` +
      (topPrs.length
        ? barChart(
            'PRs that cost the most tokens',
            topPrs.map((g) => ({ label: g.key, value: g.tokens, series: 0 })),
          ) +
          `<table><thead><tr><th>PR</th><th>tokens</th><th>tier</th><th>state</th></tr></thead><tbody>` +
          topPrs
            .map((g) => {
              const info = input.prInfo(g.key);
              return `<tr><td>${prLink(g.key)}</td><td>${figure(`pr:${g.key}`, g.tokens)}</td><td>${esc(info?.tier ?? '–')}</td><td>${esc(info?.state?.toLowerCase() ?? '–')}</td></tr>`;
            })
            .join('') +
          `</tbody></table>`
        : '') +
      (topBuckets.length
        ? barChart(
            'Buckets that cost the most tokens',
            topBuckets.map((g) => ({ label: g.key, value: g.tokens, series: 1 })),
          ) +
          table(
            'Buckets',
            ['bucket', 'tokens', 'events'],
            topBuckets.map((g) => [esc(g.key), figure(`bucket:${g.key}`, g.tokens), int(g.events)]),
          )
        : `<p class="muted">No token events in this period.</p>`) +
      `</section>`,
  );

  const cost$ = total.costUsd === undefined ? '' : `$${total.costUsd.toFixed(2)}`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>radar report</title><style>${STYLE}</style></head><body><main>` +
    `<h1>radar: where the tokens went and what they bought</h1>` +
    `<p class="muted">Generated ${esc(input.generatedAt)}${input.since ? `, since ${esc(input.since)}` : ''}.</p>` +
    `<div class="totals"><div>tokens<b>${figure('total-tokens', total.tokens)}</b></div>` +
    `<div>events<b>${figure('total-events', total.events)}</b></div>` +
    (cost$ ? `<div>est. API cost<b>${esc(cost$)}</b></div>` : '') +
    `<div>agent sessions<b>${int(outcomes.sessions)}</b></div>` +
    `<div>resolution rate<b>${pct(outcomes.resolutionRate)}</b></div></div>` +
    sections.join('') +
    `</main></body></html>\n`
  );
}
