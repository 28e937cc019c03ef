/* eslint-disable no-control-regex -- the tests look for control characters */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakePullRequest } from '../../src/testing/fake-github/scenario.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runRadar, tempTree } from '../helpers/cli.js';

/**
 * A PR whose title, failing check and maintainer comment carry terminal escapes: an OSC that
 * sets the window title, clear-screen, SGR colour, a right-to-left override, NUL. After a scan,
 * `radar queue` and `radar explain` show them escaped; `--json` gives them back unchanged.
 */
const ESC = '\x1b';
const TITLE = `fix: upload${ESC}]0;pwned\x07${ESC}[2J${ESC}[31mred\u202Eevil\u0000end`;
const CHECK = `build${ESC}[2J\u202E`;
const COMMENT = `Why retry?${ESC}]0;owned\x07${ESC}[2J`;
/** What a terminal acts on: C0 controls but newline, DEL, C1, bidirectional controls. */
const ACTIVE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const NOW = '2026-06-15T12:00:00Z';

const hostile: FakePullRequest = {
  repo: 'acme/app',
  number: 7,
  title: TITLE,
  author: 'alice',
  state: 'OPEN',
  headSha: 'a'.repeat(40),
  headCommittedAt: '2026-06-12T10:00:00Z',
  mergeable: 'MERGEABLE',
  reviewDecision: null,
  checks: [{ kind: 'check_run', name: CHECK, status: 'COMPLETED', conclusion: 'FAILURE' }],
  reviews: [],
  comments: [
    {
      author: 'maint',
      authorAssociation: 'MEMBER',
      body: COMMENT,
      createdAt: '2026-06-14T10:00:00Z',
    },
  ],
  additions: 3,
  deletions: 1,
  changedFiles: 1,
  createdAt: '2026-06-10T10:00:00Z',
  updatedAt: '2026-06-14T10:00:00Z',
};

let fake: FakeGitHub;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  fake = await startFakeGitHub({
    viewer: 'alice',
    tokens: ['t0ken'],
    scopes: ['repo'],
    pullRequests: [hostile],
  });
  const t = tempTree({
    'config/radar.json': JSON.stringify({ watch: { authors: ['alice'] } }),
  });
  dir = t.dir;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await fake.close();
  cleanup();
});

const radar = (args: string[], env: Record<string, string | undefined> = {}) =>
  runRadar(args, {
    cwd: dir,
    env: { GITHUB_API_URL: fake.url, GITHUB_TOKEN: 't0ken', RADAR_NOW: NOW, ...env },
  });

describe('terminal escapes in GitHub text', () => {
  it('are shown escaped by queue and explain, and kept by --json', async () => {
    const scan = await radar(['scan', '--verbose']);
    expect(scan.code).toBe(0);

    const queue = await radar(['queue']);
    expect(queue.code).toBe(0);
    // The title column is 20 characters wide here: the start of the escaped OSC shows.
    expect(queue.stdout).toContain('fix: upload\\x1b]0;p');
    expect(queue.stdout).toContain('failing (build\\x1b[2J\\u202e)');
    expect(queue.stdout).not.toMatch(ACTIVE);

    const explain = await radar(['explain', 'acme/app#7']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain(
      'fix: upload\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\u202eevil\\x00end',
    );
    expect(explain.stdout).toContain('build\\x1b[2J\\u202e');
    // The quote is cleaned as prompts are: its controls removed.
    expect(explain.stdout).toContain('“Why retry?]0;owned[2J”');
    expect(explain.stdout).not.toMatch(ACTIVE);
    for (const r of [scan, queue, explain]) expect(r.stderr).not.toMatch(ACTIVE);

    const json = await radar(['--json', 'queue']);
    expect(json.stdout).not.toMatch(ACTIVE);
    const [entry] = JSON.parse(json.stdout) as { title: string; failingChecks: string[] }[];
    expect(entry).toMatchObject({ title: TITLE, failingChecks: [CHECK] });
    const explained = await radar(['--json', 'explain', 'acme/app#7']);
    expect(explained.stdout).not.toMatch(ACTIVE);
    const detail = JSON.parse(explained.stdout) as {
      title: string;
      signals: { kind: string; evidence: { body?: string } }[];
    };
    expect(detail.title).toBe(TITLE);
    expect(detail.signals.find((x) => x.kind === 'maintainer_comment')?.evidence.body).toBe(
      COMMENT,
    );
  });

  it("keep radar's own colour when colour is forced, and only its own", async () => {
    expect((await radar(['scan'])).code).toBe(0);
    const queue = await radar(['queue'], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(queue.stdout).toContain(`${ESC}[31mescalate`);
    const withoutOwn = queue.stdout.replace(/\x1b\[(1|2|22|31|32|33|39)m/g, '');
    expect(withoutOwn).not.toContain(ESC);
    expect(withoutOwn).toContain('failing (build\\x1b[2J\\u202e)');
  });
});
