import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
} from 'node:fs';
import { cpus as osCpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFiles, type IngestSummary } from '../src/tokens/ingest.js';
import { openLedger } from '../src/ledger/open.js';
import {
  CLI,
  ROOT,
  childrenCpuMs,
  fmt,
  median,
  ratio,
  timeProcess,
  type ProcessTime,
} from './common.js';
import { benchCorpus, corpusKind, corpusSeed, splitArgs } from './corpora.js';

/**
 * `node dist/bench/ingest.js [MB] [rounds] [--corpus realistic|demo] [--seed N]` (default 1000 MB,
 * 3 rounds, the realistic corpus of bench/realistic-corpus.ts; another seed makes another corpus
 * of the same shape, which no change was tuned on): radar's ingest of a generated corpus beside
 * ccusage 20.0.24 reading the same files, in the same run, round by round (ccusage, `node -e 0`,
 * `radar ingest` into a new ledger, its re-ingest of the unchanged corpus, then 1 MB appended to
 * one transcript and ingested), with a plain stream read of the bytes as the floor. Each radar
 * time is given twice: inside the command (as it records it in the ledger: from listing the files
 * to the last commit) and for the whole process. Medians and the median of each round's ratio are
 * printed (a re-ingest also as a multiple of `node -e 0`), with the peak memory of a first ingest
 * of the whole corpus (cron logs included) and the totals checked against the generator's truth.
 *
 * With RADAR_BASELINE_CLI set to another build's dist/bin/cli.js, that build's first ingest runs
 * in every round too (into a ledger of its own, right after this build's), and its row and the
 * paired ratio of the two builds are printed.
 *
 * With `--per-agent=yes`, the same number of rounds follows for each agent's folder alone (the
 * other one empty for ccusage): ccusage and radar's first ingest of the Codex rollouts, then of
 * the Claude transcripts, each with its ratio. The two kinds of files load radar's two threads
 * differently (a rollout holds more markers a megabyte to write, a transcript more bytes to
 * parse a marker), so a corpus of another mix than this one lands elsewhere between the two.
 *
 * ccusage is no dependency of radar: it is installed in bench/peers on first use
 * (`npm ci --prefix bench/peers`). The corpus (cached in bench/.corpus/<kind>-<MB>) is laid out as
 * CODEX_HOME (logs/codex) and CLAUDE_CONFIG_DIR (logs/claude), so both tools read the same files;
 * the demo corpus's cron logs beside them (logs/cron) are ingested once more at the end for the
 * full check.
 */

const PEERS = join(ROOT, 'bench/peers');
const CCUSAGE = join(PEERS, 'node_modules/ccusage/src/cli.js');
const RUN = join(ROOT, 'dist/bench/ingest-run.js');
const APPEND_BYTES = 1 << 20;
/** Another build's CLI, whose first ingest runs beside this build's in every round. */
const BASELINE_CLI = process.env.RADAR_BASELINE_CLI;

interface RunOutcome {
  /** Wall time of the whole process (node's start included). */
  wallMs: number;
  /** CPU time of the whole process (its threads included), when the platform tells. */
  cpuMs?: number;
  /** Time inside the process, from opening the ledger to closing it. */
  ms: number;
  maxRssKb: number;
  summary: IngestSummary;
}

