import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateDemoCorpus } from '../../src/demo/corpus.js';
import { ROOT, runCli, runRadar, tempTree } from '../helpers/cli.js';

/**
 * The page in a real browser (Debian's chromium, driven by playwright-core; .ci/run installs it):
 * it loads from file:// with no console error and no request, every chart drew, and the figures
 * it shows are those of `radar report tokens --json` for the same ledger.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');

let tree: ReturnType<typeof tempTree>;
let browser: Browser;
let page: string;
let outcomes: { sessions: number };
/** The PR loop's ledger (`radar demo --keep`): escalations, outcomes, the funnel. */
let loopPage: string;
let loopTokens: { total: { tokens: number } };
let loopOutcomes: {
  sessions: number;
  judged: number;
  tokens: number;
  tokensPerResolvedSignal: number | null;
  byOutcome: Record<string, number>;
  escalations: { outcome: string; tokens: number | null }[];
};
const kept: string[] = [];
let tokens: {
  total: { tokens: number; events: number };
  groups: { key: string; tokens: number }[];
};

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  tree = tempTree({
    'radar.json': JSON.stringify({
      budget: {
        providers: [
          { name: 'codex', agent: 'codex' },
          { name: 'claude', agent: 'claude', weeklyTokens: 40_000_000 },
        ],
      },
    }),
  });
  await generateDemoCorpus(join(tree.dir, 'logs'), new Date());
  const global = ['--ledger', join(tree.dir, 'radar.db'), '--config', join(tree.dir, 'radar.json')];
  expect((await runRadar([...global, 'ingest', join(tree.dir, 'logs')])).code).toBe(0);
  page = join(tree.dir, 'page.html');
  const html = await runRadar([...global, 'report', 'html', '--out', page]);
  expect(html.stdout.trim()).toBe(page);
  const json = await runRadar([...global, 'report', 'tokens', '--json']);
  tokens = JSON.parse(json.stdout) as typeof tokens;
  outcomes = JSON.parse((await runRadar([...global, 'report', 'outcomes', '--json'])).stdout) as {
    sessions: number;
  };

  const demo = await runCli(['demo', '--keep'], {
    cwd: tree.dir,
    env: { PATH: process.env.PATH },
    timeoutMs: 150_000,
  });
  expect(demo.code, demo.stderr).toBe(0);
  // The kept folder and the folder of the demo's own pages go when the tests end.
  const dir = /kept in (\S+): radar\.db/.exec(demo.stdout)?.[1];
  const pages = /as a page [^\n]*: (\S+)\/\w+\.html/.exec(demo.stdout)?.[1];
  kept.push(...[dir, pages].filter((d): d is string => d !== undefined));
  expect(dir, demo.stdout).toBeDefined();
  const loop = ['--ledger', join(dir!, 'loop', 'radar.db')];
  loopPage = join(tree.dir, 'loop.html');
  expect((await runRadar([...loop, 'report', 'html', '--out', loopPage])).code).toBe(0);
  loopTokens = JSON.parse(
    (await runRadar([...loop, 'report', 'tokens', '--json'])).stdout,
  ) as typeof loopTokens;
  loopOutcomes = JSON.parse(
    (await runRadar([...loop, 'report', 'outcomes', '--json'])).stdout,
  ) as typeof loopOutcomes;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  tree?.cleanup();
  for (const d of kept) rmSync(d, { recursive: true, force: true });
});

/** The figures a page shows: name → [exact value, shown text]. */
async function figuresOf(tab: Page): Promise<Record<string, [number, string]>> {
  return Object.fromEntries(
    await tab.$$eval('[data-figure]', (all) =>
      all.map((e) => [
        e.getAttribute('data-figure'),
        [Number(e.getAttribute('data-value')), e.textContent],
      ]),
    ),
  ) as Record<string, [number, string]>;
}
const shown = (n: number) => n.toLocaleString('en-US');

