import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Truth, TruthRun } from '../../scripts/agents/truth.js';
import { AGENT_VERSIONS, versionKey } from '../../scripts/agents/versions.js';
import {
  expectedByBucket,
  ingestFixture,
  listRealFixtures,
  REAL_FIXTURES,
} from '../helpers/real-fixtures.js';

/**
 * The fixtures the real agent CLIs wrote against the stand-in model server (scripts/agents/,
 * docs/real-agents.md): every scenario folder holds the files its truth.json lists, and the
 * truth is well-formed and adds up. The helpers other tests use to ingest a scenario and compare
 * it with its truth live in test/helpers/real-fixtures.ts (re-exported here); import them from
 * there, since importing this file would run its tests again.
 */
export {
  expectedByBucket,
  ingestFixture,
  listRealFixtures,
  loadTruth,
} from '../helpers/real-fixtures.js';

const fixtures = listRealFixtures();
const runs = fixtures.flatMap((f) =>
  f.truth.runs.map((run) => ({ ...f, run, id: `${f.name} ${run.name}` })),
);
const byFormat = (format: TruthRun['launcherFormat']) =>
  runs.filter((r) => r.run.launcherFormat === format);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((rel) => rel !== 'truth.json')
    .sort();
}

const atLeast = (version: string, minor: number) => Number(version.split('.')[1]) >= minor;

describe('real agent fixtures', () => {
  it('has a folder for every agent version the generator runs, and no other', () => {
    expect(readdirSync(REAL_FIXTURES).sort()).toEqual(AGENT_VERSIONS.map(versionKey).sort());
  });

  it.each(AGENT_VERSIONS.map((v) => ({ ...v, key: versionKey(v) })))(
    '$key has its scenarios',
    ({ agent, version, key }) => {
      const expected =
        agent === 'claude'
          ? ['json', 'nightly', 'resume', 'stream']
          : ['exec', 'json', 'nightly', ...(atLeast(version, 36) ? ['resume'] : [])].sort();
      expect(readdirSync(join(REAL_FIXTURES, key)).sort()).toEqual(expected);
    },
  );

  describe.each(fixtures)('$name', ({ name, dir, truth }) => {
    it('names the agent, version and scenario of its folder', () => {
      expect(`${truth.agent}-${truth.version}/${truth.scenario}`).toBe(name);
    });

    it('lists exactly the files it holds, each with its time', () => {
      expect(filesUnder(dir)).toEqual(truth.files);
      expect(Object.keys(truth.mtimes).sort()).toEqual(truth.files);
    });

    it("names only its own files as a run's launcher or session file", () => {
      const named = truth.runs.flatMap((r) => [
        r.launcher,
        ...(r.sessionFile ? [r.sessionFile] : []),
      ]);
      expect(named.filter((f) => !truth.files.includes(f))).toEqual([]);
    });

    it('adds up each run from its usage', () => {
      for (const run of truth.runs) {
        const sums =
          truth.agent === 'codex'
            ? {
                tokens: run.codex!.input + run.codex!.output,
                blended: run.codex!.input - run.codex!.cachedInput + run.codex!.output,
              }
            : {
                tokens:
                  run.claude!.input +
                  run.claude!.cacheCreation +
                  run.claude!.cacheRead +
                  run.claude!.output,
              };
        expect({ tokens: run.tokens, blended: run.blended }).toEqual({
          blended: undefined,
          ...sums,
        });
        expect(run.exitCode).toBe(0);
      }
    });

    it('numbers the model responses once each, in the order of its runs', () => {
      const seqs = truth.runs.flatMap((r) => r.responses);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    });

    it('holds each copy byte for byte', () => {
      for (const { copy, of } of truth.copies) {
        expect(readFileSync(join(dir, copy)).equals(readFileSync(join(dir, of)))).toBe(true);
      }
      expect(truth.copies.map((c) => c.copy)).toEqual(
        truth.scenario === 'nightly' ? ['logs/nightly.log.1'] : [],
      );
    });
  });

  it.each(runs.filter((r) => r.run.sessionFile !== undefined))(
    "$id: the session file is named for the run's session",
    ({ run }) => {
      expect(run.sessionFile).toContain(`${run.sessionId}.jsonl`);
    },
  );

  it.each(runs.filter((r) => r.run.resumes !== undefined))(
    '$id resumes an earlier run of the same session',
    ({ truth, run }) => {
      const at = truth.runs.indexOf(run);
      const earlier = truth.runs.slice(0, at).find((r) => r.name === run.resumes);
      expect(earlier?.sessionId).toBe(run.sessionId);
    },
  );

  it.each(byFormat('codex-text'))(
    '$id: the human log names the Codex version',
    ({ dir, run, truth }) => {
      expect(readFileSync(join(dir, run.launcher), 'utf8')).toContain(
        `OpenAI Codex v${truth.version}`,
      );
    },
  );

  it.each(byFormat('codex-exec-json'))('$id: `--json` output is JSON lines', ({ dir, run }) => {
    const lines = readFileSync(join(dir, run.launcher), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.map((l) => typeof JSON.parse(l))).toEqual(lines.map(() => 'object'));
  });

  it.each([...byFormat('claude-result'), ...byFormat('claude-stream-json')])(
    "$id: the result names the run's session",
    ({ dir, run }) => {
      const results = readFileSync(join(dir, run.launcher), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type?: string; session_id?: string })
        .filter((o) => o.type === 'result');
      expect(results.map((r) => r.session_id)).toContain(run.sessionId);
    },
  );
});

