import picomatch from 'picomatch';
import type { RadarConfig } from '../config/schema.js';
import type { PrSnapshot } from '../github/normalize.js';

/** Pure: the search queries that define the queue, and whether a PR belongs to it. */

export function searchQueries(watch: RadarConfig['watch']): string[] {
  const draft = watch.includeDrafts ? '' : ' draft:false';
  return [
    ...[...new Set(watch.authors)].map(
      (login) => `is:pr is:open author:${login} archived:false${draft}`,
    ),
    ...[...new Set(watch.repos)].map((repo) => `is:pr is:open repo:${repo} archived:false${draft}`),
  ];
}

export function watchFilter(watch: RadarConfig['watch']): (pr: PrSnapshot) => boolean {
  const ignored = watch.ignore.length
    ? picomatch(watch.ignore, { nocase: true, dot: true })
    : () => false;
  const authors = new Set(watch.authors.map((a) => a.toLowerCase()));
  const repos = new Set(watch.repos.map((r) => r.toLowerCase()));
  return (pr) => {
    if (ignored(pr.repo) || pr.archived) return false;
    if (pr.draft && !watch.includeDrafts) return false;
    return authors.has(pr.author.toLowerCase()) || repos.has(pr.repo.toLowerCase());
  };
}
