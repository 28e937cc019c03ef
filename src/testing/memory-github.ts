import type { PrDetails } from '../core/pr.js';
import type { GitHubError } from '../github/errors.js';
import { RateLimitError } from '../github/errors.js';
import { toDetails } from '../github/normalize.js';
import { readPullRequests } from '../github/digest.js';
import type {
  ConnectionSizes,
  DetailSizes,
  GitHubPort,
  KnownSnapshots,
  RateLimitInfo,
  WriteResult,
} from '../github/port.js';
import { isDetailsNode } from '../github/guards.js';
import { checkNodes, checkPullRequestNodes, pullRequestDetailsNode } from '../github/schema.js';
import { prObject, pullRequestNodeId, searchPullRequests } from './fake-github/server.js';
import type { FakeScenario } from './fake-github/scenario.js';

/**
 * The GitHub port in memory, over the same scenarios the fake HTTP server serves: no sockets, no
 * GraphQL execution, the same edge checks and normalisation as the Octokit port. Tests of the
 * scan and of approvals run against it; `fail` makes any call fail the way a test needs.
 */

export type MemoryCall =
  | { method: 'search'; query: string }
  | { method: 'nodes' | 'details'; ids: readonly string[] }
  | { method: 'comment' | 'editBody' | 'close'; repo: string; number: number };

export interface MemoryGitHub extends GitHubPort {
  scenario: FakeScenario;
  /** Every call, in order. */
  readonly calls: MemoryCall[];
  /** Return an error to make that call fail with it (a RateLimitError stops a scan). */
  fail?: (call: MemoryCall) => Error | undefined;
  /** Edits a raw node before it is checked (to send what GitHub should not). */
  tamper?: (node: Record<string, unknown>) => void;
}

type Obj = Record<string, unknown>;
type Connection = (args: Obj) => Obj;

const SEARCH_LIMIT = 1000;
const COST = 1;

/** A PR object of the fake, its connections resolved with the sizes radar asks for. */
function rawPr(
  scenario: FakeScenario,
  pr: FakeScenario['pullRequests'][number],
  s: ConnectionSizes,
) {
  const o = prObject(scenario, pr);
  const commit = ((o.commits as Connection)({ last: 1 }).nodes as Obj[])[0]!.commit as Obj;
  const rollup = commit.statusCheckRollup as Obj | null;
  const issues = (o.closingIssuesReferences as Connection)({ first: s.issues }).nodes as Obj[];
  return {
    ...o,
    latestReviews: (o.latestReviews as Connection)({ first: s.reviews }),
    comments: (o.comments as Connection)({ last: s.comments }),
    closingIssuesReferences: {
      nodes: issues.map((i) => ({ ...i, stateReason: (i.stateReason as Connection)({}) })),
    },
    commits: {
      nodes: [
        {
          commit: {
            ...commit,
            statusCheckRollup: rollup && {
              state: rollup.state,
              contexts: (rollup.contexts as Connection)({ first: s.checks }),
            },
          },
        },
      ],
    },
  };
}

function rawDetails(
  scenario: FakeScenario,
  pr: FakeScenario['pullRequests'][number],
  s: DetailSizes,
) {
  const o = prObject(scenario, pr);
  const issues = (o.closingIssuesReferences as Connection)({ first: s.issues }).nodes as Obj[];
  return {
    id: o.id,
    latestReviews: (o.latestReviews as Connection)({ first: s.reviews }),
    comments: (o.comments as Connection)({ last: s.comments }),
    closingIssuesReferences: {
      nodes: issues.map((i) => ({ ...i, labels: (i.labels as Connection)({ first: s.labels }) })),
    },
  };
}

