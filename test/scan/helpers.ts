import { generateQueue } from '../../src/testing/fake-github/generate.js';
import type { FakeScenario } from '../../src/testing/fake-github/scenario.js';

/**
 * A generated queue in which every PR has a comment from a maintainer: its body is what a
 * details request brings.
 */
export function commentedQueue(options: {
  author: string;
  prs: number;
  repos: number;
}): FakeScenario {
  const s = generateQueue(options);
  s.pullRequests.forEach((p, i) =>
    p.comments.push({
      id: `IC_${i}`,
      author: 'maint',
      authorAssociation: 'MEMBER',
      body: `please look at ${i}`,
      createdAt: '2026-06-14T00:00:00Z',
    }),
  );
  return s;
}
