import { describe, expect, it } from 'vitest';
import {
  finalMessage,
  isPermissionRefusal,
  parseNumstat,
  parseRemotes,
  planResults,
  pushGuards,
  pushRemote,
  type ResultFacts,
  type ResultPolicy,
} from '../../src/dispatch/results.js';
import type { GuardKind } from '../../src/core/actions.js';

const POLICY: ResultPolicy = {
  authors: ['me'],
  pushOthersPrs: false,
  maxPatch: { files: 20, lines: 800 },
  guardedPaths: ['.github/workflows/**', '.github/actions/**'],
  allowWorkflowChanges: false,
  autoApply: false,
};

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function facts(
  pr: Partial<ResultFacts['pr']> = {},
  work: Partial<ResultFacts['work']> = {},
  signals: ResultFacts['signals'] = ['ci_failing'],
): ResultFacts {
  return {
    pr: {
      repo: 'acme/app',
      number: 7,
      author: 'me',
      headRef: 'fix-7',
      headRepo: 'acme/app',
      headFork: false,
      maintainerCanModify: false,
      baseRef: 'main',
      ...pr,
    },
    signals,
    succeeded: true,
    work: {
      branch: 'radar/pr-7-e1',
      baseSha: A,
      tipSha: B,
      commits: 1,
      files: 2,
      additions: 10,
      deletions: 3,
      paths: ['src/a.ts', 'test/a.test.ts'],
      message: 'Fixed the failing test.',
      ...work,
    },
  };
}

describe('push guards', () => {
  it.each<[string, ResultFacts, Partial<ResultPolicy>, GuardKind[]]>([
    ['a small fix on my own branch', facts(), {}, []],
    ['no commits', facts({}, { commits: 0, tipSha: A, files: 0, paths: [] }), {}, ['no_commits']],
    [
      'no checkout at all',
      facts({}, { branch: null, tipSha: null, commits: 0 }),
      {},
      ['no_commits'],
    ],
    ['too many files', facts({}, { files: 21 }), {}, ['patch_too_large']],
    ['too many lines', facts({}, { additions: 700, deletions: 101 }), {}, ['patch_too_large']],
    ['exactly at the limit', facts({}, { files: 20, additions: 400, deletions: 400 }), {}, []],
    ['a workflow file', facts({}, { paths: ['.github/workflows/ci.yml'] }), {}, ['workflow_files']],
    [
      'an action file',
      facts({}, { paths: ['.github/actions/x/action.yml'] }),
      {},
      ['workflow_files'],
    ],
    [
      'a workflow file, allowed',
      facts({}, { paths: ['.github/workflows/ci.yml'] }),
      { allowWorkflowChanges: true },
      [],
    ],
    [
      'a configured glob',
      facts({}, { paths: ['Makefile'] }),
      { guardedPaths: ['Makefile'] },
      ['workflow_files'],
    ],
    ['someone else’s PR', facts({ author: 'other' }), {}, ['not_own_pr']],
    ['someone else’s PR, allowed', facts({ author: 'other' }), { pushOthersPrs: true }, []],
    ['author case differs', facts({ author: 'ME' }), {}, []],
    ['head branch unknown', facts({ headRef: null }), {}, ['no_head_branch']],
    ['head branch is the base branch', facts({ headRef: 'main' }), {}, ['no_head_branch']],
    ['deleted fork', facts({ headRepo: null, headFork: true }), {}, ['permission']],
    [
      'a fork of someone else, maintainers may not modify',
      facts({ headRepo: 'other/app', headFork: true }),
      {},
      ['permission'],
    ],
    [
      'a fork of someone else, maintainers may modify',
      facts({ headRepo: 'other/app', headFork: true, maintainerCanModify: true }),
      {},
      [],
    ],
    ['my own fork', facts({ headRepo: 'me/app', headFork: true }), {}, []],
    [
      'my fork branch named like the base branch',
      facts({ headRepo: 'me/app', headFork: true, headRef: 'main' }),
      {},
      [],
    ],
    [
      'several at once',
      facts({ author: 'other' }, { files: 30, paths: ['.github/workflows/ci.yml'] }),
      {},
      ['not_own_pr', 'patch_too_large', 'workflow_files'],
    ],
  ])('%s', (_name, f, policy, kinds) => {
    const guards = pushGuards(f, { ...POLICY, ...policy });
    expect(guards.map((g) => g.kind)).toEqual(kinds);
    for (const g of guards) expect(g.reason.length).toBeGreaterThan(10);
  });
});

