import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NODES_QUERY, SEARCH_QUERY, VIEWER_QUERY } from '../../src/github/queries.js';
import type { FakeScenario } from '../../src/testing/fake-github/scenario.js';
import { pullRequestNodeId, startFakeGitHub } from '../../src/testing/fake-github/server.js';
import type { FakeGitHub } from '../../src/testing/fake-github/server.js';

const TOKEN = 'ghp_test';

function scenario(): FakeScenario {
  return {
    viewer: 'alice',
    tokens: [TOKEN],
    scopes: ['repo', 'read:org'],
    repositories: [
      { nameWithOwner: 'acme/app', archived: false },
      { nameWithOwner: 'acme/old', archived: true },
    ],
    pullRequests: [
      {
        repo: 'acme/app',
        number: 7,
        title: 'Fix the widget',
        author: 'alice',
        state: 'OPEN',
        headSha: 'a'.repeat(40),
        mergeable: 'MERGEABLE',
        reviewDecision: 'CHANGES_REQUESTED',
        checks: [
          { kind: 'check_run', name: 'test', status: 'COMPLETED', conclusion: 'FAILURE' },
          { kind: 'status', context: 'ci/lint', state: 'SUCCESS' },
        ],
        reviews: [
          {
            author: 'bob',
            authorAssociation: 'MEMBER',
            state: 'COMMENTED',
            submittedAt: '2024-01-02T00:00:00Z',
          },
          {
            author: 'bob',
            authorAssociation: 'MEMBER',
            state: 'CHANGES_REQUESTED',
            submittedAt: '2024-01-03T00:00:00Z',
          },
        ],
        comments: [
          {
            author: 'bob',
            authorAssociation: 'MEMBER',
            body: 'one',
            createdAt: '2024-01-02T00:00:00Z',
          },
          {
            author: 'carol',
            authorAssociation: 'NONE',
            body: 'two',
            createdAt: '2024-01-04T00:00:00Z',
          },
        ],
        additions: 10,
        deletions: 2,
        changedFiles: 1,
        createdAt: '2024-01-01T00:00:00Z',
        updatedAt: '2024-01-04T00:00:00Z',
      },
      {
        repo: 'acme/app',
        number: 3,
        title: 'Conflicting draft',
        author: 'alice',
        state: 'OPEN',
        isDraft: true,
        headSha: 'b'.repeat(40),
        mergeable: 'CONFLICTING',
        reviewDecision: null,
        checks: [],
        reviews: [],
        comments: [],
        additions: 1,
        deletions: 1,
        changedFiles: 1,
        createdAt: '2024-01-01T00:00:00Z',
        updatedAt: '2024-01-01T00:00:00Z',
      },
      {
        repo: 'acme/old',
        number: 1,
        title: 'In an archived repo',
        author: 'alice',
        state: 'OPEN',
        headSha: 'c'.repeat(40),
        mergeable: 'MERGEABLE',
        reviewDecision: 'APPROVED',
        checks: [],
        reviews: [],
        comments: [],
        additions: 1,
        deletions: 0,
        changedFiles: 1,
        createdAt: '2024-01-01T00:00:00Z',
        updatedAt: '2024-01-01T00:00:00Z',
      },
    ],
  };
}

const SEARCH_VARS = {
  q: 'is:pr is:open author:alice archived:false',
  first: 50,
  reviews: 20,
  comments: 10,
  checks: 50,
  issues: 5,
};

