import type * as ChildProcess from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../src/process/run.js';

/** How many SIGTERM listeners radar had at the moment each child was created. */
const atSpawn = vi.hoisted(() => [] as number[]);

vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof ChildProcess>();
  const spawn = ((...args: Parameters<typeof real.spawn>) => {
    atSpawn.push(process.listenerCount('SIGTERM'));
    return real.spawn(...args);
  }) as typeof real.spawn;
  return { ...real, spawn };
});

describe('signal forwarding around a child start', () => {
  it.each([
    { command: 'true', kind: 'exited' },
    { command: 'radar-no-such-command-for-tests', kind: 'spawn-error' },
  ])(
    '$command: listens before the child exists, and stops listening once it is over',
    async ({ command, kind }) => {
      atSpawn.length = 0;
      const before = process.listenerCount('SIGTERM');
      const result = await run(command);
      expect(result.kind).toBe(kind);
      // A signal that arrives while the child already runs must find radar's handler in place.
      expect(atSpawn).toEqual([before + 1]);
      expect(process.listenerCount('SIGTERM')).toBe(before);
    },
  );
});
