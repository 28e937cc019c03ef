import { describe, expect, it } from 'vitest';
import {
  SEARCH_LIMIT,
  goneFromQueue,
  needsDetails,
  nextPageAhead,
  nextSearch,
  rateLimitStop,
  reconcile,
  reserveStop,
  resolveGone,
  reusable,
  scanStatus,
  splitFailed,
  startSearch,
  underReserve,
  wantDetails,
  type SearchWindow,
} from '../../src/scan/plan.js';
import type { PrSnapshot, StoredPr } from '../../src/core/pr.js';
import { makePr } from '../dispatch/helpers.js';

const Q = 'is:pr is:open author:alice';
const at = (minute: number) => new Date(Date.UTC(2026, 5, 1, 0, minute)).toISOString();
const page = (n: number, from: number, more: boolean, total = n) => ({
  createdAts: Array.from({ length: n }, (_, i) => at(from + i)),
  issueCount: total,
  hasNextPage: more,
  endCursor: more ? `c${from + n}` : null,
});
const walking = (over: Partial<SearchWindow>): SearchWindow => ({
  ...startSearch(Q),
  q: `${Q} sort:created-asc`,
  walking: true,
  ...over,
});

type WindowCase = [
  string,
  SearchWindow,
  ReturnType<typeof page>,
  Partial<SearchWindow> | null,
  { q: string; after: string } | null,
  string?,
];

const WINDOW_CASES: WindowCase[] = [
  ['a small queue: one page, done', startSearch(Q), page(30, 0, false), null, null],
  [
    'a next page follows the cursor',
    startSearch(Q),
    page(50, 0, true, 80),
    { q: Q, after: 'c50', inWindow: 50, walking: false },
    { q: Q, after: 'c50' },
  ],
  [
    'a walking window follows its cursor too',
    walking({ after: 'c100', inWindow: 100, lastCreated: at(99) }),
    page(50, 100, true, 1300),
    { q: `${Q} sort:created-asc`, after: 'c150', inWindow: 150, lastCreated: at(149) },
    { q: `${Q} sort:created-asc`, after: 'c150' },
  ],
  [
    'more than the search limit: start again, oldest first',
    startSearch(Q),
    page(50, 0, true, 1300),
    { q: `${Q} sort:created-asc`, after: null, walking: true, inWindow: 0, lastCreated: null },
    null,
  ],
  [
    'a window read to the limit continues from the newest creation time seen',
    walking({ after: 'c950', inWindow: 950, lastCreated: at(949) }),
    page(50, 950, false),
    {
      q: `${Q} sort:created-asc created:>=${at(999)}`,
      after: null,
      inWindow: 0,
      windowStart: at(999),
    },
    null,
  ],
  [
    'a window under the limit ends the walk',
    walking({ after: 'c50', inWindow: 50 }),
    page(20, 50, false),
    null,
    null,
  ],
  [
    'a window that cannot move (1,000 PRs at one instant) ends with a problem',
    walking({ inWindow: 950, lastCreated: at(5), windowStart: at(5) }),
    { ...page(50, 0, false), createdAts: Array.from({ length: 50 }, () => at(5)) },
    null,
    null,
    `more than ${SEARCH_LIMIT} PRs created at ${at(5)}`,
  ],
];

describe('search windows', () => {
  it.each(WINDOW_CASES)('%s', (_name, window, seen, next, _ahead, error) => {
    const step = nextSearch(window, seen);
    expect({ next: step.next }).toMatchObject({ next });
    expect(step.error ?? '').toContain(error ?? '');
    expect(Boolean(step.error)).toBe(error !== undefined);
  });

  // The scan sends the next page's request before it reads a page's PRs: only where they cannot
  // change it, and always the very request the step leads to once they are read.
  it.each(WINDOW_CASES)('%s: the request sent ahead', (_name, window, seen, _next, ahead) => {
    expect(nextPageAhead(window, seen)).toEqual(ahead);
    const step = nextSearch(window, seen).next;
    expect(ahead === null || (step?.q === ahead.q && step.after === ahead.after)).toBe(true);
  });
});