/** Loose JSON shape for assertions; the test checks concrete values, not types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let gh: FakeGitHub;

async function gql(query: string, variables: Record<string, unknown> = {}, token = TOKEN) {
  const res = await fetch(`${gh.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    res,
    text,
    body: (() => {
      try {
        return JSON.parse(text) as Json;
      } catch {
        return undefined;
      }
    })(),
  };
}

const rest = (path: string, token = TOKEN) =>
  fetch(`${gh.url}${path}`, { headers: { authorization: `token ${token}` } });

beforeAll(async () => {
  gh = await startFakeGitHub(scenario());
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.resetStats();
});

describe('fake GitHub GraphQL', () => {
  it('answers the search query with schema-shaped PRs and GitHub headers', async () => {
    const { res, body } = await gql(SEARCH_QUERY, SEARCH_VARS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-oauth-scopes')).toBe('repo, read:org');
    expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(body.errors).toBeUndefined();
    const search = body.data.search;
    expect(search.issueCount).toBe(2);
    expect(search.pageInfo.hasNextPage).toBe(false);
    // Sorted by repo then number; the archived repo's PR is excluded.
    expect(search.nodes.map((n: Json) => n.number)).toEqual([3, 7]);

    const [draft, failing] = search.nodes;
    expect(draft).toMatchObject({
      isDraft: true,
      mergeable: 'CONFLICTING',
      mergeStateStatus: 'DIRTY',
      commits: { nodes: [{ commit: { oid: 'b'.repeat(40), statusCheckRollup: null } }] },
    });
    expect(failing).toMatchObject({
      id: pullRequestNodeId('acme/app', 7),
      url: 'https://github.com/acme/app/pull/7',
      state: 'OPEN',
      mergeStateStatus: 'CLEAN',
      reviewDecision: 'CHANGES_REQUESTED',
      author: { login: 'alice' },
      repository: { nameWithOwner: 'acme/app', isArchived: false },
      lastEditedAt: null,
    });
    // One review per author: bob's latest.
    expect(failing.latestReviews.nodes).toEqual([
      {
        id: expect.stringMatching(/^PRR_/),
        author: { __typename: 'User', login: 'bob' },
        authorAssociation: 'MEMBER',
        state: 'CHANGES_REQUESTED',
        submittedAt: '2024-01-03T00:00:00Z',
      },
    ]);
    expect(failing.comments.totalCount).toBe(2);
    const rollup = failing.commits.nodes[0].commit.statusCheckRollup;
    expect(rollup.state).toBe('FAILURE');
    expect(rollup.contexts.totalCount).toBe(2);
    expect(rollup.contexts.nodes).toEqual([
      { __typename: 'CheckRun', name: 'test', status: 'COMPLETED', conclusion: 'FAILURE' },
      { __typename: 'StatusContext', context: 'ci/lint', state: 'SUCCESS' },
    ]);

    // Cost per GitHub's formula: 1 (search) + 50×4 (reviews, comments, closing issues, commits)
    // + 50×1 (contexts) = 251 → 3.
    expect(body.data.rateLimit.cost).toBe(3);
    expect(gh.stats.points).toBe(3);
    expect(gh.stats.graphqlRequests).toBe(1);
    expect(gh.stats.log).toEqual([{ method: 'POST', path: '/graphql', status: 200, points: 3 }]);
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(body.data.rateLimit.remaining);
  });

  it('returns only the last N comments', async () => {
    const { body } = await gql(SEARCH_QUERY, { ...SEARCH_VARS, comments: 1 });
    const pr = body.data.search.nodes[1];
    expect(pr.comments).toEqual({
      totalCount: 2,
      nodes: [
        {
          id: expect.stringMatching(/^IC_/),
          author: { __typename: 'User', login: 'carol' },
          authorAssociation: 'NONE',
          createdAt: '2024-01-04T00:00:00Z',
        },
      ],
    });
  });

  it('paginates search with cursors', async () => {
    const page1 = await gql(SEARCH_QUERY, { ...SEARCH_VARS, first: 1 });
    const s1 = page1.body.data.search;
    expect(s1.nodes.map((n: Json) => n.number)).toEqual([3]);
    expect(s1.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(SEARCH_QUERY, {
      ...SEARCH_VARS,
      first: 1,
      after: s1.pageInfo.endCursor,
    });
    const s2 = page2.body.data.search;
    expect(s2.nodes.map((n: Json) => n.number)).toEqual([7]);
    expect(s2.pageInfo.hasNextPage).toBe(false);
    expect(s2.issueCount).toBe(2);
  });

  it('rejects invalid queries and oversized pages like GitHub', async () => {
    const bogus = await gql('query { viewer { login bogusField } }');
    expect(bogus.res.status).toBe(200);
    expect(bogus.body.errors[0].message).toMatch(/bogusField/);
    expect(bogus.body.data).toBeUndefined();

    const big = await gql(SEARCH_QUERY, { ...SEARCH_VARS, first: 101 });
    expect(big.res.status).toBe(200);
    expect(big.body.errors[0].message).toMatch(/exceeds the `first` limit of 100/);
  });

  it('resolves nodes by id and the viewer', async () => {
    const ids = [pullRequestNodeId('acme/old', 1), 'PR_unknown'];
    const { body } = await gql(NODES_QUERY, { ids, reviews: 5, comments: 5, checks: 5, issues: 5 });
    expect(body.errors).toBeUndefined();
    expect(body.data.nodes[0]).toMatchObject({
      number: 1,
      repository: { nameWithOwner: 'acme/old', isArchived: true },
    });
    expect(body.data.nodes[1]).toBeNull();
    expect(body.data.rateLimit.cost).toBe(1);

    const viewer = await gql(VIEWER_QUERY);
    expect(viewer.body.data.viewer).toEqual({ login: 'alice' });
  });

  it('answers 401 to unknown tokens', async () => {
    const { res, body } = await gql(VIEWER_QUERY, {}, 'nope');
    expect(res.status).toBe(401);
    expect(body).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
    });
    expect((await rest('/user', 'nope')).status).toBe(401);
  });

  it('refuses a query that costs more than what remains', async () => {
    const rl = gh.scenario.rateLimit!;
    const saved = rl.remaining;
    rl.remaining = 1;
    const { res, body } = await gql(SEARCH_QUERY, SEARCH_VARS);
    rl.remaining = saved;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(body).toEqual({
      data: null,
      errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }],
    });
  });
});

describe('fake GitHub faults', () => {
  it('status', async () => {
    gh.inject({ kind: 'status', status: 502, times: 2 });
    expect((await gql(VIEWER_QUERY)).res.status).toBe(502);
    expect((await rest('/user')).status).toBe(502);
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
    expect(gh.stats.faults).toBe(2);
  });

  it('respects `on`', async () => {
    gh.inject({ kind: 'status', status: 500, on: 'rest' });
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
    expect((await rest('/user')).status).toBe(500);
  });

  it('secondary-rate-limit', async () => {
    gh.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 7 });
    const { res, body } = await gql(VIEWER_QUERY);
    expect(res.status).toBe(403);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(body.message).toMatch(/secondary rate limit/);
  });

  it('secondary-rate-limit as 429, after letting two requests through', async () => {
    gh.inject({
      kind: 'secondary-rate-limit',
      retryAfterSeconds: 3,
      status: 429,
      after: 2,
      times: 3,
      on: 'graphql',
    });
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
    expect((await rest('/user')).status).toBe(200); // `on` other requests do not count
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const { res, body } = await gql(VIEWER_QUERY);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(body.message).toMatch(/secondary rate limit/);
    }
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
    expect(gh.stats.faults).toBe(3);
  });

  it('primary-exhausted', async () => {
    gh.inject({ kind: 'primary-exhausted', on: 'graphql' });
    const g = await gql(VIEWER_QUERY);
    expect(g.res.status).toBe(200);
    expect(g.body.errors[0].type).toBe('RATE_LIMITED');
    expect(g.res.headers.get('x-ratelimit-remaining')).toBe('0');

    gh.inject({ kind: 'primary-exhausted', on: 'rest' });
    const r = await rest('/user');
    expect(r.status).toBe(403);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  it('malformed-body', async () => {
    gh.inject({ kind: 'malformed-body' });
    const { res, text, body } = await gql(VIEWER_QUERY);
    expect(res.status).toBe(200);
    expect(text).toBe('{"data": {');
    expect(body).toBeUndefined();
  });

  /**
   * A request held back (a slow fault, or latency in force when it arrived) is still unanswered
   * once a later, plain request has had its answer: an order, not a stopwatch.
   */
  it.each([
    { held: 'slow', hold: () => gh.inject({ kind: 'slow', delayMs: 600_000 }), release: () => {} },
    { held: 'latency', hold: () => gh.setLatency(600_000), release: () => gh.setLatency(0) },
  ])('$held holds an answer back while later requests are answered', async ({ hold, release }) => {
    hold();
    const arrivedBefore = gh.stats.requests;
    const abort = new AbortController();
    let answered = false;
    const held = fetch(`${gh.url}/rate_limit`, {
      headers: { authorization: `token ${TOKEN}` },
      signal: abort.signal,
    }).then(
      () => (answered = true),
      () => 'aborted',
    );
    while (gh.stats.requests === arrivedBefore) await new Promise((r) => setTimeout(r, 10));
    release();
    expect((await rest('/rate_limit')).status).toBe(200);
    expect(answered).toBe(false);
    abort.abort();
    expect(await held).toBe('aborted');
  });

  it('connection-reset', async () => {
    gh.inject({ kind: 'connection-reset' });
    await expect(gql(VIEWER_QUERY)).rejects.toThrow();
    expect(gh.stats.log.at(-1)).toMatchObject({ path: '/graphql', status: 0 });
    expect((await gql(VIEWER_QUERY)).res.status).toBe(200);
  });
});

