import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { GitHubPort } from '../../src/github/port.js';
import { OutcomeStore } from '../../src/ledger/outcome-store.js';
import { PrStore } from '../../src/ledger/pr-store.js';
import { RulesStore } from '../../src/ledger/rules-store.js';
import { runScan } from '../../src/scan/scan.js';
import { createMemoryGitHub } from '../../src/testing/memory-github.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';
import { commentedQueue } from './helpers.js';

/**
 * A scan asks for the next page of a search before it reads the PRs of the page it has, so
 * that reading them overlaps GitHub's time: every page is still asked for once and read once,
 * in order, and the queue recorded is the whole queue, windows of the search limit included.
 */

const T0 = Date.parse('2026-06-15T12:00:00Z');
let ledger: TempLedger | undefined;
afterEach(() => ledger?.cleanup());

async function scanLogged(prs: number) {
  const queue = commentedQueue({ author: 'alice', prs, repos: 3 });
  const gh = createMemoryGitHub(queue);
  const log: string[] = [];
  const port = Object.assign(Object.create(gh) as GitHubPort, {
    searchAnswer: ((q, first, after, sizes) => {
      // The window's part of the query (sort, creation time), then the page's cursor.
      const window = q.split(' ').filter((w) => w.startsWith('sort:') || w.startsWith('created:'));
      const page = [...window, after ?? 'start'].join(' ');
      log.push(`ask ${page}`);
      return gh.searchAnswer(q, first, after, sizes).then((answer) => ({
        ...answer,
        read: (known) => (log.push(`read ${page}`), answer.read(known)),
      }));
    }) as GitHubPort['searchAnswer'],
  });
  ledger = tempLedger();
  const summary = await runScan({
    port,
    store: new PrStore(ledger.db),
    rules: new RulesStore(ledger.db),
    outcomes: new OutcomeStore(ledger.db),
    config: configSchema.parse({ watch: { authors: ['alice'], includeDrafts: true } }),
    logger: pino({ level: 'silent' }),
    now: () => T0,
  });
  const open = queue.pullRequests.filter((p) => p.state === 'OPEN').length;
  return { log, summary, open, stored: new PrStore(ledger.db).all().length };
}

describe('the next page asked for before a page is read', () => {
  it('asks for each page once, before reading the one before it, and reads every page in order', async () => {
    const { log, summary, open, stored } = await scanLogged(120);
    expect(log).toEqual(['ask start', 'ask 50', 'read start', 'ask 100', 'read 50', 'read 100']);
    expect(summary).toMatchObject({ status: 'ok', prsSeen: open, newPrs: open });
    expect(stored).toBe(open);
  });

  it('past the search limit, asks for nothing the PRs could change before reading them', async () => {
    const { log, summary, open, stored } = await scanLogged(1_060);
    const asks = log.filter((l) => l.startsWith('ask '));
    // Every request asked for was used: one read per ask, none repeated.
    expect(log.filter((l) => l.startsWith('read ')).map((l) => l.slice(5))).toEqual(
      asks.map((l) => l.slice(4)),
    );
    expect(new Set(asks).size).toBe(asks.length);
    // The new window (from the newest creation time seen) is asked for only after its last page
    // was read.
    const firstWindow = log.findIndex((l) => l.includes('created:'));
    expect(log.slice(0, firstWindow).at(-1)).toMatch(/^read /);
    expect(summary).toMatchObject({ status: 'ok', prsSeen: open });
    expect(stored).toBe(open);
  });
});