describe('radar report html in chromium', () => {
  it.each([
    [1280, 800],
    [390, 844],
  ])(
    'loads offline at %d×%d, draws every chart and shows the token report figures',
    async (width, height) => {
      const context = await browser.newContext({ viewport: { width, height }, offline: true });
      const tab = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(page).href;
      await tab.goto(url);

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      const charts = await tab.$$eval('svg.chart', (all) =>
        all.map((s) => ({
          label: s.getAttribute('aria-label'),
          shapes: s.querySelectorAll('rect, line, circle, polygon').length,
          width: s.getBoundingClientRect().width,
        })),
      );
      // Pace (two providers), burn, PR outcomes, funnel, top buckets (the corpus has no PR sessions).
      expect(charts.length).toBeGreaterThanOrEqual(6);
      for (const c of charts) {
        expect(c.label).toBeTruthy();
        expect(c.shapes).toBeGreaterThan(0);
        expect(c.width).toBeGreaterThan(0);
        expect(c.width).toBeLessThanOrEqual(width);
      }
      const figures = await figuresOf(tab);
      expect(figures['total-tokens']).toEqual([tokens.total.tokens, shown(tokens.total.tokens)]);
      expect(figures['total-events']).toEqual([tokens.total.events, shown(tokens.total.events)]);
      expect(figures.escalations).toEqual([outcomes.sessions, shown(outcomes.sessions)]);
      const buckets = tokens.groups.slice(0, 10);
      expect(buckets.length).toBeGreaterThan(1);
      for (const g of buckets)
        expect(figures[`bucket:${g.key}`]).toEqual([g.tokens, shown(g.tokens)]);
      // No page wider than the screen: readable on a phone.
      expect(
        await tab.evaluate<number>('document.documentElement.scrollWidth'),
      ).toBeLessThanOrEqual(width);

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, `report-html-${width}x${height}.png`);
      await tab.screenshot({ path: shot, fullPage: true });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      await context.close();
    },
  );
});

describe('radar report html of the PR loop in chromium', () => {
  it('shows the figures of `radar report outcomes --json` and draws the outcome and funnel charts', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      offline: true,
    });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(pathToFileURL(loopPage).href);
    expect(errors).toEqual([]);

    const o = loopOutcomes;
    expect(o.sessions).toBeGreaterThan(0);
    expect(o.judged).toBeGreaterThan(0);
    const figures = await figuresOf(tab);
    expect(figures['total-tokens']).toEqual([
      loopTokens.total.tokens,
      shown(loopTokens.total.tokens),
    ]);
    expect(figures.escalations).toEqual([o.sessions, shown(o.sessions)]);
    expect(figures.judged).toEqual([o.judged, shown(o.judged)]);
    expect(figures.resolved).toEqual([o.byOutcome.resolved, shown(o.byOutcome.resolved!)]);
    expect(figures['escalation-tokens']).toEqual([o.tokens, shown(o.tokens)]);
    expect(figures['per-resolved-signal']?.[0]).toBe(o.tokensPerResolvedSignal);
    const outcomes = Object.entries(o.byOutcome).filter(([, n]) => n > 0);
    expect(outcomes.length).toBeGreaterThan(1);
    for (const [outcome, n] of outcomes) {
      const tokens = o.escalations
        .filter((e) => e.outcome === outcome)
        .reduce((s, e) => s + (e.tokens ?? 0), 0);
      expect(figures[`outcome:${outcome}`]).toEqual([n, shown(n)]);
      expect(figures[`outcome-tokens:${outcome}`]).toEqual([tokens, shown(tokens)]);
    }

    // The outcome and funnel charts drew bars; the burn chart has the escalation sessions' series.
    const bars = async (label: string) =>
      tab.$$eval(
        `svg.chart[aria-label="${label}"] rect`,
        (all) => all.filter((r) => Number(r.getAttribute('width')) > 0).length,
      );
    expect(await bars('Tokens per escalation outcome')).toBeGreaterThanOrEqual(outcomes.length);
    expect(await bars('Signal funnel')).toBeGreaterThan(2);
    expect(await tab.locator('#burn svg.chart').textContent()).toContain('escalation sessions');

    mkdirSync(ARTIFACTS, { recursive: true });
    await tab.screenshot({
      path: join(ARTIFACTS, 'report-html-loop-1280x800.png'),
      fullPage: true,
    });
    await context.close();
  });
});
