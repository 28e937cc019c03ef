import { describe, expect, it } from 'vitest';
import {
  BURN_SERIES,
  burnSeries,
  ESCALATION_SERIES,
  funnelStages,
  renderPage,
  tokensByOutcome,
  type PageInput,
} from '../../src/html/page.js';
import { barChart, compact, esc, paceChart, stackedColumns } from '../../src/html/svg.js';
import { outcomeReport } from '../../src/rules/outcome-report.js';
import type { Outcome, OutcomeRow } from '../../src/core/outcome.js';
import type { FunnelReport } from '../../src/rules/reports.js';
import type { TokenReport } from '../../src/core/token-report.js';

describe('burnSeries', () => {
  it('stacks each day by bucket, in the order of the largest buckets', () => {
    const b = burnSeries(
      ['2026-06-01', '2026-06-02'],
      [
        { day: '2026-06-01', bucket: 'small', tokens: 5 },
        { day: '2026-06-01', bucket: 'big', tokens: 100 },
        { day: '2026-06-02', bucket: 'big', tokens: 20 },
      ],
    );
    expect(b).toEqual({
      series: ['big', 'small'],
      days: [
        { label: '2026-06-01', values: [100, 5] },
        { label: '2026-06-02', values: [20, 0] },
      ],
    });
  });

  it('sums the buckets past the largest into "other", keeping each day total', () => {
    const rows = Array.from({ length: BURN_SERIES + 3 }, (_, i) => ({
      day: 'd',
      bucket: `b${i}`,
      tokens: 100 - i,
    }));
    const b = burnSeries(['d'], rows);
    expect(b.series).toHaveLength(BURN_SERIES);
    expect(b.series.at(-1)).toBe('other');
    const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
    expect(sum(b.days[0]!.values)).toBe(sum(rows.map((r) => r.tokens)));
    expect(b.days[0]!.values.at(-1)).toBe(sum(rows.slice(BURN_SERIES - 1).map((r) => r.tokens)));
  });

  it.each([
    {
      name: 'a part of a bucket',
      escalated: [{ day: 'd1', bucket: 'pr-loop', tokens: 30 }],
      want: {
        series: ['nightly', 'pr-loop', ESCALATION_SERIES],
        days: [
          { label: 'd1', values: [50, 70, 30] },
          { label: 'd2', values: [40, 0, 0] },
        ],
      },
    },
    {
      name: 'all of a bucket (it leaves the stacks)',
      escalated: [
        { day: 'd1', bucket: 'pr-loop', tokens: 100 },
        { day: 'd2', bucket: 'nightly', tokens: 15 },
      ],
      want: {
        series: ['nightly', ESCALATION_SERIES],
        days: [
          { label: 'd1', values: [50, 100] },
          { label: 'd2', values: [25, 15] },
        ],
      },
    },
    {
      name: 'none (no series of its own)',
      escalated: [],
      want: {
        series: ['pr-loop', 'nightly'],
        days: [
          { label: 'd1', values: [100, 50] },
          { label: 'd2', values: [0, 40] },
        ],
      },
    },
  ])('takes escalation tokens out of their buckets into a series: $name', ({ escalated, want }) => {
    const all = [
      { day: 'd1', bucket: 'pr-loop', tokens: 100 },
      { day: 'd1', bucket: 'nightly', tokens: 50 },
      { day: 'd2', bucket: 'nightly', tokens: 40 },
    ];
    expect(burnSeries(['d1', 'd2'], all, escalated)).toEqual(want);
  });
});

const row = (id: number, outcome: Outcome, tokens: number | null): OutcomeRow => ({
  id,
  nodeId: `PR_${id}`,
  repo: 'o/r',
  number: id,
  agent: 'codex',
  model: null,
  session: 'succeeded',
  outcome,
  reason: null,
  fingerprints: [`ci_failure:${id}`],
  startedAt: id * 1000,
  settledAt: null,
  tokens,
});