function ensurePeers(): void {
  if (existsSync(CCUSAGE)) return;
  process.stderr.write('installing the benchmark peers in bench/peers (once)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npmIn = (args: string[]) =>
    spawnSync(npm, [...args, '--prefix', PEERS, '--no-audit', '--no-fund'], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
  // The lockfile records only the platform packages this machine's registry serves, and newer
  // npm refuses such a lockfile; the version is pinned exactly in package.json, so fall back
  // (quietly: npm's refusal is shown only if the fallback fails too).
  const ci = npmIn(['ci']);
  const install = ci.status === 0 ? undefined : npmIn(['install', '--no-save']);
  if (!existsSync(CCUSAGE))
    throw new Error(
      `installing ccusage in bench/peers failed:\n${ci.stderr}${install?.stderr ?? ''}`,
    );
}

async function plainRead(files: string[]): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
      bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/** `radar ingest` as a user runs it; the time inside it is the one it records in the ledger. */
function cliIngest(ledger: string, paths: string[], cwd: string, cli = CLI): RunOutcome {
  const env = { ...process.env };
  delete env.RADAR_CONFIG;
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, '--ledger', ledger, '--json', 'ingest', ...paths], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wallMs = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  const cpuMs =
    cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  if (r.status !== 0) throw new Error(`radar ingest failed: ${r.stderr}`);
  const db = openLedger(ledger);
  const run = db
    .prepare(`SELECT finished_at - started_at AS ms FROM ingest_runs ORDER BY id DESC LIMIT 1`)
    .get() as { ms: number };
  db.close();
  return {
    wallMs,
    cpuMs,
    ms: run.ms,
    maxRssKb: 0,
    summary: JSON.parse(r.stdout) as IngestSummary,
  };
}

/** One ingest in a minimal process of its own, which reports its peak memory. */
function measuredIngest(ledger: string, paths: string[]): RunOutcome {
  const started = performance.now();
  const r = spawnSync(process.execPath, [RUN, ledger, ...paths], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  return { wallMs, ...(JSON.parse(r.stdout) as Omit<RunOutcome, 'wallMs'>) };
}

/** The largest top-level transcript: the file the append round grows. */
function appendTarget(claudeProjects: string): string {
  let best = { path: '', size: -1 };
  for (const project of readdirSync(claudeProjects)) {
    const dir = join(claudeProjects, project);
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const size = statSync(join(dir, name)).size;
      if (size > best.size) best = { path: join(dir, name), size };
    }
  }
  return best.path;
}

/** About 1 MB of the transcript's own first complete lines (repeated lines add no tokens). */
function appendBytes(path: string): Buffer {
  const head = readFileSync(path).subarray(0, APPEND_BYTES + (256 << 10));
  const end = head.lastIndexOf(10, APPEND_BYTES) + 1;
  return head.subarray(0, end > 0 ? end : head.length);
}

/**
 * ccusage and radar's first ingest of each agent's folder alone, `rounds` times in turn (for
 * ccusage the other agent's folder is an empty one).
 */
function agentRounds(
  rounds: number,
  codexHome: string,
  claudeDir: string,
  work: string,
): { name: string; bucket: string; peer: ProcessTime[]; first: RunOutcome[] }[] {
  const emptyCodex = join(work, 'empty-codex');
  const emptyClaude = join(work, 'empty-claude');
  mkdirSync(join(emptyCodex, 'sessions'), { recursive: true });
  mkdirSync(join(emptyClaude, 'projects'), { recursive: true });
  const agents = [
    {
      name: 'Codex rollouts only',
      bucket: 'codex-session',
      root: codexHome,
      codex: codexHome,
      claude: emptyClaude,
    },
    {
      name: 'Claude transcripts only',
      bucket: 'claude-session',
      root: claudeDir,
      codex: emptyCodex,
      claude: claudeDir,
    },
  ];
  return agents.map((a) => {
    const env = { ...process.env, CODEX_HOME: a.codex, CLAUDE_CONFIG_DIR: a.claude };
    const peer: ProcessTime[] = [];
    const first: RunOutcome[] = [];
    for (let round = 0; round < rounds; round++) {
      peer.push(timeProcess(process.execPath, [CCUSAGE, 'daily', '--json'], env));
      const ledger = join(work, `agent-${round}.db`);
      first.push(cliIngest(ledger, [a.root], work));
      rmSync(ledger, { force: true });
    }
    return { name: a.name, bucket: a.bucket, peer, first };
  });
}

async function main(): Promise<void> {
  const { positional, flags } = splitArgs(process.argv.slice(2));
  const mb = Number(positional[0] ?? 1000);
  const rounds = Number(positional[1] ?? 3);
  const kind = corpusKind(flags.get('corpus'));
  const seed = corpusSeed(flags.get('seed'));
  const { logs, truth, sessions: sessionTruth } = await benchCorpus(kind, mb, seed);
  ensurePeers();
  const codexHome = join(logs, 'codex');
  const claudeDir = join(logs, 'claude');
  const peerPaths = [codexHome, claudeDir];
  const files = await collectFiles(peerPaths, []);
  const env = { ...process.env, CODEX_HOME: codexHome, CLAUDE_CONFIG_DIR: claudeDir };
  const ccusage = () => timeProcess(process.execPath, [CCUSAGE, 'daily', '--json'], env);
  const target = appendTarget(join(claudeDir, 'projects'));
  const extra = appendBytes(target);

  await plainRead(files); // warm the page cache for every contender
  ccusage();
  const work = mkdtempSync(join(tmpdir(), 'radar-bench-'));
  const seen = {
    peer: [] as ProcessTime[],
    floor: [] as number[],
    node: [] as ProcessTime[],
    first: [] as RunOutcome[],
    again: [] as RunOutcome[],
    append: [] as RunOutcome[],
    baseline: [] as RunOutcome[],
  };
  let bytes = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      bytes = await plainRead(files);
      seen.floor.push(performance.now() - t0);
      seen.peer.push(ccusage());
      seen.node.push(timeProcess(process.execPath, ['-e', '0']));
      const ledger = join(work, `round-${round}.db`);
      seen.first.push(cliIngest(ledger, peerPaths, work));
      if (BASELINE_CLI) {
        const other = join(work, `baseline-${round}.db`);
        seen.baseline.push(cliIngest(other, peerPaths, work, BASELINE_CLI));
        rmSync(other, { force: true });
      }
      seen.again.push(cliIngest(ledger, peerPaths, work));
      const before = statSync(target);
      appendFileSync(target, extra);
      try {
        seen.append.push(cliIngest(ledger, peerPaths, work));
      } finally {
        truncateSync(target, before.size);
        utimesSync(target, before.atime, before.mtime);
      }
      rmSync(ledger, { force: true });
    }
    // The whole corpus, cron logs included, against the generator's full truth, in a process
    // that reports its peak memory.
    const full = measuredIngest(join(work, 'full.db'), [logs]);
    const perAgent = flags.has('per-agent') ? agentRounds(rounds, codexHome, claudeDir, work) : [];

    const peer = median(seen.peer.map((p) => p.wallMs));
    /** The median of each round's ratio of `a` to `b`. */
    const paired = (a: number[], b: number[]) => ratio(median(a.map((x, i) => x / b[i]!)), 1);
    const walls = (runs: { wallMs: number }[]) => runs.map((r) => r.wallMs);
    const cpus = (runs: { cpuMs?: number }[]) => runs.map((r) => r.cpuMs ?? NaN);
    const cpuOf = (runs: { cpuMs?: number }[]) => fmt(median(cpus(runs)));
    const row = (name: string, runs: RunOutcome[], goal: string) => {
      const inner = median(runs.map((r) => r.ms));
      const wall = median(walls(runs));
      const vsPeer = (values: number[]) => paired(values, walls(seen.peer));
      return `${name.padEnd(22)}${fmt(inner).padStart(9)} inside radar ingest (${vsPeer(runs.map((r) => r.ms))} ccusage), ${fmt(wall)} the whole process (${vsPeer(walls(runs))}), ${cpuOf(runs)} CPU (${paired(cpus(runs), cpus(seen.peer))} ccusage's); goal ${goal}`;
    };
    const first = seen.first[0]!.summary;
    const exact =
      seen.first.every(
        (r) =>
          r.summary.newTokens === sessionTruth.tokens &&
          r.summary.newEvents === sessionTruth.events,
      ) &&
      seen.baseline.every(
        (r) =>
          r.summary.newTokens === sessionTruth.tokens &&
          r.summary.newEvents === sessionTruth.events,
      ) &&
      seen.again.every((r) => r.summary.newEvents === 0 && r.summary.newTokens === 0) &&
      seen.append.every((r) => r.summary.newEvents === 0 && r.summary.newTokens === 0);
    const agentExact = (a: (typeof perAgent)[number]) =>
      a.first.every(
        (r) =>
          r.summary.newTokens === truth.byBucket[a.bucket]?.tokens &&
          r.summary.newEvents === truth.byBucket[a.bucket]?.events,
      );
    const fullExact =
      full.summary.newTokens === truth.tokens && full.summary.newEvents === truth.events;
    const rss = full.maxRssKb / 1024;
    const floor = median(seen.floor);
    const cpu = osCpus();
    const out = [
      `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}; ${rounds} rounds, medians`,
      `corpus: ${kind}${seed === undefined ? '' : ` (seed ${seed})`}, ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB (CODEX_HOME and CLAUDE_CONFIG_DIR: what ccusage reads); truth ${sessionTruth.tokens.toLocaleString('en-US')} tokens in ${sessionTruth.events} events`,
      `ccusage daily --json: ${fmt(peer).padStart(9)} as a process (ccusage 20.0.24), ${cpuOf(seen.peer)} CPU`,
      `plain stream read:   ${fmt(floor).padStart(9)} in process (${ratio(floor, peer)} ccusage, ${(bytes / 1e6 / (floor / 1000)).toFixed(0)} MB/s)`,
      `node -e 0:           ${fmt(median(walls(seen.node))).padStart(9)} as a process (${paired(walls(seen.node), walls(seen.peer))} ccusage), ${cpuOf(seen.node)} CPU: where any node process starts`,
      row('first ingest:', seen.first, '≤ 2× ccusage'),
      ...(BASELINE_CLI
        ? [
            row('baseline first ingest:', seen.baseline, '(RADAR_BASELINE_CLI)'),
            `first ingest vs baseline: ${paired(walls(seen.first), walls(seen.baseline))} as whole processes, ${paired(cpus(seen.first), cpus(seen.baseline))} in CPU time`,
          ]
        : []),
      row('re-ingest:', seen.again, '≤ 0.1× ccusage'),
      `re-ingest vs node -e 0: ${paired(walls(seen.again), walls(seen.node))} as whole processes, ${paired(cpus(seen.again), cpus(seen.node))} in CPU time (goal ≤ 2×)`,
      row(`append ${(extra.length / 1e6).toFixed(1)} MB:`, seen.append, '≤ 0.15× ccusage'),
      `first ingest vs plain read: ${ratio(median(seen.first.map((r) => r.ms)), floor)}; ${first.filesRead} files, ${first.newEvents} events, ${first.duplicates} repeated markers`,
      `peak RSS of a first ingest of the full corpus: ${rss.toFixed(0)} MB (goal ≤ 256 MB)`,
      `totals: ${exact ? 'exact' : `MISMATCH: ${first.newTokens} tokens / ${first.newEvents} events`}; re-ingest and append add nothing`,
      `full corpus with cron logs (${full.summary.filesRead} files): ${fullExact ? 'exact' : `MISMATCH: ${full.summary.newTokens} tokens / ${full.summary.newEvents} events, truth ${truth.tokens} / ${truth.events}`} in ${fmt(full.ms)}`,
      ...perAgent.map(
        (a) =>
          `${`${a.name}:`.padEnd(25)}ccusage ${fmt(median(walls(a.peer)))}, radar's first ingest ${fmt(median(walls(a.first)))} (${paired(walls(a.first), walls(a.peer))} ccusage as whole processes, ${paired(cpus(a.first), cpus(a.peer))} in CPU time); totals ${agentExact(a) ? 'exact' : 'MISMATCH'}`,
      ),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (!exact || !fullExact || !perAgent.every(agentExact)) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
