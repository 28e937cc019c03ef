import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireProcessLock, processLockPath } from '../../src/ledger/lock.js';
import { LockedError } from '../../src/core/errors.js';
import { tempTree } from '../helpers/cli.js';
import { holderScript, killHard, tryLockInChild, type Attempt } from './hold-lock.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempLedger(): string {
  const t = tempTree();
  cleanups.push(t.cleanup);
  return join(t.dir, 'ledgers/radar.db');
}
function hold(ledger: string, name = 'scan'): () => void {
  const release = acquireProcessLock(ledger, name, `radar ${name}`);
  cleanups.unshift(release);
  return release;
}
async function holding(ledger: string, name = 'scan'): Promise<Attempt> {
  const attempt = tryLockInChild(ledger, name);
  cleanups.unshift(() => attempt.child.kill('SIGKILL'));
  expect(await attempt.outcome).toBe(true);
  return attempt;
}
// The holder's pid and start time are named when the holder has written them already (a loser
// of a race at start-up may look before it has).
const LOCKED =
  /^another radar scan is running(?: \(pid \d+, since \d{4}-\d\d-\d\dT[\d:.]+Z\))?; try again later$/;

describe('acquireProcessLock', () => {
  it('keeps a second process out while a process holds the lock, with one line and exit 75', async () => {
    const ledger = tempLedger();
    const holder = await holding(ledger);
    const other = tryLockInChild(ledger);
    expect(await other.outcome).toBe(false);
    const { code, stderr } = await other.exit;
    expect(code).toBe(75);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(LOCKED);
    expect(stderr).toContain(`pid ${holder.child.pid},`);
    expect(() => hold(ledger)).toThrow(LockedError);
    holder.child.stdin!.end();
    expect((await holder.exit).code).toBe(0);
    hold(ledger)(); // released: taken and given back at once
  });

  it('is free again right after its holder is killed with SIGKILL', async () => {
    const ledger = tempLedger();
    for (let round = 0; round < 3; round++) {
      const holder = await holding(ledger);
      await killHard(holder.child);
      const next = await holding(ledger); // immediately, no waiting, no clean-up
      await killHard(next.child);
    }
    hold(ledger);
  });

  it('is free while its killed holder is still a zombie nobody has reaped', async () => {
    const ledger = tempLedger();
    // sh starts the holder in the background, then becomes `sleep`, which never reaps it.
    const sh = spawn(
      'sh',
      [
        '-c',
        `"$0" "$1" "$2" scan forever & echo "pid $!"; exec sleep 120`,
        process.execPath,
        holderScript(),
        ledger,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.unshift(() => sh.kill('SIGKILL'));
    let out = '';
    sh.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      sh.stdout.on('data', (d: string) => {
        out += d;
        if (/pid \d+/.test(out) && out.includes('held\n')) resolve();
      });
      sh.on('close', () => reject(new Error(`holder did not start: ${out}`)));
    });
    const pid = Number(/pid (\d+)/.exec(out)![1]);
    expect(() => hold(ledger)).toThrow(LockedError);
    process.kill(pid, 'SIGKILL');
    const stat = `/proc/${pid}/stat`;
    if (!existsSync('/proc/self/stat')) throw new Error('this test needs /proc (Linux)');
    const deadline = Date.now() + 10_000;
    while (readFileSync(stat, 'utf8').split(') ')[1]![0] !== 'Z' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(stat, 'utf8').split(') ')[1]![0]).toBe('Z');
    // The pid still answers kill(pid, 0): a pid check would take the dead scan for alive.
    expect(() => process.kill(pid, 0)).not.toThrow();
    hold(ledger);
  });

  it('lets exactly one of many processes that start at once take the lock', async () => {
    const ledger = tempLedger();
    for (let round = 0; round < 3; round++) {
      const attempts = Array.from({ length: 6 }, () => tryLockInChild(ledger));
      for (const a of attempts) cleanups.unshift(() => a.child.kill('SIGKILL'));
      const outcomes = await Promise.all(attempts.map((a) => a.outcome));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = attempts[outcomes.indexOf(true)]!;
      for (const a of attempts.filter((x) => x !== winner)) {
        const { code, stderr } = await a.exit;
        expect(code).toBe(75);
        expect(stderr.trim()).toMatch(LOCKED);
      }
      winner.child.stdin!.end();
      expect((await winner.exit).code).toBe(0);
    }
  });

  it('is not kept by an old pid lock file, whatever its pid or host name', async () => {
    const ledger = tempLedger();
    const path = processLockPath(ledger, 'scan');
    hold(ledger)(); // creates the folder
    for (const host of [hostname(), 'container-3f2a9c']) {
      // A live pid (this very process), the same or another host, started just now.
      writeFileSync(path, JSON.stringify({ pid: process.pid, host, startedAt: Date.now() }));
      const holder = await holding(ledger);
      // ...and the lock it then holds works like any other.
      expect((await tryLockInChild(ledger).exit).code).toBe(75);
      holder.child.stdin!.end();
      await holder.exit;
    }
  });

  it('releases only its own lock, once', async () => {
    const ledger = tempLedger();
    const release = hold(ledger);
    expect(() => hold(ledger)).toThrow(/another radar scan is running/);
    release();
    const holder = await holding(ledger);
    release(); // a second release must not free the lock the child now holds
    expect((await tryLockInChild(ledger).exit).code).toBe(75);
    expect(() => hold(ledger)).toThrow(LockedError);
    holder.child.stdin!.end();
    await holder.exit;
  });

  it('keeps locks of different names apart', async () => {
    const ledger = tempLedger();
    await holding(ledger, 'scan');
    const ingest = tryLockInChild(ledger, 'ingest');
    expect(await ingest.outcome).toBe(true);
    ingest.child.stdin!.end();
    await ingest.exit;
    expect(() => hold(ledger, 'scan')).toThrow(/another radar scan is running/);
  });
});
