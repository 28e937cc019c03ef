import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubError, GitHubUnreachableError } from '../../src/github/errors.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import {
  pullRequestNodeId,
  startFakeGitHub,
  type FakeGitHub,
} from '../../src/testing/fake-github/server.js';
import { searchPage } from '../helpers/search-page.js';

/** The Octokit port over HTTP, against the fake GitHub: what crosses the edge. */

const TOKEN = 'ghp_client_test_token';
const MIB = 1024 * 1024;
const sizes = { reviews: 10, comments: 10, checks: 10, issues: 5, labels: 10, maxBodyChars: 1000 };
let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub(generateQueue({ author: 'alice', prs: 3, repos: 1, token: TOKEN }));
});
afterEach(async () => {
  await gh.close();
});

const port = () =>
  createGitHubClient({
    endpoint: { apiUrl: gh.url, graphqlUrl: `${gh.url}/graphql` },
    token: TOKEN,
    logger: pino({ level: 'silent' }),
  });
const ids = () => gh.scenario.pullRequests.map((p) => pullRequestNodeId(p.repo, p.number));
const hostile = () => {
  const pr = gh.scenario.pullRequests[1]!;
  pr.body = 'B'.repeat(8 * MIB);
  pr.comments.push({
    id: 'IC_huge',
    author: 'mallory',
    authorAssociation: 'NONE',
    body: 'A'.repeat(8 * MIB),
    createdAt: '2026-06-14T00:00:00Z',
  });
};

describe('the Octokit GitHub port', () => {
  it('reads a PR whose comment is 8 MiB, and keeps only the configured size of it', async () => {
    hostile();
    const r = await port().pullRequestDetails(ids(), sizes);
    expect(r.details.map((d) => d?.nodeId)).toEqual(ids());
    const body = r.details[1]!.bodies.get('IC_huge')!;
    expect(body.length).toBeLessThan(1100);
    expect(body).toMatch(/^A{1000}\n\[… \d+ more characters not kept\]$/);
    expect(r.dropped).toEqual([]);
  });

  it('returns snapshots in radar’s types, its rate limit beside them', async () => {
    const page = await searchPage(port(), 'is:pr is:open author:alice', 50, null, sizes);
    const open = gh.scenario.pullRequests.filter((p) => p.state === 'OPEN');
    expect(page.prs.map((p) => p.number).sort()).toEqual(open.map((p) => p.number).sort());
    expect(page.prs[0]).toMatchObject({ repo: open[0]!.repo, author: 'alice' });
    expect(page.rateLimit).toMatchObject({ limit: 5000 });
  });

  it('a query GitHub gives up on (too large an answer) fails as a GitHubError, not retried', async () => {
    hostile();
    gh.scenario.maxResponseBytes = 4 * MIB;
    const p = port();
    await expect(p.pullRequestDetails(ids(), sizes)).rejects.toThrow(GitHubError);
    await expect(p.pullRequestDetails(ids(), sizes)).rejects.toThrow(/Something went wrong/);
    expect(gh.stats.graphqlRequests).toBe(2);
    // Without the hostile PR, the same batch reads.
    const fine = await p.pullRequestDetails([ids()[0]!, ids()[2]!], sizes);
    expect(fine.details.every((d) => d !== null)).toBe(true);
  });
});

/** A bare HTTP server on a free loopback port, answering with `handle`, and the port to it. */
async function bareServer(
  handle: RequestListener,
  options: { requestTimeoutMs?: number } = {},
): Promise<{ client: ReturnType<typeof createGitHubClient>; close: () => Promise<unknown> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createGitHubClient({
    endpoint: { apiUrl: url, graphqlUrl: `${url}/graphql` },
    token: TOKEN,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return { client, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the Octokit GitHub port: a read sent before its answer', () => {
  const answer = JSON.stringify({
    data: {
      rateLimit: { cost: 1, remaining: 4999, resetAt: '2026-06-15T13:00:00Z', limit: 5000 },
      search: { issueCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    },
  });

  it('says a read is sent once GitHub has its request, while the answer is still to come', async () => {
    const held: ServerResponse[] = [];
    const { client, close } = await bareServer((req, res) => {
      // The request whole (its body read) and held: the answer waits for the test.
      req.resume().on('end', () => held.push(res));
    });
    try {
      const page = searchPage(client, 'is:pr', 50, null, sizes);
      let answered = false;
      void page.then(() => (answered = true));
      await client.sent();
      await vi.waitFor(() => expect(held).toHaveLength(1));
      expect(answered).toBe(false);
      held[0]!.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      expect(await page).toMatchObject({ prs: [], issueCount: 0 });
      // The next read is another request: sent() waits for it, not for the one before.
      const next = searchPage(client, 'is:pr', 50, null, sizes);
      await client.sent();
      await vi.waitFor(() => expect(held).toHaveLength(2));
      held[1]!.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      await next;
    } finally {
      held.forEach((res) => res.destroy());
      await close();
    }
  });

  it('says a read is sent when its request failed before reaching anyone (nothing waits forever)', async () => {
    const { client, close } = await bareServer(() => undefined);
    await close();
    const page = searchPage(client, 'is:pr', 50, null, sizes).catch((e: unknown) => e);
    await client.sent();
    expect(await page).toBeInstanceOf(GitHubUnreachableError);
  }, 30_000);
});

describe('the Octokit GitHub port when GitHub does not answer', () => {
  it('aborts each request at its time limit and says GitHub gave no answer in time', async () => {
    const held: ServerResponse[] = [];
    const { client: silent, close } = await bareServer((_req, res) => held.push(res), {
      requestTimeoutMs: 200,
    });
    try {
      const failure = await silent.viewer().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(GitHubUnreachableError);
      expect((failure as Error).message).toContain('no answer in time (TimeoutError)');
      expect(silent.requests).toBe(3);
    } finally {
      held.forEach((res) => res.destroy());
      await close();
    }
  }, 30_000);
  it('an answer cut off mid-body (the connection lost) is asked for again, and read whole', async () => {
    const answer = JSON.stringify({
      data: {
        rateLimit: { cost: 1, remaining: 4999, resetAt: '2026-06-15T13:00:00Z', limit: 5000 },
        search: { issueCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
      },
    });
    let asked = 0;
    const { client, close } = await bareServer((_req, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (asked > 1) return void res.end(answer);
      res.write(answer.slice(0, 40));
      setImmediate(() => res.socket?.destroy());
    });
    try {
      const page = await searchPage(client, 'is:pr', 50, null, sizes);
      expect(page).toMatchObject({ prs: [], issueCount: 0, rateLimit: { remaining: 4999 } });
      expect(asked).toBe(2);
    } finally {
      await close();
    }
  }, 30_000);
});