export function createMemoryGitHub(scenario: FakeScenario): MemoryGitHub {
  const calls: MemoryCall[] = [];
  let requests = 0;
  const rateLimit = (): RateLimitInfo => {
    scenario.rateLimit ??= {
      limit: 5000,
      remaining: 5000,
      resetAt: new Date(Date.parse('2026-06-15T13:00:00Z')).toISOString(),
    };
    return { cost: COST, ...scenario.rateLimit };
  };
  /** Counts a read, applies the test's failure, charges its cost. */
  const read = (call: MemoryCall): RateLimitInfo => {
    requests++;
    calls.push(call);
    const error = port.fail?.(call);
    if (error) throw error;
    const rl = rateLimit();
    if (rl.remaining < COST) throw new RateLimitError('primary', undefined, rl.resetAt, 200);
    scenario.rateLimit!.remaining -= COST;
    return { ...rl, remaining: rl.remaining - COST };
  };
  const byId = (id: string) =>
    scenario.pullRequests.find((p) => pullRequestNodeId(p.repo, p.number) === id);
  const tampered = <T extends Obj>(node: T): T => {
    port.tamper?.(node);
    return node;
  };
  const write = (
    call: Extract<MemoryCall, { repo: string }>,
    action: 'comment' | 'close',
    apply: (pr: FakeScenario['pullRequests'][number]) => void,
  ): Promise<WriteResult> => {
    requests++;
    calls.push(call);
    const error = port.fail?.(call);
    if (error)
      return Promise.resolve({
        ok: false,
        status: error instanceof RateLimitError ? 429 : ((error as GitHubError).status ?? 0),
        message: error.message,
      });
    const repo = call.repo.toLowerCase();
    const pr = scenario.pullRequests.find(
      (p) => p.repo.toLowerCase() === repo && p.number === call.number,
    );
    const denied = scenario.denyWrites?.find(
      (d) => d.repo.toLowerCase() === repo && d.action === action,
    );
    if (!pr || denied?.status === 404)
      return Promise.resolve({ ok: false, status: 404, message: 'Not Found' });
    if (denied)
      return Promise.resolve({
        ok: false,
        status: 403,
        message: 'Resource not accessible by personal access token',
      });
    apply(pr);
    return Promise.resolve({ ok: true });
  };
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const port: MemoryGitHub = {
    scenario,
    calls,
    get requests() {
      return requests;
    },
    // Nothing goes over a network: a read is "sent" as soon as it is called.
    sent: () => Promise.resolve(),
    searchAnswer(query, first, after, sizes) {
      return Promise.resolve().then(() => {
        const rl = read({ method: 'search', query });
        const found = searchPullRequests(scenario, query);
        const start = after === null ? 0 : Number(after);
        const end = Math.min(start + first, found.length, SEARCH_LIMIT);
        const nodes = found.slice(start, end).map((pr) => tampered(rawPr(scenario, pr, sizes)));
        return {
          issueCount: found.length,
          hasNextPage: end < Math.min(found.length, SEARCH_LIMIT),
          endCursor: end > start ? String(end) : null,
          rateLimit: rl,
          read: async (known?: KnownSnapshots) => {
            const dropped: string[] = [];
            const prs = await readPullRequests(nodes, known, checkPullRequestNodes, dropped);
            return { prs: prs.filter((p) => p !== null), dropped };
          },
        };
      });
    },
    pullRequestsById(ids, sizes, known) {
      return Promise.resolve().then(async () => {
        const rl = read({ method: 'nodes', ids });
        const dropped: string[] = [];
        const nodes = ids.map((id) => {
          const pr = byId(id);
          return pr ? tampered(rawPr(scenario, pr, sizes)) : null;
        });
        const prs = await readPullRequests(nodes, known, checkPullRequestNodes, dropped);
        return {
          prs,
          dropped,
          rateLimit: rl,
          partial: dropped.length > 0 ? 'some PRs were malformed' : undefined,
        };
      });
    },
    pullRequestDetails(ids, sizes) {
      return Promise.resolve().then(() => {
        const rl = read({ method: 'details', ids });
        const dropped: string[] = [];
        const nodes = ids.map((id) => {
          const pr = byId(id);
          return pr ? tampered(rawDetails(scenario, pr, sizes)) : null;
        });
        const details: (PrDetails | null)[] = checkNodes(
          nodes,
          pullRequestDetailsNode,
          isDetailsNode,
          dropped,
        ).map((n) => (n ? toDetails(n, sizes.maxBodyChars) : null));
        return { details, dropped, rateLimit: rl };
      });
    },
    viewer() {
      return Promise.resolve({
        login: scenario.viewer,
        rateLimit: rateLimit(),
        scopes: scenario.scopes,
      });
    },
    commentsSince(repo, number, sinceMs) {
      const pr = scenario.pullRequests.find(
        (p) => p.repo.toLowerCase() === repo.toLowerCase() && p.number === number,
      );
      return Promise.resolve(
        (pr?.comments ?? []).filter((c) => Date.parse(c.createdAt) >= sinceMs).map((c) => c.body),
      );
    },
    pullRequestBody(repo, number) {
      const pr = scenario.pullRequests.find(
        (p) => p.repo.toLowerCase() === repo.toLowerCase() && p.number === number,
      );
      return pr ? Promise.resolve(pr.body ?? '') : Promise.reject(new Error('Not Found'));
    },
    rateLimits() {
      const rl = rateLimit();
      const reset = Math.floor(Date.parse(rl.resetAt) / 1000);
      return Promise.resolve({
        core: { remaining: 5000, limit: 5000, reset },
        graphql: { remaining: rl.remaining, limit: rl.limit, reset },
      });
    },
    comment: (repo, number, body) =>
      write({ method: 'comment', repo, number }, 'comment', (pr) => {
        pr.comments.push({
          author: scenario.viewer,
          authorAssociation: 'CONTRIBUTOR',
          body,
          createdAt: now(),
        });
      }),
    editBody: (repo, number, body) =>
      write({ method: 'editBody', repo, number }, 'close', (pr) => {
        pr.body = body;
        pr.lastEditedAt = now();
      }),
    close: (repo, number) =>
      write({ method: 'close', repo, number }, 'close', (pr) => {
        if (pr.state !== 'OPEN') return;
        pr.state = 'CLOSED';
        pr.closedAt = now();
      }),
  };
  return port;
}