describe('fake GitHub REST', () => {
  // GitHub's published OpenAPI description (the operations used here and the components they
  // refer to, extracted by scripts/openapi-extract.ts with its provenance), refs resolved
  // against its own components.
  const doc = JSON.parse(
    readFileSync(
      new URL('../fixtures/openapi/api.github.com.subset.json', import.meta.url),
      'utf8',
    ),
  ) as {
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, Json> }>>;
    components: Record<string, unknown>;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats ships CJS; depending on interop its default export may be wrapped once more.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
    addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  ajv.addSchema({ components: doc.components }, 'api');

  function responseValidator(operationId: string) {
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        if (op.operationId === operationId) {
          const schema = op.responses['200'].content['application/json'].schema as unknown;
          // Point "#/components/..." refs at the document registered as "api".
          const rewritten = JSON.parse(
            JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/'),
          ) as object;
          return ajv.compile(rewritten);
        }
      }
    }
    throw new Error(`no operation ${operationId}`);
  }

  it('GET /user matches users/get-authenticated', async () => {
    const res = await rest('/user');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    const body = (await res.json()) as Json;
    expect(body.login).toBe('alice');
    const validateUser = responseValidator('users/get-authenticated');
    expect(validateUser(body), JSON.stringify(validateUser.errors)).toBe(true);
  });

  it('GET /rate_limit matches rate-limit/get and costs nothing', async () => {
    const before = (await (await rest('/rate_limit')).json()) as Json;
    const res = await rest('/rate_limit');
    const body = (await res.json()) as Json;
    const validateRate = responseValidator('rate-limit/get');
    expect(validateRate(body), JSON.stringify(validateRate.errors)).toBe(true);
    expect(body.resources.core.used).toBe(before.resources.core.used);
    expect(body.resources.graphql.limit).toBe(5000);
  });

  it('serves a pull request and 404s unknown paths', async () => {
    const pr = (await (await rest('/repos/acme/app/pulls/7')).json()) as Json;
    expect(pr).toMatchObject({ number: 7, state: 'open', head: { sha: 'a'.repeat(40) } });
    const res = await rest('/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).message).toBe('Not Found');
  });
});
