import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fmt, median } from './common.js';
import { benchCorpus, corpusSeed, splitArgs } from './corpora.js';

/**
 * `node dist/bench/ingest-threads.js [ROUNDS] [--mb 1000] [--roots codex,claude] [--seed N]`
 * (Linux; default 7 rounds): where a first ingest's CPU goes, thread by thread. Each round runs
 * `radar ingest` of the realistic corpus's folders (bench/.corpus/realistic-<MB>/logs/<root>, or
 * the corpus of another seed) into a new ledger and reads every thread's CPU time from
 * /proc/<pid>/task while it runs (every 2 ms; a thread's last reading before it ends is kept). Printed: medians of the writing (main) thread, the parser
 * thread (the busiest of the others) and the rest (V8's helper threads: the optimizing compiler
 * and the garbage collector's parallel work), and of the whole process.
 *
 * A thread's CPU time varies less from run to run than the process's wall time on a loaded
 * machine, and says which thread a change relieved. With RADAR_BASELINE_CLI set to another
 * build's dist/bin/cli.js, that build runs in the same rounds, in turns, with the paired ratios.
 */

interface Threads {
  main: number;
  parser: number;
  helpers: number;
}

/** CPU milliseconds of each thread of a process, by thread id, while /proc shows them. */
function threadTimes(pid: number, into: Map<string, number>): void {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // the process has ended
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // utime and stime, fields 14 and 15, in clock ticks (100 a second), after the command name.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      into.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended between the listing and the read: its last reading stays.
    }
  }
}

async function ingestThreads(cli: string, ledger: string, roots: string[]): Promise<Threads> {
  for (const suffix of ['', '-wal', '-shm', '.ingest.lock'])
    rmSync(ledger + suffix, { force: true });
  const env = { ...process.env };
  delete env.RADAR_CONFIG;
  const child = spawn(process.execPath, [cli, '--ledger', ledger, '--json', 'ingest', ...roots], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const times = new Map<string, number>();
  const timer = setInterval(() => threadTimes(child.pid!, times), 2);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`radar ingest failed: ${stderr}`);
  const main = times.get(String(child.pid)) ?? 0;
  const others = [...times].filter(([tid]) => tid !== String(child.pid)).map(([, ms]) => ms);
  others.sort((a, b) => b - a);
  const parser = others[0] ?? 0;
  const helpers = others.slice(1).reduce((a, b) => a + b, 0);
  return { main, parser, helpers };
}

async function main(): Promise<void> {
  if (!existsSync('/proc/self/task')) {
    process.stderr.write('ingest-threads: needs /proc (Linux) to read each thread’s CPU time\n');
    process.exitCode = 2;
    return;
  }
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const rounds = Number(positional[0] ?? 7);
  const mb = Number(flags.get('mb') ?? 1000);
  const { logs } = await benchCorpus('realistic', mb, corpusSeed(flags.get('seed')));
  const roots = (flags.get('roots') ?? 'codex,claude').split(',').map((r) => join(logs, r));
  const builds = [{ label: 'this build', cli: CLI }];
  if (process.env.RADAR_BASELINE_CLI)
    builds.push({ label: 'baseline', cli: process.env.RADAR_BASELINE_CLI });
  const seen = builds.map(() => [] as Threads[]);
  const work = mkdtempSync(join(tmpdir(), 'radar-threads-'));
  try {
    for (let round = 0; round < rounds; round++) {
      // In turns, the order reversed every other round: the machine's load touches each alike.
      const order = builds.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order)
        seen[i]!.push(await ingestThreads(builds[i]!.cli, join(work, `${i}.db`), roots));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const total = (t: Threads) => t.main + t.parser + t.helpers;
  const of = (runs: Threads[], pick: (t: Threads) => number) => fmt(median(runs.map(pick)));
  const out = [`first ingest of ${roots.join(' ')}: CPU per thread, medians of ${rounds} rounds`];
  builds.forEach((b, i) => {
    const runs = seen[i]!;
    out.push(
      `${`${b.label}:`.padEnd(12)}writing (main) ${of(runs, (t) => t.main)}, parser ${of(runs, (t) => t.parser)}, V8 helpers ${of(runs, (t) => t.helpers)}; whole process ${of(runs, total)}`,
    );
  });
  if (builds.length === 2) {
    const paired = (pick: (t: Threads) => number) =>
      `${median(seen[0]!.map((t, r) => pick(t) / pick(seen[1]![r]!))).toFixed(3)}×`;
    out.push(
      `paired with the baseline: writing ${paired((t) => t.main)}, parser ${paired((t) => t.parser)}, helpers ${paired((t) => t.helpers)}, whole ${paired(total)}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