/** A resumed Codex thread and a cron log copied byte for byte, in the shape the generator writes. */
const run = (
  over: Partial<TruthRun> & Pick<TruthRun, 'name' | 'launcher' | 'bucket'>,
): TruthRun => ({
  argv: ['exec'],
  launcherFormat: 'codex-text',
  sessionId: 'thread-a',
  sessionFileHasUsage: true,
  model: 'gpt-5',
  responses: [1],
  tokens: 100,
  blended: 60,
  exitCode: 0,
  ...over,
});
const resumed: Truth = {
  agent: 'codex',
  version: '0.171.0',
  scenario: 'resume',
  about: 'table',
  runs: [
    run({
      name: 'first',
      launcher: 'logs/first.log',
      bucket: 'first',
      sessionFile: 'rollout-a.jsonl',
    }),
    run({
      name: 'again',
      launcher: 'logs/again.jsonl',
      launcherFormat: 'codex-exec-json',
      bucket: 'again',
      sessionFile: 'rollout-a.jsonl',
      tokens: 50,
      blended: 30,
      resumes: 'first',
    }),
  ],
  copies: [],
  files: ['logs/again.jsonl', 'logs/first.log', 'rollout-a.jsonl'],
  mtimes: {},
};
const nightly: Truth = {
  ...resumed,
  scenario: 'nightly',
  runs: [
    run({
      name: 'n1',
      launcher: 'logs/nightly.log',
      bucket: 'nightly',
      sessionFile: 'rollout-1.jsonl',
    }),
    run({
      name: 'n2',
      launcher: 'logs/nightly.log',
      bucket: 'nightly',
      sessionFile: 'rollout-2.jsonl',
      sessionFileHasUsage: false,
      tokens: 10,
      blended: 7,
    }),
  ],
  copies: [{ copy: 'logs/nightly.log.1', of: 'logs/nightly.log' }],
};

describe('expectedByBucket', () => {
  it.each([
    { truth: resumed, read: resumed.files, expected: { first: 100, again: 50 } },
    { truth: resumed, read: ['rollout-a.jsonl'], expected: { 'codex-session': 150 } },
    {
      truth: resumed,
      read: ['logs/first.log', 'logs/again.jsonl'],
      expected: { first: 60, again: 50 },
    },
    {
      truth: resumed,
      read: ['rollout-a.jsonl', 'logs/first.log'],
      expected: { first: 100, 'codex-session': 50 },
    },
    { truth: resumed, read: [], expected: {} },
    { truth: nightly, read: ['logs/nightly.log', 'logs/nightly.log.1'], expected: { nightly: 67 } },
    { truth: nightly, read: ['logs/nightly.log.1'], expected: { nightly: 67 } },
    {
      truth: nightly,
      read: ['logs/nightly.log', 'logs/nightly.log.1', 'rollout-1.jsonl', 'rollout-2.jsonl'],
      expected: { nightly: 107 },
    },
    {
      truth: nightly,
      read: ['rollout-1.jsonl', 'rollout-2.jsonl'],
      expected: { 'codex-session': 100 },
    },
  ])('$truth.scenario after $read', ({ truth, read, expected }) => {
    expect(expectedByBucket(truth, read)).toEqual(expected);
  });
});

describe('ingestFixture', () => {
  const exec = fixtures.find((f) => f.name === 'codex-0.171.0/exec')!;

  it('ingests a scenario into a fresh ledger, in the batches given, and reports its buckets', async () => {
    const whole = await ingestFixture(exec.dir);
    expect(whole.byBucket).toEqual(expectedByBucket(exec.truth, exec.truth.files));
    expect(whole.total).toBe(exec.truth.runs[0]!.tokens);

    const logOnly = exec.truth.files.filter((f) => f.startsWith('logs/'));
    const split = await ingestFixture(exec.dir, [logOnly]);
    expect(split.byBucket).toEqual(expectedByBucket(exec.truth, logOnly));
    expect(split.ingests.map((i) => i.filesSeen)).toEqual([logOnly.length]);
  });
});
