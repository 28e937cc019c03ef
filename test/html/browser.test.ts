import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { generateDemoCorpus } from '../../src/demo/corpus.js';
import { ROOT, runRadar, tempTree } from '../helpers/cli.js';

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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  tree?.cleanup();
});

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
      const figures = Object.fromEntries(
        await tab.$$eval('[data-figure]', (all) =>
          all.map((e) => [
            e.getAttribute('data-figure'),
            [Number(e.getAttribute('data-value')), e.textContent],
          ]),
        ),
      ) as Record<string, [number, string]>;
      const shown = (n: number) => n.toLocaleString('en-US');
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