describe('stops', () => {
  const now = Date.parse('2026-06-15T12:00:00Z');
  const last = { cost: 1, remaining: 90, limit: 5000, resetAt: '2026-06-15T13:00:00Z' };
  it.each([
    [
      'secondary, retry-after said',
      { kind: 'secondary' as const, retryAfterSeconds: 30 },
      { reason: 'secondary-rate-limit', retryAt: '2026-06-15T12:00:30Z' },
    ],
    [
      'secondary, nothing said: a minute',
      { kind: 'secondary' as const },
      { reason: 'secondary-rate-limit', retryAt: '2026-06-15T12:01:00Z' },
    ],
    [
      'primary, its reset known',
      { kind: 'primary' as const, resetAt: '2026-06-15T12:40:00.000Z' },
      { reason: 'rate-limit', retryAt: '2026-06-15T12:40:00Z' },
    ],
    [
      'primary, the last page’s reset',
      { kind: 'primary' as const },
      { reason: 'rate-limit', retryAt: '2026-06-15T13:00:00Z' },
    ],
  ])('%s', (_name, error, stop) => {
    expect(rateLimitStop(error, now, last)).toEqual(stop);
  });

  it.each([
    [null, 100, false],
    [last, 100, true],
    [last, 90, false],
  ])('under the reserve: %j of %i → %s', (rl, reserve, under) => {
    expect(underReserve(rl, reserve)).toBe(under);
  });

  it('the reserve stop says when the window refills', () => {
    expect(reserveStop(last)).toEqual({ reason: 'reserve', retryAt: '2026-06-15T13:00:00Z' });
    expect(reserveStop(null)).toEqual({ reason: 'reserve', retryAt: null });
  });

  it.each([
    [0, false, 10, 'ok'],
    [1, false, 10, 'partial'],
    [0, true, 10, 'partial'],
    [1, false, 0, 'error'],
    [0, true, 0, 'error'],
  ] as const)('%i errors, stopped %s, %i seen → %s', (errors, stopped, seen, status) => {
    expect(scanStatus(errors, stopped, seen)).toBe(status);
  });
});

const stored = (over: Partial<StoredPr>): StoredPr => ({
  ...makePr(),
  detailsAt: 1,
  ...over,
});
const snapOf = (pr: StoredPr, over: Partial<PrSnapshot> = {}): PrSnapshot => ({ ...pr, ...over });

describe('PRs that left the queue', () => {
  const a = stored({ nodeId: 'A', number: 1 });
  const b = stored({ nodeId: 'B', number: 2 });
  const closed = stored({ nodeId: 'C', number: 3, state: 'closed' });
  const unwatched = stored({ nodeId: 'D', number: 4, watched: false });

  it('asks only for open, watched PRs the search no longer returns', () => {
    const previous = new Map([a, b, closed, unwatched].map((p) => [p.nodeId, p]));
    expect(goneFromQueue(previous, new Map([['A', snapOf(a)]])).map((p) => p.nodeId)).toEqual([
      'B',
    ]);
  });

  it.each([
    ['merged: its new snapshot', [snapOf(a, { state: 'merged' })], false, ['merged']],
    ['gone, and GitHub said nothing else: closed', [null], false, ['closed']],
    ['gone beside errors (not allowed to see): left as it was', [null], true, []],
  ])('%s', (_name, answers, partial, states) => {
    expect(resolveGone([a], answers, partial, 0).map((s) => s.state)).toEqual(states);
    // A PR recorded closed without a node: no digest, so its last node is read again if it comes back.
    expect(
      resolveGone([{ ...a, nodeDigest: 'd' }], answers, partial, 0).map((s) => s.nodeDigest),
    ).toEqual(states.map((s) => (s === 'closed' ? null : a.nodeDigest)));
  });
});

describe('details', () => {
  const before = stored({ nodeId: 'A', updatedAt: at(1), headSha: 'h1' });
  it.each([
    ['unchanged', {}, {}, false],
    ['never read', { detailsAt: null }, {}, true],
    ['updated (a new comment)', {}, { updatedAt: at(2) }, true],
    ['a push', {}, { headSha: 'h2' }, true],
    ['closed', {}, { state: 'closed' as const }, true],
    [
      'an issue it closes was closed',
      {},
      { closingIssues: [{ repo: 'o/r', number: 1, state: 'closed' as const, stateReason: null }] },
      true,
    ],
  ])('%s → %s', (_name, stale, fresh, needed) => {
    const b = { ...before, ...stale };
    expect(needsDetails(b, snapOf(before, fresh))).toBe(needed);
  });

  it('wants new PRs that belong to the queue and changed open ones', () => {
    const previous = new Map([[before.nodeId, before]]);
    const fresh = [
      snapOf(before, { updatedAt: at(3) }),
      snapOf(stored({ nodeId: 'N', number: 9 })),
      snapOf(stored({ nodeId: 'X', number: 10, repo: 'other/repo' })),
      snapOf(stored({ nodeId: 'M', number: 11, state: 'merged' })),
    ];
    const belongs = (p: PrSnapshot) => p.repo !== 'other/repo';
    expect(wantDetails(previous, fresh, belongs).map((p) => p.nodeId)).toEqual(['A', 'N']);
  });

  it.each([
    [[1], { skip: 1 }],
    [[1, 2], { retry: [[1], [2]] }],
    [
      [1, 2, 3, 4, 5],
      {
        retry: [
          [1, 2, 3],
          [4, 5],
        ],
      },
    ],
  ])('a failed batch %j → %j', (batch, outcome) => {
    expect(splitFailed(batch)).toEqual(outcome);
  });

  it('narrowing one unreadable PR out of 25 costs 5 failed requests after the first', () => {
    const bad = 17;
    let queue = [Array.from({ length: 25 }, (_, i) => i)];
    let failures = 0;
    const read: number[] = [];
    let skipped: number | undefined;
    while (queue.length > 0) {
      const [batch, ...rest] = queue;
      queue = rest;
      if (!batch!.includes(bad)) {
        read.push(...batch!);
        continue;
      }
      failures++;
      const split = splitFailed(batch!);
      if ('skip' in split) skipped = split.skip;
      else queue = [...split.retry, ...queue];
    }
    expect(skipped).toBe(bad);
    expect(read.sort((x, y) => x - y)).toEqual(
      Array.from({ length: 25 }, (_, i) => i).filter((i) => i !== bad),
    );
    expect(failures).toBe(6);
  });
});

