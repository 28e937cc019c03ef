import type { ConnectionSizes, GitHubReads, KnownSnapshots } from '../../src/github/port.js';

/** One search page with its PRs read: what the scan does with `searchAnswer`, then `read`. */
export async function searchPage(
  port: Pick<GitHubReads, 'searchAnswer'>,
  query: string,
  first: number,
  after: string | null,
  sizes: ConnectionSizes,
  known?: KnownSnapshots,
) {
  const { read, ...answer } = await port.searchAnswer(query, first, after, sizes);
  return { ...answer, ...(await read(known)) };
}
