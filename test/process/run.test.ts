import { randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeFailure,
  run,
  runShell,
  type Exited,
  type RunResult,
} from '../../src/process/run.js';
import { deadWithin } from './alive.js';

function exited(result: RunResult): Exited {
  if (result.kind !== 'exited') throw new Error(`expected an exited run, got ${result.message}`);
  return result;
}

const firstPid = (text: string) => Number(/\d+/.exec(text)?.[0]);

describe('process runner', () => {
  it('reports exit code, stdout and stderr', async () => {
    const r = exited(await runShell('echo out; echo err >&2; exit 3'));
    expect(r).toMatchObject({ code: 3, signal: null, timedOut: false, aborted: false });
    expect(r.stdout).toEqual({ text: 'out\n', bytes: 4, truncated: false });
    expect(r.stderr.text).toBe('err\n');
    expect(describeFailure(r)).toBe('exit 3: err');
  });

  it('reports the signal that ended the child', async () => {
    const r = exited(await runShell('kill -USR1 $$; sleep 5'));
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGUSR1');
    expect(describeFailure(r)).toBe('killed by SIGUSR1');
  });

  it('runs an executable directly, with no shell between', async () => {
    const r = exited(await run('printf', { args: ['%s|', '$HOME', 'a b', '*'] }));
    expect(r.stdout.text).toBe('$HOME|a b|*|');
  });

  it('delivers stdin and then closes it; without input stdin is empty', async () => {
    const withInput = exited(await run('cat', { input: 'hello\nworld\n', timeoutMs: 10_000 }));
    expect(withInput).toMatchObject({ code: 0, timedOut: false });
    expect(withInput.stdout.text).toBe('hello\nworld\n');
    const without = exited(await run('cat', { timeoutMs: 10_000 }));
    expect(without).toMatchObject({ code: 0, timedOut: false });
    expect(without.stdout.text).toBe('');
  });

  it('passes env and cwd', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'radar-run-')));
    try {
      const r = exited(
        await runShell('echo "$RADAR_RUN_TEST"; pwd', {
          env: { PATH: process.env.PATH, RADAR_RUN_TEST: 'here' },
          cwd: dir,
        }),
      );
      expect(r.stdout.text).toBe(`here\n${dir}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns a missing command as a spawn error, not an exception', async () => {
    const r = await run('radar-no-such-command-for-tests');
    expect(r).toMatchObject({ kind: 'spawn-error', code: 'ENOENT' });
    expect(describeFailure(r)).toBe('radar-no-such-command-for-tests: command not found');
    const byPath = await run('/nonexistent/dir/tool', { args: ['--version'] });
    expect(byPath).toMatchObject({ kind: 'spawn-error', code: 'ENOENT' });
  });

  it('ends at its time limit even when a grandchild holds the pipes, and kills the grandchild', async () => {
    const r = exited(
      await runShell('sleep 1000 & echo $!; sleep 1000', { timeoutMs: 400, killGraceMs: 1000 }),
    );
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
    expect(describeFailure(r, 400)).toBe('timed out after 400 ms');
    const grandchild = firstPid(r.stdout.text);
    expect(grandchild).toBeGreaterThan(1);
    expect(await deadWithin(grandchild)).toBe(true);
  });

  it('sends SIGKILL to a group that ignores SIGTERM, after the grace period', async () => {
    const r = exited(
      // The leader notes SIGTERM and carries on; its background child ignores SIGTERM.
      await runShell(
        "trap '' TERM; sleep 1000 & echo $!; trap 'echo term' TERM; while :; do sleep 1; done",
        {
          timeoutMs: 300,
          killGraceMs: 700,
        },
      ),
    );
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', code: null });
    // SIGTERM came first and was survived; SIGKILL ended it.
    expect(r.stdout.text).toMatch(/^\d+\nterm\n$/);
    expect(await deadWithin(firstPid(r.stdout.text))).toBe(true);
  });

  it('completes promptly when the child exits while a grandchild still holds its pipes', async () => {
    const r = exited(await runShell('sleep 1000 & echo $!; echo done', { killGraceMs: 500 }));
    expect(r).toMatchObject({ code: 0, timedOut: false });
    expect(r.stdout.text).toMatch(/^\d+\ndone\n$/);
    // Nothing it started is left behind.
    expect(await deadWithin(firstPid(r.stdout.text))).toBe(true);
  });

  it('cuts the pipes of a grandchild that ignores SIGTERM, and kills it after the grace period', async () => {
    const r = exited(await runShell("trap '' TERM; sleep 1000 & echo $!", { killGraceMs: 500 }));
    expect(r).toMatchObject({ code: 0, timedOut: false });
    expect(await deadWithin(firstPid(r.stdout.text), 5000)).toBe(true);
  });

  it.each([
    ['when it exits', 'echo started', {}],
    ['at its time limit', 'echo started; sleep 30', { timeoutMs: 400 }],
  ])(
    'contained: stops what the child started outside its group (setsid, double fork) %s',
    async (_when, rest, limits) => {
      const quiet = '</dev/null >/dev/null 2>&1';
      const r = exited(
        await runShell(
          `setsid sleep 30 ${quiet} & echo $!; (setsid sleep 30 ${quiet} & echo $!); ${rest}`,
          { contain: { tag: `RADAR_RUN_TEST=${randomUUID()}` }, killGraceMs: 500, ...limits },
        ),
      );
      const pids = r.stdout.text.trim().split('\n').slice(0, 2).map(Number);
      expect(pids.every((pid) => pid > 1)).toBe(true);
      for (const pid of pids) expect(await deadWithin(pid, 5000)).toBe(true);
    },
  );

  it('keeps the first and last part of a large output and counts every byte', async () => {
    const seen: string[] = [];
    const r = exited(
      await runShell('printf start; yes | head -n 100000; printf end', {
        maxOutputBytes: 1000,
        onStdout: (text) => seen.push(text),
      }),
    );
    expect(r.stdout.truncated).toBe(true);
    expect(r.stdout.bytes).toBe(5 + 200_000 + 3);
    expect(r.stdout.text.startsWith('starty\ny\n')).toBe(true);
    expect(r.stdout.text.endsWith('y\ny\nend')).toBe(true);
    expect(r.stdout.text).toContain('bytes omitted');
    expect(r.stdout.text.length).toBeLessThan(1100);
    // The stream callback saw everything, in order.
    expect(seen.join('')).toBe(`start${'y\n'.repeat(100_000)}end`);
  });

  it('streams output while the child runs, and an abort ends the group', async () => {
    const controller = new AbortController();
    let streamed = '';
    const r = exited(
      await runShell('echo first; sleep 1000', {
        signal: controller.signal,
        onStdout: (text) => {
          streamed += text;
          if (streamed.includes('first')) controller.abort();
        },
      }),
    );
    expect(streamed).toBe('first\n');
    expect(r).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGTERM' });
    expect(describeFailure(r)).toBe('aborted');
  });

  it('never splits a UTF-8 character between two callbacks', async () => {
    const chunks: string[] = [];
    await runShell("printf '\\303'; sleep 0.2; printf '\\251\\n'", {
      onStdout: (text) => chunks.push(text),
    });
    expect(chunks.join('')).toBe('é\n');
  });

  it('does not start a run whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await run('sleep', { args: ['30'], signal: controller.signal });
    expect(r).toMatchObject({ kind: 'spawn-error', code: 'ABORT_ERR' });
  });
});