describe('tokensByOutcome', () => {
  it('sums the tokens of each outcome from the same report as `report outcomes`', () => {
    const report = outcomeReport(
      [
        row(1, 'resolved', 300),
        row(2, 'resolved', 200),
        row(3, 'unresolved', 50),
        row(4, 'not_applied', null),
      ],
      null,
    );
    expect(tokensByOutcome(report)).toEqual([
      { outcome: 'resolved', sessions: 2, tokens: 500 },
      { outcome: 'unresolved', sessions: 1, tokens: 50 },
      { outcome: 'not_applied', sessions: 1, tokens: 0 },
    ]);
  });
});

const funnel: FunnelReport = {
  observations: 40,
  candidates: 12,
  suppressed: { zombie: 2, below_threshold: 3 },
  waiting: 1,
  actedOn: 6,
  byKind: [],
  cost: {
    sessions: 6,
    sessionsWithUsage: 5,
    tokens: 900,
    mergedPrs: 1,
    perMergedPr: 900,
    tokensOnMerged: 400,
    tokensOnClosedUnmerged: 100,
    tokensOnOpen: 400,
    byKind: [],
    byTier: [],
  },
};

describe('funnelStages', () => {
  it('lists observations, candidates, each suppression reason (largest first), waiting, acted on, resolved', () => {
    expect(funnelStages(funnel, 4).map((s) => [s.label, s.value])).toEqual([
      ['signal observations', 40],
      ['distinct candidates', 12],
      ['suppressed: below threshold', 3],
      ['suppressed: zombie', 2],
      ['waiting for dispatch', 1],
      ['acted on', 6],
      ['resolved', 4],
    ]);
  });
});

