import { describe, expect, it } from 'vitest';
import { byCodePoint } from '../../src/render/order.js';
import { toSnapshot } from '../../src/github/normalize.js';
import { rawPullRequest } from '../helpers/raw-pull-request.js';

describe('byCodePoint', () => {
  it.each([
    ['Beta', 'apple', -1], // upper case before lower case, whatever the locale says
    ['apple', 'äpple', -1],
    ['zeta', 'äpple', -1], // a Swedish locale agrees, an English one does not
    ['a', 'ab', -1],
    ['same', 'same', 0],
    ['org/b', 'org-b', 1], // '/' (U+2F) after '-' (U+2D)
    ['\uffff', '😀', -1], // U+FFFF before U+1F600, although its UTF-16 unit is larger
    ['😀', '\ue000', 1],
  ])('%j vs %j → %i', (a, b, sign) => {
    expect(Math.sign(byCodePoint(a, b))).toBe(sign);
    expect(Math.sign(byCodePoint(b, a))).toBe(sign === 0 ? 0 : -sign);
  });

  it('sorts a list the same way on every machine', () => {
    expect(['zeta', 'äpple', 'Beta', 'apple', 'beta'].sort(byCodePoint)).toEqual([
      'Beta',
      'apple',
      'beta',
      'zeta',
      'äpple',
    ]);
  });
});

describe('PR snapshots', () => {
  it('list reviews and failing checks in code-point order', () => {
    const review = (login: string) => ({
      author: { login },
      authorAssociation: 'MEMBER',
      state: 'APPROVED',
      submittedAt: '2026-06-01T00:00:00Z',
    });
    const raw = rawPullRequest({
      latestReviews: { nodes: [review('zed'), review('Zoe'), review('amy')] },
      comments: { totalCount: 0, nodes: [] },
      commits: {
        nodes: [
          {
            commit: {
              oid: 'abc',
              statusCheckRollup: {
                state: 'FAILURE',
                contexts: {
                  totalCount: 2,
                  nodes: [
                    {
                      __typename: 'CheckRun',
                      name: 'lint',
                      status: 'COMPLETED',
                      conclusion: 'FAILURE',
                    },
                    { __typename: 'StatusContext', context: 'Build', state: 'ERROR' },
                  ],
                },
              },
            },
          },
        ],
      },
    });
    const snapshot = toSnapshot(raw);
    expect(snapshot.reviews.map((r) => r.author)).toEqual(['Zoe', 'amy', 'zed']);
    expect(snapshot.failingChecks).toEqual(['Build', 'lint']);
  });
});
