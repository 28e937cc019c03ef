import { describe, expect, it } from 'vitest';
import { isDetailsNode, isPullRequestNode, rateLimitOf } from '../../src/github/guards.js';

const LIMIT = { cost: 1, remaining: 4999, limit: 5000, resetAt: '2026-06-15T13:00:00Z' };

describe("an answer's rate limit, read without zod", () => {
  it.each<[string, unknown, unknown]>([
    ['as GitHub sends it', LIMIT, LIMIT],
    ['with fields radar does not ask for (left out)', { ...LIMIT, used: 1, nodeCount: 50 }, LIMIT],
    ['left out by a proxy', undefined, null],
    ['null', null, null],
    ['a list', [LIMIT], null],
    ['a field missing', { cost: 1, remaining: 4999, resetAt: LIMIT.resetAt }, null],
    ['a number as text', { ...LIMIT, remaining: '4999' }, null],
    ['a reset time as a number', { ...LIMIT, resetAt: 1_781_528_400 }, null],
  ])('%s', (_case, value, expected) => {
    expect(rateLimitOf(value)).toEqual(expected);
  });
});

describe('which nodes are PRs or details', () => {
  it.each<[string, unknown, boolean, boolean]>([
    ['a PR node', { id: 'PR_1', number: 7 }, true, true],
    ['a search result that is not a PR (an empty object)', {}, false, false],
    ['a details node', { id: 'PR_1', comments: null }, false, true],
    ['null for an id GitHub could not resolve', null, false, false],
    ['a list', [{ number: 7 }], false, false],
  ])('%s', (_case, node, pr, details) => {
    expect([isPullRequestNode(node), isDetailsNode(node)]).toEqual([pr, details]);
  });
});
