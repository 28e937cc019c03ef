import { describe, expect, it } from 'vitest';
import { parseStat, sessionMembers, type Proc, type SessionScope } from '../../src/process/tree.js';

describe('parseStat', () => {
  const tail = (state: string, ppid: number, pgid: number, start: number) =>
    `${state} ${ppid} ${pgid} ${pgid} 0 -1 4194560 80 0 0 0 0 0 0 0 20 0 1 0 ${start} 2564096 130 18446744073709551615`;
  it.each([
    [
      'a plain command',
      `4242 (sleep) ${tail('S', 1, 4242, 987654)}`,
      { pid: 4242, ppid: 1, pgid: 4242, start: 987654, zombie: false },
    ],
    [
      'a name with spaces and parentheses',
      `77 (a (b) c) ${tail('R', 5, 70, 12)}`,
      { pid: 77, ppid: 5, pgid: 70, start: 12, zombie: false },
    ],
    [
      'a zombie',
      `9 (node) ${tail('Z', 3, 3, 40)}`,
      { pid: 9, ppid: 3, pgid: 3, start: 40, zombie: true },
    ],
    [
      'a dead one',
      `9 (node) ${tail('X', 3, 3, 40)}`,
      { pid: 9, ppid: 3, pgid: 3, start: 40, zombie: true },
    ],
    ['no name', '12 sleep S 1 12', undefined],
    ['cut short', '12 (sleep) S 1 12 12', undefined],
    ['not a number', `x (sleep) ${tail('S', 1, 4242, 5)}`, undefined],
  ])('%s', (_name, text, expected) => {
    expect(parseStat(text)).toEqual(expected);
  });
});

const p = (pid: number, ppid: number, pgid: number, zombie = false): Proc => ({
  pid,
  ppid,
  pgid,
  start: pid * 10,
  zombie,
});

/**
 * A process table: radar (100, group 100) started an agent (200, its own group); the agent's
 * child 201 stays in the group, 202 called setsid (group 202) and has a child 203; 300 was
 * double-forked by the agent (re-parented to init) and carries the tag; 400 is unrelated; 204 is
 * a zombie member of the group.
 */
const TABLE: Proc[] = [
  p(1, 0, 1),
  p(100, 1, 100),
  p(200, 100, 200),
  p(201, 200, 200),
  p(202, 200, 202),
  p(203, 202, 202),
  p(204, 200, 200, true),
  p(300, 1, 300),
  p(301, 300, 300),
  p(400, 1, 400),
];
const scope = (s: Partial<SessionScope>): SessionScope => ({
  pgid: null,
  tagged: new Set(),
  exclude: new Set(),
  ...s,
});

describe('sessionMembers', () => {
  it.each([
    [
      'the group alone reaches the setsid child through its parent',
      scope({ pgid: 200 }),
      [200, 201, 202, 203],
    ],
    [
      'the tag reaches the re-parented grandchild and its children',
      scope({ pgid: 200, tagged: new Set([300]) }),
      [200, 201, 202, 203, 300, 301],
    ],
    [
      'tags alone, the group unknown (radar died before recording it)',
      scope({ tagged: new Set([200, 300]) }),
      [200, 201, 202, 203, 300, 301],
    ],
    [
      'excluded pids are never members',
      scope({ pgid: 200, exclude: new Set([202]) }),
      [200, 201, 203],
    ],
    ['init is never a member, whatever claims it', scope({ tagged: new Set([1]) }), []],
    ['a group that is gone has no members', scope({ pgid: 999 }), []],
  ])('%s', (_name, s, pids) => {
    expect(sessionMembers(TABLE, s).map((m) => m.pid)).toEqual(pids);
  });
});
