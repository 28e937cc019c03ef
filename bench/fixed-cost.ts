import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, childrenCpuMs, fmt, median, ratio } from './common.js';
import { benchCorpus, splitArgs } from './corpora.js';

/**
 * `node dist/bench/fixed-cost.js [ROUNDS] [--mb 1000]` (default 15 rounds): what a radar process
 * costs before and after its work, the figure of a cron re-ingest. Each round runs, in turns
 * (the order reversed every other round, so the machine's load touches each alike): `node -e 0`,
 * `radar ingest` of the unchanged realistic corpus (bench/.corpus/realistic-<MB>, ingested once
 * into a ledger first) and `radar --help`. With RADAR_BASELINE_CLI set to another build's
 * dist/bin/cli.js, that build's re-ingest (of a ledger it ingested itself) and `--help` run in the
 * same rounds. Printed: medians of wall and CPU time (the process's own and its threads'), and the
 * median of each round's ratio to `node -e 0` (goal for the re-ingest: ≤ 2× as whole processes).
 */

interface Contender {
  label: string;
  args: string[];
  wall: number[];
  cpu: number[];
}

function timed(args: string[]): { wallMs: number; cpuMs: number } {
  const env = { ...process.env };
  delete env.RADAR_CONFIG;
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const wallMs = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${String(r.stderr)}`);
  return {
    wallMs,
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? NaN : cpuAfter - cpuBefore,
  };
}

async function main(): Promise<void> {
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const rounds = Number(positional[0] ?? 15);
  const mb = Number(flags.get('mb') ?? 1000);
  const { logs } = await benchCorpus('realistic', mb);
  const roots = [join(logs, 'codex'), join(logs, 'claude')];
  const work = mkdtempSync(join(tmpdir(), 'radar-fixed-cost-'));
  try {
    const ledger = join(work, 'radar.db');
    const ingest = (cli: string, db: string) => [cli, '--ledger', db, '--json', 'ingest', ...roots];
    process.stderr.write(`ingesting ${logs} once…\n`);
    timed(ingest(CLI, ledger));
    const builds = [{ label: 'radar', cli: CLI, ledger }];
    const baseline = process.env.RADAR_BASELINE_CLI;
    if (baseline) {
      // Its own first ingest, not a copy: a build of another schema version could not open ours.
      const own = join(work, 'baseline.db');
      timed(ingest(baseline, own));
      builds.push({ label: 'baseline', cli: baseline, ledger: own });
    }
    const contenders: Contender[] = [
      { label: 'node -e 0', args: ['-e', '0'], wall: [], cpu: [] },
      ...builds.flatMap(({ label, cli, ledger: db }) => [
        { label: `${label} re-ingest`, args: ingest(cli, db), wall: [], cpu: [] },
        { label: `${label} --help`, args: [cli, '--help'], wall: [], cpu: [] },
      ]),
    ];
    // One unmeasured turn each: the page cache holds the code and the ledger for every one.
    for (const c of contenders) timed(c.args);
    for (let round = 0; round < rounds; round++)
      for (const c of round % 2 ? [...contenders].reverse() : contenders) {
        const t = timed(c.args);
        c.wall.push(t.wallMs);
        c.cpu.push(t.cpuMs);
      }
    const [node] = contenders;
    /** The median of each round's ratio of `a` to `node -e 0`'s. */
    const paired = (a: number[], b: number[]) => ratio(median(a.map((x, i) => x / b[i]!)), 1);
    const lines = contenders.map(
      (c) =>
        `${c.label.padEnd(20)} wall ${fmt(median(c.wall)).padStart(7)} (${paired(c.wall, node!.wall)} node -e 0), CPU ${fmt(median(c.cpu)).padStart(7)} (${paired(c.cpu, node!.cpu)})`,
    );
    process.stdout.write(
      `${rounds} rounds, medians; ratios are medians of each round's ratio to node -e 0 (goal for the re-ingest: ≤ 2× as whole processes)\n${lines.join('\n')}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
