import type { PrDetails, PrSnapshot } from '../core/pr.js';

/**
 * The GitHub port: the calls radar makes, in radar's own types. Reads return snapshots checked
 * at the edge (a malformed node is dropped and named in `dropped`, never fatal to the page);
 * writes answer with a result instead of throwing. Two implementations: Octokit over HTTP
 * (client.ts) and an in-memory GitHub for tests (src/testing/memory-github.ts).
 */

export interface RateLimitInfo {
  cost: number;
  remaining: number;
  limit: number;
  resetAt: string;
}

export interface ConnectionSizes {
  reviews: number;
  comments: number;
  checks: number;
  /** Issues a PR closes. */
  issues: number;
}

export interface DetailSizes extends ConnectionSizes {
  labels: number;
  /** A body longer than this many characters is cut where it enters radar. */
  maxBodyChars: number;
}

/** What every read answers beside its data. */
interface ReadMeta {
  /** GitHub answered with errors beside the data (some nodes withheld): the message. */
  partial?: string;
  /** Nodes that failed the edge's check, one line each (`<node id>: <field>: <problem>`). */
  dropped: string[];
  /** Null when GitHub (or a proxy) left it out. */
  rateLimit: RateLimitInfo | null;
}

/**
 * Snapshots the ledger holds, by node id, that a read may answer with as they are when GitHub
 * sends the very node each was read from (the same `nodeDigest`, digest.ts): the scan passes
 * those whose stored row is what reading that node again would record (scan/plan.ts). Only
 * looked up when an answer's nodes are read: the scan reads its ledger while the first request
 * is on its way.
 */
export type KnownSnapshots = Pick<ReadonlyMap<string, PrSnapshot>, 'get'>;

/**
 * A search page as GitHub answered it, its PR nodes not read yet: the scan asks for the next
 * page first, and reads these while GitHub answers it.
 */
export interface SearchAnswer extends Omit<ReadMeta, 'dropped'> {
  issueCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
  /** The page's PRs: nodes `known` answers for as they are, the others checked and normalised. */
  read(known?: KnownSnapshots): Promise<{ prs: PrSnapshot[]; dropped: string[] }>;
}

export interface GitHubReads {
  /** One page of a search, its PR nodes read on demand. */
  searchAnswer(
    query: string,
    first: number,
    after: string | null,
    sizes: ConnectionSizes,
  ): Promise<SearchAnswer>;
  /** The PRs with these node ids, in order; null for a node that is gone or not a PR. */
  pullRequestsById(
    ids: readonly string[],
    sizes: ConnectionSizes,
    known?: KnownSnapshots,
  ): Promise<ReadMeta & { prs: (PrSnapshot | null)[] }>;
  /** Comment and review bodies and closing issues' labels of these PRs (null: not visible). */
  pullRequestDetails(
    ids: readonly string[],
    sizes: DetailSizes,
  ): Promise<ReadMeta & { details: (PrDetails | null)[] }>;
  viewer(): Promise<{ login: string; rateLimit: RateLimitInfo | null; scopes: string[] }>;
  /** Bodies of a PR's comments created since `sinceMs`, oldest first, at most 100 (REST). */
  commentsSince(repo: string, number: number, sinceMs: number): Promise<string[]>;
  /** A PR's description as it is now (REST; empty when it has none). */
  pullRequestBody(repo: string, number: number): Promise<string>;
  /** GET /rate_limit: free of charge. */
  rateLimits(): Promise<{
    core: { remaining: number; limit: number; reset: number };
    graphql?: { remaining: number; limit: number; reset: number };
  }>;
  /** HTTP requests sent so far (retries included). */
  readonly requests: number;
  /**
   * Resolves once the request of the GraphQL read called last has been handed to the network
   * (or has failed): work done between this and the answer overlaps GitHub's time instead of
   * holding the request back.
   */
  sent(): Promise<void>;
}

/**
 * A write's outcome. `status` is GitHub's HTTP status (0: no answer at all); a rate limit is
 * reported as 429 whatever status GitHub used, so that it is never taken for a denial.
 */
export type WriteResult = { ok: true } | { ok: false; status: number; message: string };

export interface GitHubWrites {
  comment(repo: string, number: number, body: string): Promise<WriteResult>;
  /** Replaces a PR's description. */
  editBody(repo: string, number: number, body: string): Promise<WriteResult>;
  close(repo: string, number: number): Promise<WriteResult>;
}

export type GitHubPort = GitHubReads & GitHubWrites;
