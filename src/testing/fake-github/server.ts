/**
 * A fake GitHub HTTP server for tests. GraphQL requests are executed with graphql-js against
 * GitHub's published schema (@octokit/graphql-schema), so a query the real API would reject is
 * rejected here too; REST covers the few endpoints radar touches. Rate limits, costs and faults
 * follow GitHub's documented behaviour closely enough for clients' retry/backoff logic to be tested.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GraphQLError,
  GraphQLInt,
  Kind,
  buildSchema,
  execute,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
  valueFromAST,
} from 'graphql';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLFieldResolver,
  GraphQLSchema,
  GraphQLTypeResolver,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import type {
  FakeCheck,
  FakeFault,
  FakePullRequest,
  FakeReview,
  FakeScenario,
  FakeStats,
  StatusState,
} from './scenario.js';

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:PORT; REST base. GraphQL is served at url + '/graphql'. */
  url: string;
  /** Read on every request, so tests may mutate or replace it between requests. */
  scenario: FakeScenario;
  stats: FakeStats;
  inject(fault: FakeFault): void;
  /** Drops every fault still queued: GitHub answers normally again. */
  clearFaults(): void;
  setLatency(ms: number): void;
  resetStats(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Schema: ~1.2 MB of SDL takes a noticeable moment to build, so it is built once per process and
// only when a server actually starts (importing this module stays cheap).
// ---------------------------------------------------------------------------------------------

let schemaPromise: Promise<GraphQLSchema> | undefined;

function loadSchema(): Promise<GraphQLSchema> {
  // The published SDL defines a few fields twice (e.g. EnterpriseOwnerInfo.repositoryDeployKeySetting),
  // which strict SDL validation rejects; GitHub itself serves it, so skip that check.
  schemaPromise ??= import('@octokit/graphql-schema').then((m) =>
    buildSchema(m.schema.idl, { assumeValidSDL: true }),
  );
  return schemaPromise;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
type Args = Record<string, unknown>;

const DOCS = 'https://docs.github.com/rest';
/** GitHub caps every connection page at 100 nodes and search at 1000 results. */
const MAX_PAGE = 100;
const MAX_SEARCH_RESULTS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GitHub's own cursor shape: base64("cursor:N"), N being the 1-based position of the item. */
const encodeCursor = (position: number): string =>
  Buffer.from(`cursor:${position}`).toString('base64');

function decodeCursor(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string') return undefined;
  const m = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Stable node id derived from the PR's identity, so ids survive scenario edits. */
export function pullRequestNodeId(repo: string, number: number): string {
  return `PR_${Buffer.from(`${repo}#${number}`).toString('base64url')}`;
}

const user = (login: string, bot = false): Obj => ({
  __typename: bot ? 'Bot' : 'User',
  login,
  url: `https://github.com/${bot ? 'apps/' : ''}${login}`,
});

/** A stable node id for a comment or review the scenario does not name. */
const itemId = (prefix: string, repo: string, number: number, author: string, at: string) =>
  `${prefix}_${Buffer.from(`${repo}#${number}/${author}@${at}`).toString('base64url')}`;

/**
 * A Relay connection over an in-memory list, honouring first/last/after/before the way GitHub
 * does (after/before narrow the window, then first takes from its start or last from its end).
 */
function connection(items: readonly unknown[], args: Args): Obj {
  let start = 0;
  let end = items.length;
  const after = decodeCursor(args.after);
  const before = decodeCursor(args.before);
  if (after !== undefined) start = Math.min(after, end);
  if (before !== undefined) end = Math.max(start, Math.min(before - 1, end));
  const first = typeof args.first === 'number' ? args.first : undefined;
  const last = typeof args.last === 'number' ? args.last : undefined;
  if (first !== undefined) end = Math.min(end, start + first);
  if (last !== undefined) start = Math.max(start, end - last);
  const nodes = items.slice(start, end);
  return {
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: encodeCursor(start + i + 1) })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length > 0 ? encodeCursor(start + 1) : null,
      endCursor: nodes.length > 0 ? encodeCursor(end) : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario → GraphQL objects
// ---------------------------------------------------------------------------------------------

const FAILING_CONCLUSIONS = new Set([
  'FAILURE',
  'TIMED_OUT',
  'CANCELLED',
  'ACTION_REQUIRED',
  'STARTUP_FAILURE',
]);

/** GitHub's aggregate StatusState over check runs and commit statuses. */
export function rollupState(checks: readonly FakeCheck[]): StatusState {
  let failure = false;
  let error = false;
  let pending = false;
  for (const c of checks) {
    if (c.kind === 'check_run') {
      if (c.status !== 'COMPLETED') pending = true;
      else if (c.conclusion !== null && FAILING_CONCLUSIONS.has(c.conclusion)) failure = true;
    } else if (c.state === 'FAILURE') failure = true;
    else if (c.state === 'ERROR') error = true;
    else if (c.state === 'PENDING' || c.state === 'EXPECTED') pending = true;
  }
  return failure ? 'FAILURE' : error ? 'ERROR' : pending ? 'PENDING' : 'SUCCESS';
}

/** latestReviews: one review per author (their most recent), pending drafts excluded. */
function latestReviewPerAuthor(reviews: readonly FakeReview[]): FakeReview[] {
  const byAuthor = new Map<string, FakeReview>();
  for (const r of reviews) {
    if (r.state === 'PENDING') continue;
    const prev = byAuthor.get(r.author);
    if (prev === undefined || prev.submittedAt <= r.submittedAt) byAuthor.set(r.author, r);
  }
  return [...byAuthor.values()].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
}

function isArchived(scenario: FakeScenario, repo: string): boolean {
  return scenario.repositories?.find((r) => r.nameWithOwner === repo)?.archived === true;
}

/** The PR's head repository: its own unless a fork is named; null when the fork was deleted. */
function headRepository(pr: FakePullRequest): Obj | null {
  const repo = pr.headRepo === undefined ? pr.repo : pr.headRepo;
  if (repo === null) return null;
  return {
    __typename: 'Repository',
    nameWithOwner: repo,
    name: repo.split('/')[1] ?? repo,
    owner: user(repo.split('/')[0] ?? repo),
    url: `https://github.com/${repo}`,
  };
}

function defaultMergeStateStatus(pr: FakePullRequest): string {
  if (pr.mergeable === 'CONFLICTING') return 'DIRTY';
  if (pr.isDraft === true) return 'DRAFT';
  if (pr.mergeable === 'UNKNOWN') return 'UNKNOWN';
  return 'CLEAN';
}

/**
 * A PR as a plain object whose keys are schema field names. Connection fields are functions of
 * their arguments (graphql-js calls them with the field's args), everything else is a value.
 */
export function prObject(scenario: FakeScenario, pr: FakePullRequest): Obj {
  const url = `https://github.com/${pr.repo}/pull/${pr.number}`;
  const checks = pr.checks.map((c): Obj =>
    c.kind === 'check_run'
      ? { __typename: 'CheckRun', name: c.name, status: c.status, conclusion: c.conclusion }
      : { __typename: 'StatusContext', context: c.context, state: c.state },
  );
  const commit: Obj = {
    __typename: 'Commit',
    oid: pr.headSha,
    abbreviatedOid: pr.headSha.slice(0, 7),
    committedDate: pr.headCommittedAt ?? pr.updatedAt,
    // GitHub reports no rollup at all (null) when a commit has neither check runs nor statuses.
    statusCheckRollup:
      pr.checks.length === 0
        ? null
        : { state: rollupState(pr.checks), contexts: (args: Args) => connection(checks, args) },
  };
  const reviews = latestReviewPerAuthor(pr.reviews).map((r): Obj => ({
    __typename: 'PullRequestReview',
    id: r.id ?? itemId('PRR', pr.repo, pr.number, r.author, r.submittedAt),
    author: user(r.author, r.bot),
    authorAssociation: r.authorAssociation,
    state: r.state,
    submittedAt: r.submittedAt,
    body: r.body ?? '',
  }));
  const comments = pr.comments.map((c): Obj => ({
    __typename: 'IssueComment',
    id: c.id ?? itemId('IC', pr.repo, pr.number, c.author, c.createdAt),
    author: user(c.author, c.bot),
    authorAssociation: c.authorAssociation,
    body: c.body,
    createdAt: c.createdAt,
  }));
  const closing = (pr.closingIssues ?? []).map((i): Obj => {
    const repo = i.repo ?? pr.repo;
    const labels = (i.labels ?? []).map((name) => ({ __typename: 'Label', name }));
    return {
      __typename: 'Issue',
      number: i.number,
      state: i.state,
      // GitHub answers DUPLICATE only when asked (enableDuplicate: true); radar does not ask.
      stateReason: (args: Args) =>
        i.stateReason === 'DUPLICATE' && args.enableDuplicate !== true
          ? 'NOT_PLANNED'
          : (i.stateReason ?? (i.state === 'CLOSED' ? 'COMPLETED' : null)),
      repository: { __typename: 'Repository', nameWithOwner: repo },
      labels: (args: Args) => connection(labels, args),
    };
  });
  return {
    __typename: 'PullRequest',
    id: pullRequestNodeId(pr.repo, pr.number),
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    url,
    permalink: url,
    state: pr.state,
    closed: pr.state !== 'OPEN',
    merged: pr.state === 'MERGED',
    isDraft: pr.isDraft ?? false,
    headRefOid: pr.headSha,
    headRefName: pr.headRef ?? `pr-${pr.number}`,
    headRepository: headRepository(pr),
    isCrossRepository: (pr.headRepo === undefined ? pr.repo : pr.headRepo) !== pr.repo,
    maintainerCanModify: pr.maintainerCanModify ?? false,
    baseRefOid: pr.baseSha ?? 'b'.repeat(40),
    baseRefName: pr.baseRef ?? 'main',
    mergeable: pr.mergeable,
    mergeStateStatus: pr.mergeStateStatus ?? defaultMergeStateStatus(pr),
    reviewDecision: pr.reviewDecision,
    additions: pr.additions,
    deletions: pr.deletions,
    changedFiles: pr.changedFiles,
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
    lastEditedAt: pr.lastEditedAt ?? null,
    closedAt: pr.closedAt ?? null,
    mergedAt: pr.mergedAt ?? null,
    author: user(pr.author),
    repository: {
      __typename: 'Repository',
      nameWithOwner: pr.repo,
      name: pr.repo.split('/')[1] ?? pr.repo,
      owner: user(pr.repo.split('/')[0] ?? pr.repo),
      isArchived: isArchived(scenario, pr.repo),
      url: `https://github.com/${pr.repo}`,
    },
    latestReviews: (args: Args) => connection(reviews, args),
    comments: (args: Args) => connection(comments, args),
    closingIssuesReferences: (args: Args) => connection(closing, args),
    // Only the head commit is modelled; it is the one radar asks for via commits(last: 1).
    commits: (args: Args) => connection([{ __typename: 'PullRequestCommit', commit }], args),
  };
}

/**
 * The subset of GitHub's issue-search syntax radar uses. Unknown qualifiers are ignored (GitHub
 * treats some as text, but tests only care that they do not filter); bare words match titles.
 */
export function searchPullRequests(scenario: FakeScenario, query: string): FakePullRequest[] {
  const words: string[] = [];
  let sort = '';
  let prs = [...scenario.pullRequests];
  for (const token of query.trim().split(/\s+/).filter(Boolean)) {
    const colon = token.indexOf(':');
    if (colon <= 0) {
      words.push(token.toLowerCase());
      continue;
    }
    const key = token.slice(0, colon).toLowerCase();
    const value = token.slice(colon + 1);
    const lower = value.toLowerCase();
    switch (key) {
      case 'is':
      case 'state':
        if (lower === 'issue')
          prs = []; // the fake only holds pull requests
        else if (lower === 'open') prs = prs.filter((p) => p.state === 'OPEN');
        // GitHub's is:closed includes merged PRs.
        else if (lower === 'closed') prs = prs.filter((p) => p.state !== 'OPEN');
        else if (lower === 'merged') prs = prs.filter((p) => p.state === 'MERGED');
        else if (lower === 'unmerged') prs = prs.filter((p) => p.state !== 'MERGED');
        else if (lower === 'draft') prs = prs.filter((p) => p.isDraft === true);
        break;
      case 'author':
        prs = prs.filter((p) => p.author.toLowerCase() === lower);
        break;
      case 'repo':
        prs = prs.filter((p) => p.repo.toLowerCase() === lower);
        break;
      case 'user':
      case 'org':
        prs = prs.filter((p) => p.repo.toLowerCase().startsWith(`${lower}/`));
        break;
      case 'archived':
        prs = prs.filter((p) => isArchived(scenario, p.repo) === (lower === 'true'));
        break;
      case 'draft':
        prs = prs.filter((p) => (p.isDraft === true) === (lower === 'true'));
        break;
      case 'sort':
        sort = lower;
        break;
      case 'created': {
        // `>=A`, or `A..B` (inclusive, `*` for an open end), as radar uses to walk large queues.
        const [from, to] = value.startsWith('>=')
          ? [value.slice(2), '*']
          : value.includes('..')
            ? value.split('..')
            : [value, value];
        const lo = from && from !== '*' ? Date.parse(from) : -Infinity;
        const hi = to && to !== '*' ? Date.parse(to) : Infinity;
        prs = prs.filter((p) => {
          const t = Date.parse(p.createdAt);
          return t >= lo && t <= hi;
        });
        break;
      }
      default:
        break;
    }
  }
  if (words.length > 0)
    prs = prs.filter((p) => words.every((w) => p.title.toLowerCase().includes(w)));
  // Deterministic order (GitHub's "best match" is not reproducible anyway).
  prs.sort((a, b) => (a.repo === b.repo ? a.number - b.number : a.repo < b.repo ? -1 : 1));
  if (sort === 'created-asc') prs.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  if (sort === 'created-desc')
    prs.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return prs;
}

// ---------------------------------------------------------------------------------------------
// Cost: GitHub's documented formula. Every connection (a field with `first`/`last`) needs as many
// requests as its enclosing connections can return parents; sum those, divide by 100, round,
// minimum 1. `nodes(ids)` multiplies its children by the number of ids.
// ---------------------------------------------------------------------------------------------

interface CostResult {
  cost: number;
  errors: GraphQLError[];
}

export function queryCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): CostResult {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const errors: GraphQLError[] = [];
  let requests = 0;

  const walk = (set: SelectionSetNode, multiplier: number, seen: ReadonlySet<string>): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, multiplier, seen);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        // Validation already rejects fragment cycles; `seen` is a cheap belt-and-braces guard.
        if (frag && !seen.has(frag.name.value)) {
          walk(frag.selectionSet, multiplier, new Set([...seen, frag.name.value]));
        }
        continue;
      }
      if (!sel.selectionSet) continue;
      let pageSize: number | undefined;
      let childMultiplier = multiplier;
      for (const arg of sel.arguments ?? []) {
        const name = arg.name.value;
        if (name === 'first' || name === 'last') {
          const v: unknown = valueFromAST(arg.value, GraphQLInt, variables);
          if (typeof v !== 'number') continue;
          if (v > MAX_PAGE || v < 0) {
            errors.push(
              new GraphQLError(
                v < 0
                  ? `\`${name}\` on the \`${sel.name.value}\` connection cannot be less than zero.`
                  : `Requesting ${v} records on the \`${sel.name.value}\` connection exceeds the \`${name}\` limit of ${MAX_PAGE} records.`,
                { nodes: sel },
              ),
            );
          }
          pageSize = Math.max(pageSize ?? 0, v);
        } else if (name === 'ids' && sel.name.value === 'nodes') {
          const ids: unknown = variablesOrLiteralList(arg.value, variables);
          if (Array.isArray(ids)) childMultiplier = multiplier * ids.length;
        }
      }
      if (pageSize !== undefined) {
        requests += multiplier;
        childMultiplier = multiplier * pageSize;
      }
      walk(sel.selectionSet, childMultiplier, seen);
    }
  };

  walk(operation.selectionSet, 1, new Set());
  return { cost: Math.max(1, Math.round(requests / 100)), errors };
}