describe('planResults', () => {
  it.each<[string, ResultFacts, string[]]>([
    ['commits for failing CI: a push only', facts(), ['push']],
    [
      'commits and a reply for a change request: both',
      facts({}, {}, ['changes_requested']),
      ['push', 'comment'],
    ],
    [
      'a question answered without commits: the reply only',
      facts({}, { commits: 0, tipSha: A }, ['maintainer_comment']),
      ['comment'],
    ],
    [
      'a guarded push keeps the reply',
      facts({}, { paths: ['.github/workflows/x.yml'] }, ['maintainer_comment']),
      ['comment'],
    ],
    ['a drafted description', facts({}, { commits: 0, tipSha: A }, ['stale_body']), ['edit_body']],
    [
      'no final message: no reply',
      facts({}, { commits: 0, tipSha: A, message: null }, ['maintainer_comment']),
      [],
    ],
    [
      'a message of invisible characters only: no reply',
      facts({}, { commits: 0, tipSha: A, message: '\u200b\u202e' }, ['maintainer_comment']),
      [],
    ],
    ['a failed session queues nothing', { ...facts(), succeeded: false }, []],
  ])('%s', (_name, f, kinds) => {
    expect(planResults(f, POLICY).actions.map((a) => a.kind)).toEqual(kinds);
  });

  it('a push goes fast-forward from the head the session started at to its tip', () => {
    const [push] = planResults(facts(), { ...POLICY, autoApply: true }).actions;
    expect(push).toMatchObject({
      kind: 'push',
      branch: 'fix-7',
      headRepo: 'acme/app',
      from: A,
      to: B,
      auto: true,
    });
  });

  it('a reply is sanitised and bounded', () => {
    const long = `<!-- hidden -->ok\u202e ${'x'.repeat(5000)}`;
    const [reply] = planResults(
      facts({}, { commits: 0, tipSha: A, message: long }, ['maintainer_comment']),
      POLICY,
    ).actions;
    expect(reply!.kind).toBe('comment');
    const body = (reply as { body: string }).body;
    expect(body.startsWith('ok x')).toBe(true);
    expect(body).not.toContain('hidden');
    expect(body.length).toBeLessThan(4100);
  });
});

describe('finalMessage', () => {
  const codexItem = (text: string) =>
    JSON.stringify({ type: 'item.completed', item: { id: 'i', type: 'agent_message', text } });
  it.each<[string, string[], string | null]>([
    [
      'the last Codex agent_message',
      [
        '# radar header',
        codexItem('first'),
        JSON.stringify({ type: 'item.completed', item: { type: 'command_execution' } }),
        codexItem('Fixed it.'),
        JSON.stringify({ type: 'turn.completed', usage: {} }),
      ],
      'Fixed it.',
    ],
    [
      'a Claude result',
      [JSON.stringify({ type: 'result', is_error: false, result: 'Addressed the review.' })],
      'Addressed the review.',
    ],
    [
      'a Claude error result is no message',
      [JSON.stringify({ type: 'result', is_error: true, result: 'API Error' })],
      null,
    ],
    [
      'a Claude conversation array',
      [JSON.stringify([{ type: 'system' }, { type: 'result', result: 'Done.' }])],
      'Done.',
    ],
    [
      'the last codex block of the text transcript',
      [
        'user',
        'do it',
        'codex',
        'Working on it.',
        'exec',
        'ls',
        'codex',
        'All done.',
        'tokens used',
        '1,234',
      ],
      'All done.',
    ],
    ['nothing', ['thinking…', 'nothing to report'], null],
    ['a broken JSON line', ['{"type":"result","result":'], null],
  ])('%s', (_name, lines, message) => {
    expect(finalMessage(lines)).toBe(message);
  });
});

describe('parseNumstat', () => {
  it('counts files and lines, binary files as files', () => {
    expect(
      parseNumstat('3\t1\tsrc/a.ts\n-\t-\timg.png\n10\t0\t.github/workflows/ci.yml\n'),
    ).toEqual({
      files: 3,
      additions: 13,
      deletions: 1,
      paths: ['src/a.ts', 'img.png', '.github/workflows/ci.yml'],
    });
    expect(parseNumstat('')).toEqual({ files: 0, additions: 0, deletions: 0, paths: [] });
  });
});

describe('pushRemote', () => {
  const remotes = parseRemotes(
    [
      'origin\thttps://github.com/acme/app.git (fetch)',
      'origin\thttps://github.com/acme/app.git (push)',
      'mine\tgit@github.com:me/app.git (fetch)',
      'mine\tgit@github.com:me/app.git (push)',
      'other\t/srv/git/someone/app (push)',
    ].join('\n'),
  );
  it.each<[string, string, string | undefined, string | undefined]>([
    ['the PR’s own repository: the configured remote', 'acme/app', 'upstream', 'upstream'],
    ['the PR’s own repository: origin by default', 'acme/app', undefined, 'origin'],
    ['a fork over SSH', 'me/app', undefined, 'mine'],
    ['a fork on a path', 'someone/app', undefined, 'other'],
    ['a fork no remote names', 'stranger/app', undefined, undefined],
  ])('%s', (_name, headRepo, configured, remote) => {
    expect(pushRemote(remotes, { repo: 'acme/app', headRepo }, configured)).toBe(remote);
  });
});

describe('isPermissionRefusal', () => {
  it.each([
    ['remote: Permission to other/app.git denied to me.', true],
    ['fatal: unable to access: The requested URL returned error: 403', true],
    ['git@github.com: Permission denied (publickey).', true],
    ['fatal: could not read Username for https://github.com: terminal prompts disabled', true],
    [' ! [rejected]        x -> fix (non-fast-forward)', false],
    ['fatal: unable to access: Could not resolve host: github.com', false],
  ])('%s', (stderr, refused) => {
    expect(isPermissionRefusal(stderr)).toBe(refused);
  });
});