describe('stored PRs a read may answer with as they are', () => {
  it.each<[string, Partial<StoredPr>, boolean, boolean]>([
    ['read from a node, details read', { nodeDigest: 'd' }, true, true],
    [
      'written before digests (or recorded closed without a node)',
      { nodeDigest: null },
      true,
      false,
    ],
    ['details never read', { nodeDigest: 'd', detailsAt: null }, true, false],
    ['an open PR the config no longer watches', { nodeDigest: 'd' }, false, false],
    ['an open PR the config now watches', { nodeDigest: 'd', watched: false }, true, false],
    ['a closed PR keeps its watching', { nodeDigest: 'd', state: 'closed' }, false, true],
  ])('%s', (_what, over, belongs, known) => {
    const pr = stored({ nodeId: 'A', ...over });
    expect(reusable(new Map([['A', pr]]), () => belongs).get('A')).toBe(known ? pr : undefined);
  });
});

describe('reconcile', () => {
  const now = 5_000;
  const a = stored({ nodeId: 'A', number: 1, title: 'old', firstSeenAt: 1, lastChangedAt: 1 });
  const b = stored({ nodeId: 'B', number: 2 });
  const belongs = () => true;

  it('records new PRs, real changes, resolutions; writes nothing for an unchanged PR', () => {
    const previous = new Map([a, b].map((p) => [p.nodeId, p]));
    const fresh = [
      snapOf(a, { title: 'new' }),
      snapOf(b),
      snapOf(stored({ nodeId: 'N', number: 3 })),
    ];
    const r = reconcile(previous, fresh, new Set(), belongs, now);
    expect(r.newPrs).toBe(1);
    expect(r.changed).toEqual([
      { repo: a.repo, number: 1, fields: [{ field: 'title', from: 'old', to: 'new' }] },
    ]);
    expect(r.toWrite.map((p) => p.nodeId)).toEqual(['A', 'N']);
    expect(r.current.get('A')).toMatchObject({ title: 'new', lastChangedAt: now, firstSeenAt: 1 });
    expect(r.queueSize).toBe(3);
    const merged = reconcile(previous, [snapOf(b, { state: 'merged' })], new Set(), belongs, now);
    expect(merged.resolved).toEqual([{ repo: b.repo, number: 2, state: 'merged' }]);
    expect(merged.current.get('A')).toEqual(a);
  });

  it('stamps the PRs whose details were read (or given up on) with the scan time', () => {
    const previous = new Map([[a.nodeId, a]]);
    const r = reconcile(previous, [snapOf(a)], new Set(['A']), belongs, now);
    expect(r.current.get('A')!.detailsAt).toBe(now);
    expect(r.toWrite).toHaveLength(1);
  });

  it('marks the PRs whose details were wanted and not read as never read, so the next scan asks again', () => {
    const previous = new Map([a, b].map((p) => [p.nodeId, p]));
    const changedA = snapOf(a, { updatedAt: '2026-06-15T11:00:00Z' });
    const r = reconcile(previous, [changedA, b], new Set(), belongs, now, new Set(['A', 'B']));
    expect(r.current.get('A')!.detailsAt).toBeNull();
    expect(r.current.get('B')!.detailsAt).toBeNull();
    expect(r.toWrite.map((p) => p.nodeId)).toEqual(['A', 'B']);
    expect(wantDetails(r.current, [changedA, b], belongs).map((p) => p.nodeId)).toEqual(['A', 'B']);
  });

  it('a PR GitHub sent as recorded (the stored object itself) is kept as it is, not written', () => {
    const previous = new Map([a, b].map((p) => [p.nodeId, p]));
    const r = reconcile(previous, [a, snapOf(b, { title: 'new' })], new Set(), belongs, now);
    expect(r.current.get('A')).toBe(a);
    expect(r.toWrite.map((p) => p.nodeId)).toEqual(['B']);
    expect(r.changes.has('A')).toBe(false);
    expect(r.queueSize).toBe(2);
    // Its details just read, or its watching changed: merged as any other snapshot.
    expect(reconcile(previous, [a], new Set(['A']), belongs, now).toWrite).toEqual([
      { ...a, detailsAt: now },
    ]);
    const unwatched = reconcile(previous, [a], new Set(), () => false, now);
    expect(unwatched.changes.get('A')).toEqual([{ field: 'watched', from: 'true', to: 'false' }]);
  });

  it('skips a new PR outside the queue (an ignored repo from an author search)', () => {
    const r = reconcile(new Map(), [snapOf(b)], new Set(), () => false, now);
    expect(r.toWrite).toEqual([]);
    expect(r.newPrs).toBe(0);
  });
});
