import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finalOutcome, runSession, type SessionRequest } from '../../src/dispatch/session.js';
import { recordSessionTokens } from '../../src/dispatch/tokens.js';
import { sqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { deadWithin, alive } from '../process/alive.js';
import { FAKE_BIN, agentEnv, tempLedger, type TempLedger } from './helpers.js';

let t: TempLedger;
beforeEach(() => {
  t = tempLedger();
});
afterEach(() => t.cleanup());

function request(tool: 'codex' | 'claude', mode: string, extra: Partial<SessionRequest> = {}) {
  const env = agentEnv(t.dir, {
    FAKE_AGENT_MODE: mode,
    FAKE_AGENT_TOKENS: '1000',
    FAKE_AGENT_DUMP_DIR: join(t.dir, 'dump'),
  });
  return {
    command: join(FAKE_BIN, tool),
    argv: tool === 'codex' ? ['exec', '--json', '-'] : ['-p', '--output-format', 'json'],
    cwd: t.dir,
    env,
    prompt: 'fix it',
    runLog: join(t.dir, 'runs', `${tool}-${mode}.log`),
    header: `# radar ${new Date().toISOString()} test`,
    timeoutMs: 20_000,
    idleTimeoutMs: 10_000,
    killGraceMs: 500,
    runLogMaxBytes: 1024 * 1024,
    tag: `RADAR_SESSION=test-${randomUUID()}`,
    ...extra,
  } satisfies SessionRequest;
}

/** What the ingest (the one parser of agent output) reads of a session's run log. */
const counted = (req: SessionRequest, agent: 'codex' | 'claude') =>
  recordSessionTokens({
    ledger: sqliteLedger(t.db),
    ledgerPath: t.path,
    machine: { id: 'test-machine', name: 'test' },
    escalationId: 1,
    pr: { repo: 'acme/widget', number: 1 },
    runLog: req.runLog,
    agent,
    zone: 'UTC',
    now: Date.now,
  });

const dumps = () =>
  readdirSync(join(t.dir, 'dump')).map(
    (f) => JSON.parse(readFileSync(join(t.dir, 'dump', f), 'utf8')) as Record<string, unknown>,
  );

describe('agent session', () => {
  it.each([
    ['codex', 'ok', 1100, /^codex:/],
    ['codex', 'codex-text', 1100, /^codex:/],
    ['claude', 'ok', 1100, /^claude:/],
  ] as const)(
    '%s %s: succeeds; its run log read once gives tokens, run key and session',
    async (tool, mode, tokens, key) => {
      const soFar: number[] = [];
      const req = request(tool, mode, { onTokens: (n) => soFar.push(n) });
      const r = await runSession(req);
      expect(r).toMatchObject({ kind: 'ran', outcome: 'succeeded', exitCode: 0 });
      const c = await counted(req, tool);
      expect(c).toMatchObject({ tokens, reportedError: false });
      expect(c.runKeys[0]).toMatch(key);
      expect(c.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      // The live tally, for the gate while the session runs, ends at what the ingest counted.
      expect(soFar.at(-1)).toBe(tokens);
      expect(dumps()[0]!.prompt).toBe('fix it');
    },
  );

  it('a failing agent is failed, its tokens still counted', async () => {
    const req = request('codex', 'fail');
    const r = await runSession(req);
    expect(r).toMatchObject({
      kind: 'ran',
      outcome: 'failed',
      exitCode: 1,
      reason: expect.stringContaining('the model gave up'),
    });
    expect((await counted(req, 'codex')).tokens).toBe(1100);
  });

  it('claude subtype success with is_error true is a failure', async () => {
    const req = request('claude', 'error-result');
    const r = await runSession(req);
    expect(r).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    const c = await counted(req, 'claude');
    expect(c).toMatchObject({ tokens: 1100, reportedError: true });
    if (r.kind !== 'ran') throw new Error('the agent did not run');
    expect(finalOutcome(r, c.reportedError)).toEqual({
      outcome: 'failed',
      reason: 'the agent reported an error result (is_error)',
    });
  });

  it('a silent agent: no marker, usage unknown (null, not zero)', async () => {
    const req = request('codex', 'silent');
    const r = await runSession(req);
    expect(r).toMatchObject({ outcome: 'succeeded' });
    expect(await counted(req, 'codex')).toMatchObject({ tokens: null, runKeys: [] });
  });

  it('a hanging agent is stopped by the idle limit', async () => {
    // The wall clock (20 s) would stop it too, with another reason: only the idle limit says idle.
    const r = await runSession(request('codex', 'hang', { idleTimeoutMs: 1000 }));
    expect(r).toMatchObject({
      kind: 'ran',
      outcome: 'timed_out',
      reason: 'stopped: no output within the idle time limit',
    });
  });

  it('an agent that keeps talking is stopped by the wall clock', async () => {
    const r = await runSession(request('codex', 'slow', { timeoutMs: 1500, idleTimeoutMs: 5000 }));
    expect(r).toMatchObject({
      kind: 'ran',
      outcome: 'timed_out',
      reason: expect.stringContaining('timed out after 1500 ms'),
    });
  });

  it('an agent that ignores SIGTERM is killed after the grace period', async () => {
    const req = request('codex', 'ignore-term', { timeoutMs: 1500 });
    const r = await runSession(req);
    expect(r).toMatchObject({ outcome: 'timed_out' });
    expect((await counted(req, 'codex')).tokens).toBe(1100);
    const pid = dumps()[0]!.pid as number;
    expect(await deadWithin(pid)).toBe(true);
  });

  it('is over when the agent exits, even if a grandchild holds stdout; the grandchild is ended', async () => {
    // The grandchild sleeps 300 s: a session waiting for its stdout would hit the 20 s limit and
    // be timed out, not succeeded.
    const req = request('codex', 'grandchild');
    const r = await runSession(req);
    expect(r).toMatchObject({ kind: 'ran', outcome: 'succeeded', reason: null });
    expect((await counted(req, 'codex')).tokens).toBe(1100);
    const grandchild = dumps()[0]!.grandchild as number;
    expect(await deadWithin(grandchild, 5000)).toBe(true);
    expect(alive(grandchild)).toBe(false);
  });

  it('stops what the agent started outside its group: a setsid child and a double-forked one', async () => {
    const req = request('codex', 'escape', { timeoutMs: 1500 });
    const r = await runSession(req);
    expect(r).toMatchObject({ outcome: 'timed_out' });
    expect((await counted(req, 'codex')).tokens).toBe(1100);
    const d = dumps()[0] as { pid: number; escaped: number[] };
    expect(d.escaped).toHaveLength(2);
    for (const pid of [d.pid, ...d.escaped]) expect(await deadWithin(pid, 5000)).toBe(true);
  });

  it('200 MB of output: streamed, the run log capped, the marker after it still counted', async () => {
    const before = process.memoryUsage().rss;
    const req = request('codex', 'flood', { runLogMaxBytes: 1024 * 1024 });
    const r = await runSession(req);
    expect(r).toMatchObject({ outcome: 'succeeded' });
    expect((await counted(req, 'codex')).tokens).toBe(1100);
    const log = join(t.dir, 'runs', 'codex-flood.log');
    expect(statSync(log).size).toBeLessThan(2 * 1024 * 1024);
    const text = readFileSync(log, 'utf8');
    expect(text.includes('"turn.completed"')).toBe(true);
    expect(text.includes('bytes of output without token markers were not kept')).toBe(true);
    // Nothing near 200 MB was held in memory.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('an agent that cannot start is a spawn failure (the next agent may be tried)', async () => {
    const r = await runSession({
      ...request('codex', 'ok'),
      command: join(t.dir, 'no-such-agent'),
    });
    expect(r).toMatchObject({ kind: 'spawn-failed' });
  });
});