/** `ids` arrives either as a variable or an inline list literal; only its length matters. */
function variablesOrLiteralList(value: ValueNode, variables: Record<string, unknown>): unknown {
  if (value.kind === Kind.VARIABLE) return variables[value.name.value];
  if (value.kind === Kind.LIST) return value.values;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/** graphql-js resolves abstract types (Node, Actor, SearchResultItem, ...) by __typename. */
const typeResolver: GraphQLTypeResolver<unknown, unknown> = (value) => {
  if (value !== null && typeof value === 'object' && '__typename' in value) {
    const t = (value as Obj).__typename;
    if (typeof t === 'string') return t;
  }
  return undefined;
};

/** Plain property lookup; function-valued properties are called with the field's arguments. */
const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args: Args, _ctx, info) => {
  if (source === null || typeof source !== 'object') return undefined;
  const value = (source as Obj)[info.fieldName];
  return typeof value === 'function' ? (value as (a: Args) => unknown)(args) : value;
};

interface QueuedFault {
  fault: FakeFault;
  /** Matching requests still to answer normally before the fault applies. */
  skip: number;
  remaining: number;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
  points?: number;
  /** graphql or core: which rate-limit bucket the x-ratelimit-* headers describe. */
  resource: 'graphql' | 'core';
}

const json = (
  status: number,
  value: unknown,
  resource: Reply['resource'],
  extra?: Partial<Reply>,
): Reply => ({
  status,
  body: JSON.stringify(value),
  resource,
  ...extra,
});

