import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSession, type SessionRequest } from '../../src/dispatch/session.js';
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
    zone: 'UTC',
    tag: `RADAR_SESSION=test-${randomUUID()}`,
    ...extra,
  } satisfies SessionRequest;
}

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
    '%s %s: succeeds, markers parsed live, run key known',
    async (tool, mode, tokens, key) => {
      const r = await runSession(request(tool, mode));
      expect(r).toMatchObject({
        kind: 'ran',
        outcome: 'succeeded',
        exitCode: 0,
        liveTokens: tokens,
        runKeys: [expect.stringMatching(key)],
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(dumps()[0]!.prompt).toBe('fix it');
    },
  );

  it('a failing agent is failed, its tokens still counted', async () => {
    const r = await runSession(request('codex', 'fail'));
    expect(r).toMatchObject({
      kind: 'ran',
      outcome: 'failed',
      exitCode: 1,
      liveTokens: 1100,
      reason: expect.stringContaining('the model gave up'),
    });
  });

  it('claude subtype success with is_error true is a failure', async () => {
    const r = await runSession(request('claude', 'error-result'));
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 0, liveTokens: 1100 });
  });

  it('a silent agent: no marker, usage unknown (null, not zero)', async () => {
    const r = await runSession(request('codex', 'silent'));
    expect(r).toMatchObject({ outcome: 'succeeded', liveTokens: null, runKeys: [] });
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
    const r = await runSession(request('codex', 'ignore-term', { timeoutMs: 1500 }));
    expect(r).toMatchObject({ outcome: 'timed_out', liveTokens: 1100 });
    const pid = dumps()[0]!.pid as number;
    expect(await deadWithin(pid)).toBe(true);
  });

  it('is over when the agent exits, even if a grandchild holds stdout; the grandchild is ended', async () => {
    // The grandchild sleeps 300 s: a session waiting for its stdout would hit the 20 s limit and
    // be timed out, not succeeded.
    const r = await runSession(request('codex', 'grandchild'));
    expect(r).toMatchObject({ kind: 'ran', outcome: 'succeeded', liveTokens: 1100, reason: null });
    const grandchild = dumps()[0]!.grandchild as number;
    expect(await deadWithin(grandchild, 5000)).toBe(true);
    expect(alive(grandchild)).toBe(false);
  });

  it('stops what the agent started outside its group: a setsid child and a double-forked one', async () => {
    const r = await runSession(request('codex', 'escape', { timeoutMs: 1500 }));
    expect(r).toMatchObject({ outcome: 'timed_out', liveTokens: 1100 });
    const d = dumps()[0] as { pid: number; escaped: number[] };
    expect(d.escaped).toHaveLength(2);
    for (const pid of [d.pid, ...d.escaped]) expect(await deadWithin(pid, 5000)).toBe(true);
  });

  it('200 MB of output: streamed, the run log capped, the marker after it still counted', async () => {
    const before = process.memoryUsage().rss;
    const r = await runSession(request('codex', 'flood', { runLogMaxBytes: 1024 * 1024 }));
    expect(r).toMatchObject({ outcome: 'succeeded', liveTokens: 1100 });
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