describe('svg', () => {
  it.each([
    [999, '999'],
    [1500, '1.5k'],
    [12_345, '12k'],
    [1_234_567, '1.2M'],
    [3_000_000_000, '3.0G'],
  ])('compact(%d) is %s', (n, text) => expect(compact(n)).toBe(text));

  it('escapes markup in text', () => {
    expect(esc(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('draws one bar per row, to scale, with escaped labels and a title', () => {
    const s = barChart('Top <buckets>', [
      { label: '<script>', value: 100 },
      { label: 'half', value: 50 },
    ]);
    expect(s).toContain('<title>Top &lt;buckets&gt;</title>');
    expect(s).not.toContain('<script>');
    const widths = [...s.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBeCloseTo(widths[1]! * 2, 0);
  });

  it('stacks the columns of a day on each other', () => {
    const s = stackedColumns('Burn', ['a', 'b'], [{ label: '2026-06-01', values: [10, 30] }]);
    const heights = [
      ...s.matchAll(
        /<rect class="s\d" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>/g,
      ),
    ].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo(heights[0]! * 3, 0);
  });

  it.each([
    [
      { usedPercent: 40, expectedPercent: 50 },
      'codex: 40.0% used, 50.0% expected by now, under',
      true,
    ],
    [
      { usedPercent: null, expectedPercent: null },
      'codex: unknown used, unknown expected by now, under',
      false,
    ],
  ])('paces a week: %o', (figures, title, drawsUse) => {
    const s = paceChart({
      provider: 'codex',
      verdict: 'under',
      band: { min: 80, max: 100 },
      checkpoints: [{ afterDays: 2, dayName: 'wednesday' }],
      resetsAt: null,
      ...figures,
    });
    expect(s).toContain(`aria-label="${title}"`);
    expect(s).toContain('class="expected"');
    expect(s).toContain('>wed<');
    expect(s.includes('<circle class="used v-under"')).toBe(drawsUse);
  });
});

const tokens = (by: TokenReport['by'], groups: [string, number][]): TokenReport => ({
  by,
  total: {
    tokens: groups.reduce((s, [, t]) => s + t, 0),
    events: groups.length,
    unpricedTokens: 0,
  },
  groups: groups.map(([key, t]) => ({ key, tokens: t, events: 1, unpricedTokens: 0 })),
});

describe('renderPage', () => {
  const input: PageInput = {
    generatedAt: '2026-06-03T10:00:00.000Z',
    since: null,
    byBucket: tokens('bucket', [
      ['<img src=x>', 700],
      ['nightly', 300],
    ]),
    byDay: tokens('day', [['2026-06-01', 1000]]),
    byPr: tokens('pr', [['o/r#1', 600]]),
    dayBuckets: [
      { day: '2026-06-01', bucket: '<img src=x>', tokens: 700 },
      { day: '2026-06-01', bucket: 'nightly', tokens: 300 },
    ],
    dayEscalations: [{ day: '2026-06-01', bucket: 'nightly', tokens: 120 }],
    pace: [],
    funnel,
    outcomes: outcomeReport([row(1, 'resolved', 300)], null),
    prInfo: (key) =>
      key === 'o/r#1'
        ? { url: 'https://github.com/o/r/pull/1', state: 'OPEN', tier: 'watch' }
        : undefined,
  };
  const html = renderPage(input);

  it('is self-contained: no script, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|src="http|url\(/i);
  });

  it('shows the totals and each bucket with its exact value, untrusted names inert', () => {
    expect(html).toContain('data-figure="total-tokens" data-value="1000">1,000<');
    expect(html).toContain('data-figure="bucket:&lt;img src=x&gt;" data-value="700"');
    expect(html).not.toContain('<img');
  });

  it('shows the escalation sessions of each day as a series of their own', () => {
    expect(html).toContain('data-figure="escalation-day:2026-06-01" data-value="120"');
    expect(html).toContain(`>${ESCALATION_SERIES}</text>`);
  });

  it('links each top PR to GitHub with its tier and state', () => {
    expect(html).toContain('<a href="https://github.com/o/r/pull/1">o/r#1</a>');
    expect(html).toMatch(
      /o\/r#1<\/a><\/td><td><span[^>]*>600<\/span><\/td><td>watch<\/td><td>open</,
    );
  });

  it('gives every chart a text alternative', () => {
    const charts = html.match(/<svg /g)?.length ?? 0;
    expect(charts).toBeGreaterThanOrEqual(4);
    expect(html.match(/<svg [^>]*role="img" aria-label="[^"]+"/g)).toHaveLength(charts);
  });
});

describe('renderPage: the pace section', () => {
  const week = {
    usedPercent: 40,
    expectedPercent: 50,
    verdict: 'on-pace',
    band: { min: 80, max: 100 },
    checkpoints: [],
    resetsAt: '2026-06-08T00:00:00.000Z',
  };
  const base: PageInput = {
    generatedAt: '2026-06-03T10:00:00.000Z',
    since: null,
    byBucket: tokens('bucket', []),
    byDay: tokens('day', []),
    byPr: tokens('pr', []),
    dayBuckets: [],
    dayEscalations: [],
    pace: [],
    funnel,
    outcomes: outcomeReport([], null),
    prInfo: () => undefined,
  };

  it.each<[string, string | null, RegExp, RegExp]>([
    [
      'a priced subscription shows what its tokens were worth, inert',
      '$412 of API use for $200 this billing month (2.06×) <b>',
      /data-figure="value:claude">\$412 of API use for \$200 this billing month \(2\.06×\) &lt;b&gt;<\/p>/,
      /\(2\.06×\) <b>/,
    ],
    [
      'no monthlyPrice: the table says so and no value is drawn',
      null,
      /<td><span class="muted">no monthlyPrice<\/span><\/td>/,
      /data-figure="value:/,
    ],
  ])('%s', (_name, value, shown, absent) => {
    const html = renderPage({ ...base, pace: [{ ...week, provider: 'claude', value }] });
    expect(html).toMatch(shown);
    expect(html).not.toMatch(absent);
  });
});