const emptyStats = (): FakeStats => ({
  requests: 0,
  graphqlRequests: 0,
  restRequests: 0,
  points: 0,
  faults: 0,
  answerMs: 0,
  log: [],
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeGitHub(
  scenario: FakeScenario,
  options?: { latencyMs?: number },
): Promise<FakeGitHub> {
  const schema = await loadSchema();
  const startedAt = Date.now();
  const faults: QueuedFault[] = [];
  let latencyMs = options?.latencyMs ?? 0;
  /** REST "core" bucket: only counted, never exhausted except by the primary-exhausted fault. */
  const core = { limit: 5000, used: 0, reset: Math.floor(startedAt / 1000) + 3600 };

  /** The GraphQL bucket lives on the scenario so tests can set or inspect it directly. */
  const graphqlLimit = (): NonNullable<FakeScenario['rateLimit']> => {
    const s = fake.scenario;
    s.rateLimit ??= {
      limit: 5000,
      remaining: 5000,
      resetAt: new Date(startedAt + 3_600_000).toISOString(),
    };
    // Like GitHub, the window refills once its reset time has passed.
    if (Date.parse(s.rateLimit.resetAt) <= Date.now()) {
      s.rateLimit.remaining = s.rateLimit.limit;
      s.rateLimit.resetAt = new Date(Date.now() + 3_600_000).toISOString();
    }
    return s.rateLimit;
  };

  const rateHeaders = (resource: Reply['resource'], exhausted: boolean): Record<string, string> => {
    let limit: number, remaining: number, reset: number;
    if (resource === 'graphql') {
      const rl = graphqlLimit();
      ({ limit, remaining } = rl);
      reset = Math.floor(Date.parse(rl.resetAt) / 1000);
    } else {
      ({ limit, reset } = core);
      remaining = Math.max(0, core.limit - core.used);
    }
    if (exhausted) remaining = 0;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(limit - remaining),
      'x-ratelimit-resource': resource,
    };
  };

  const takeFault = (isGraphql: boolean): FakeFault | undefined => {
    const i = faults.findIndex(({ fault }) => {
      const on = fault.on ?? 'any';
      return on === 'any' || on === (isGraphql ? 'graphql' : 'rest');
    });
    const queued = faults[i];
    if (queued === undefined) return undefined;
    if (queued.skip > 0) {
      queued.skip -= 1;
      return undefined;
    }
    queued.remaining -= 1;
    if (queued.remaining <= 0) faults.splice(i, 1);
    return queued.fault;
  };

  const rateLimited = (): Reply =>
    json(
      200,
      {
        data: null,
        errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }],
      },
      'graphql',
      { headers: { 'x-ratelimit-remaining': '0' } },
    );

  const handleGraphql = async (raw: string): Promise<Reply> => {
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return json(400, { message: 'Problems parsing JSON', documentation_url: DOCS }, 'graphql');
    }
    const body = (payload ?? {}) as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    if (typeof body.query !== 'string') {
      return json(
        200,
        { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
        'graphql',
      );
    }
    const rawVariables =
      body.variables !== null && typeof body.variables === 'object'
        ? (body.variables as Record<string, unknown>)
        : {};
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;

    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (e) {
      return json(
        200,
        { errors: [e instanceof GraphQLError ? e.toJSON() : { message: String(e) }] },
        'graphql',
      );
    }
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      return json(200, { errors: validationErrors.map((e) => e.toJSON()) }, 'graphql');
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return json(
        200,
        { errors: [{ message: 'No operation given or operation name not found.' }] },
        'graphql',
      );
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
    if (coerced.errors)
      return json(200, { errors: coerced.errors.map((e) => e.toJSON()) }, 'graphql');

    const { cost, errors: costErrors } = queryCost(document, operation, coerced.coerced);
    if (costErrors.length > 0) {
      return json(200, { data: null, errors: costErrors.map((e) => e.toJSON()) }, 'graphql');
    }
    const rl = graphqlLimit();
    if (rl.remaining < cost) return rateLimited();
    rl.remaining -= cost;

    const s = fake.scenario;
    const byId = new Map(s.pullRequests.map((pr) => [pullRequestNodeId(pr.repo, pr.number), pr]));
    const nodeById = (id: unknown): Obj | null => {
      const pr = typeof id === 'string' ? byId.get(id) : undefined;
      return pr ? prObject(s, pr) : null;
    };
    const rootValue: Obj = {
      viewer: () => ({
        __typename: 'User',
        login: s.viewer,
        url: `https://github.com/${s.viewer}`,
      }),
      rateLimit: () => ({
        cost,
        limit: rl.limit,
        remaining: rl.remaining,
        used: rl.limit - rl.remaining,
        resetAt: rl.resetAt,
        nodeCount: 0,
      }),
      node: (args: Args) => nodeById(args.id),
      nodes: (args: Args) => (Array.isArray(args.ids) ? args.ids.map(nodeById) : []),
      search: (args: Args) => {
        const found = args.type === 'ISSUE' ? searchPullRequests(s, String(args.query)) : [];
        const page = connection(
          found.slice(0, MAX_SEARCH_RESULTS).map((pr) => prObject(s, pr)),
          args,
        );
        // issueCount reports every match even past the 1000 results search lets you page through.
        return {
          ...page,
          issueCount: found.length,
          repositoryCount: 0,
          userCount: 0,
          discussionCount: 0,
          wikiCount: 0,
          codeCount: 0,
        };
      },
    };
    const result = await execute({
      schema,
      document,
      rootValue,
      variableValues: rawVariables,
      operationName,
      fieldResolver,
      typeResolver,
    });
    const reply = json(200, result, 'graphql', { points: cost });
    // GitHub gives up on a query that takes too long or uses too much (a huge answer does both):
    // 200, no data, and this error. The points are spent all the same.
    const max = s.maxResponseBytes;
    if (max !== undefined && Buffer.byteLength(reply.body) > max)
      return json(
        200,
        {
          data: null,
          errors: [
            {
              message:
                'Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `FAKE:0000` when reporting this issue.',
            },
          ],
        },
        'graphql',
        { points: cost },
      );
    return reply;
  };

  const restUser = (login: string): Obj => {
    const api = `https://api.github.com/users/${login}`;
    return {
      login,
      id: 1,
      node_id: 'U_kgDOAAAAAQ',
      avatar_url: `https://avatars.githubusercontent.com/u/1?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: 'User',
      user_view_type: 'private',
      site_admin: false,
      name: login,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: new Date(startedAt - 86_400_000 * 365).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updated_at: new Date(startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
    };
  };

  const restPull = (pr: FakePullRequest): Obj => {
    const api = `https://api.github.com/repos/${pr.repo}/pulls/${pr.number}`;
    return {
      url: api,
      id: pr.number,
      node_id: pullRequestNodeId(pr.repo, pr.number),
      html_url: `https://github.com/${pr.repo}/pull/${pr.number}`,
      number: pr.number,
      state: pr.state === 'OPEN' ? 'open' : 'closed',
      title: pr.title,
      body: pr.body ?? null,
      user: { login: pr.author, type: 'User' },
      draft: pr.isDraft ?? false,
      merged: pr.state === 'MERGED',
      mergeable: pr.mergeable === 'UNKNOWN' ? null : pr.mergeable === 'MERGEABLE',
      mergeable_state: (pr.mergeStateStatus ?? defaultMergeStateStatus(pr)).toLowerCase(),
      head: {
        sha: pr.headSha,
        ref: pr.headRef ?? `pr-${pr.number}`,
        repo: pr.headRepo === null ? null : { full_name: pr.headRepo ?? pr.repo },
      },
      base: {
        ref: pr.baseRef ?? 'main',
        repo: { full_name: pr.repo, archived: isArchived(fake.scenario, pr.repo) },
      },
      maintainer_can_modify: pr.maintainerCanModify ?? false,
      additions: pr.additions,
      deletions: pr.deletions,
      changed_files: pr.changedFiles,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.closedAt ?? null,
      merged_at: pr.mergedAt ?? null,
    };
  };

  const handleRest = (method: string, path: string, query: URLSearchParams): Reply => {
    const notFound = json(404, { message: 'Not Found', documentation_url: DOCS }, 'core');
    if (method !== 'GET') return notFound;
    const s = fake.scenario;
    if (path === '/rate_limit') {
      // GET /rate_limit is free on GitHub, so it does not touch `core.used`.
      const coreRate = {
        limit: core.limit,
        remaining: core.limit - core.used,
        reset: core.reset,
        used: core.used,
      };
      const rl = graphqlLimit();
      const graphql = {
        limit: rl.limit,
        remaining: rl.remaining,
        reset: Math.floor(Date.parse(rl.resetAt) / 1000),
        used: rl.limit - rl.remaining,
      };
      const search = {
        limit: 30,
        remaining: 30,
        reset: Math.floor(Date.now() / 1000) + 60,
        used: 0,
      };
      return json(200, { resources: { core: coreRate, graphql, search }, rate: coreRate }, 'core');
    }
    core.used += 1;
    if (path === '/user') return json(200, restUser(s.viewer), 'core');
    // A PR's comments, oldest first, from `since` on (radar looks for its own after a crash).
    const listed = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (listed) {
      const repo = `${listed[1]}/${listed[2]}`.toLowerCase();
      const pr = s.pullRequests.find(
        (p) => p.repo.toLowerCase() === repo && p.number === Number(listed[3]),
      );
      if (!pr) return notFound;
      const since = Date.parse(query.get('since') ?? '') || 0;
      const perPage = Math.min(100, Number(query.get('per_page')) || 30);
      const rows = pr.comments
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => Date.parse(c.createdAt) >= since)
        .slice(0, perPage)
        .map(({ c, i }) => ({
          id: i + 1,
          body: c.body,
          user: { login: c.author, type: c.bot ? 'Bot' : 'User' },
          created_at: c.createdAt,
          updated_at: c.createdAt,
        }));
      return json(200, rows, 'core');
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
    if (m) {
      const repo = `${m[1]}/${m[2]}`.toLowerCase();
      const pr = s.pullRequests.find(
        (p) => p.repo.toLowerCase() === repo && p.number === Number(m[3]),
      );
      if (pr) return json(200, restPull(pr), 'core');
    }
    return notFound;
  };

  // -------------------------------------------------------------------------------------------
  // REST writes radar's approvals make: comment on a PR, close a PR. `scenario.denyWrites` makes
  // one answer 403 or 404 the way GitHub does for a token without the permission.
  // -------------------------------------------------------------------------------------------
  const handleRestWrite = (method: string, path: string, raw: string): Reply | undefined => {
    const comment = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    const pull = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
    const m = method === 'POST' ? comment : method === 'PATCH' ? pull : null;
    if (!m) return undefined;
    const action = m === comment ? 'comment' : 'close';
    core.used += 1;
    const s = fake.scenario;
    const repo = `${m[1]}/${m[2]}`.toLowerCase();
    const pr = s.pullRequests.find(
      (p) => p.repo.toLowerCase() === repo && p.number === Number(m[3]),
    );
    const denied = s.denyWrites?.find((d) => d.repo.toLowerCase() === repo && d.action === action);
    if (!pr || denied?.status === 404)
      return json(404, { message: 'Not Found', documentation_url: DOCS }, 'core');
    if (denied)
      return json(
        403,
        { message: 'Resource not accessible by personal access token', documentation_url: DOCS },
        'core',
      );
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return json(400, { message: 'Problems parsing JSON', documentation_url: DOCS }, 'core');
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (action === 'comment') {
      if (typeof body.body !== 'string' || body.body === '')
        return json(422, { message: 'Validation Failed', documentation_url: DOCS }, 'core');
      pr.comments.push({
        author: s.viewer,
        authorAssociation: 'CONTRIBUTOR',
        body: body.body,
        createdAt: now,
      });
      return json(
        201,
        {
          id: pr.comments.length,
          body: body.body,
          user: { login: s.viewer, type: 'User' },
          html_url: `https://github.com/${pr.repo}/pull/${pr.number}#issuecomment-${pr.comments.length}`,
          created_at: now,
        },
        'core',
      );
    }
    if (typeof body.body === 'string') {
      pr.body = body.body;
      pr.lastEditedAt = now;
    }
    if (body.state === 'closed' && pr.state === 'OPEN') {
      pr.state = 'CLOSED';
      pr.closedAt = now;
    }
    return json(200, restPull(pr), 'core');
  };

  /** Turns a fault into its reply; undefined means "answer normally" (slow) or nothing (reset). */
  const faultReply = async (
    fault: FakeFault,
    isGraphql: boolean,
    res: ServerResponse,
  ): Promise<Reply | 'reset' | undefined> => {
    const resource: Reply['resource'] = isGraphql ? 'graphql' : 'core';
    switch (fault.kind) {
      case 'status':
        return json(
          fault.status,
          { message: `Fake GitHub injected HTTP ${fault.status}` },
          resource,
        );
      case 'secondary-rate-limit':
        return json(
          fault.status ?? 403,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.',
            documentation_url:
              'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          },
          resource,
          { headers: { 'retry-after': String(fault.retryAfterSeconds) } },
        );
      case 'primary-exhausted':
        if (isGraphql) return rateLimited();
        return json(
          403,
          {
            message: 'API rate limit exceeded for user ID 1.',
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
          },
          'core',
          { headers: { 'x-ratelimit-remaining': '0' } },
        );
      case 'malformed-body':
        return { status: 200, body: '{"data": {', resource };
      case 'slow':
        await sleep(fault.delayMs);
        return undefined;
      case 'connection-reset':
        res.socket?.destroy();
        return 'reset';
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // From the request's arrival to the last byte of the answer, latency included.
    const arrived = performance.now();
    res.once('finish', () => (fake.stats.answerMs += performance.now() - arrived));
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const isGraphql = path === '/graphql' || path === '/api/graphql';
    const raw = await readBody(req);
    const { stats } = fake;
    stats.requests += 1;
    if (isGraphql) stats.graphqlRequests += 1;
    else stats.restRequests += 1;

    if (latencyMs > 0) await sleep(latencyMs);

    let reply: Reply | undefined;
    const fault = takeFault(isGraphql);
    if (fault) {
      stats.faults += 1;
      const r = await faultReply(fault, isGraphql, res);
      if (r === 'reset') {
        stats.log.push({ method, path, status: 0, points: 0 });
        return;
      }
      reply = r;
    }

    if (!reply) {
      const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const token = auth?.[1];
      if (token === undefined || !fake.scenario.tokens.includes(token)) {
        reply = json(
          401,
          { message: 'Bad credentials', documentation_url: DOCS },
          isGraphql ? 'graphql' : 'core',
        );
      } else if (isGraphql) {
        reply =
          method === 'POST'
            ? await handleGraphql(raw)
            : json(404, { message: 'Not Found', documentation_url: DOCS }, 'graphql');
      } else {
        reply = handleRestWrite(method, path, raw) ?? handleRest(method, path, url.searchParams);
      }
    }

    const points = reply.points ?? 0;
    stats.points += points;
    stats.log.push({ method, path, status: reply.status, points });
    const exhausted = reply.headers?.['x-ratelimit-remaining'] === '0';
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-oauth-scopes': fake.scenario.scopes.join(', '),
      'x-github-media-type': 'github.v3; format=json',
      ...rateHeaders(reply.resource, exhausted),
      ...reply.headers,
    });
    res.end(reply.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake must surface in the test as a 500, not as a hung request.
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `fake-github internal error: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeGitHub = {
    url: `http://127.0.0.1:${port}`,
    scenario,
    stats: emptyStats(),
    inject(fault) {
      faults.push({ fault, skip: fault.after ?? 0, remaining: fault.times ?? 1 });
    },
    clearFaults() {
      faults.splice(0);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    resetStats() {
      // Mutate in place so references tests already hold stay live.
      Object.assign(fake.stats, emptyStats());
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
