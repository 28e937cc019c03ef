import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { binPath, repoRoot } from './paths.js';
import {
  SHELL_CUE,
  startStandIn,
  sumUsage,
  type ServedResponse,
  type StandIn,
} from './stand-in.js';
import type { Truth, TruthRun } from './truth.js';
import { selectVersions, versionKey, type AgentVersion } from './versions.js';

/**
 * `node dist/scripts/agents/generate.js [--only codex-0.80.0,…] [--out DIR] [--keep-temp]`: runs
 * each installed agent CLI version (scripts/agents/install.ts) against the stand-in model
 * server, in scenarios a cron user runs, and writes what the CLIs wrote as fixtures under
 * `test/fixtures/real/<agent>-<version>/<scenario>/`: the launcher logs under `logs/`, Codex
 * rollouts under `codex-home/sessions/`, Claude transcripts under `claude-config/projects/`, and
 * `truth.json` from the server's log. The temporary root the CLIs ran in is renamed to
 * `/tmp/radar-agents` in every file (and in the transcript folder's name); the run fails if the
 * machine's host name, home or user name, or this repository's path, is left in any file.
 */

const STABLE_ROOT = '/tmp/radar-agents';
const RUN_TIMEOUT_MS = 120_000;

interface Scenario {
  dir: string;
  home: string;
  codexHome: string;
  claudeConfig: string;
  work: string;
  logs: string;
  runs: TruthRun[];
  copies: Truth['copies'];
}

interface Ctx {
  v: AgentVersion;
  standIn: StandIn;
  tempRoot: string;
}

async function main(argv: readonly string[]): Promise<number> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const only = (flag('--only') ?? '').split(',').filter(Boolean);
  const outRoot = flag('--out') ?? join(repoRoot(), 'test', 'fixtures', 'real');
  const keepTemp = argv.includes('--keep-temp');
  let failed = 0;
  for (const v of selectVersions(only)) {
    if (!existsSync(binPath(v))) {
      console.error(`${versionKey(v)}: not installed (node dist/scripts/agents/install.js)`);
      failed++;
      continue;
    }
    const tempRoot = mkdtempSync('/tmp/radar-agents-');
    const standIn = await startStandIn();
    const ctx: Ctx = { v, standIn, tempRoot };
    try {
      const scenarios =
        v.agent === 'codex' ? await codexScenarios(ctx) : await claudeScenarios(ctx);
      const out = join(outRoot, versionKey(v));
      rmSync(out, { recursive: true, force: true });
      for (const [name, s] of scenarios) writeScenario(ctx, name, s, join(out, name));
      const other = standIn.others.filter((o) => o.status !== 200);
      console.log(
        `${versionKey(v)}: ${scenarios.size} scenarios, ${standIn.responses.length} model responses` +
          (other.length > 0
            ? `; unanswered: ${other.map((o) => `${o.method} ${o.path}`).join(', ')}`
            : ''),
      );
    } catch (error) {
      console.error(`${versionKey(v)}: ${error instanceof Error ? error.message : String(error)}`);
      failed++;
    } finally {
      await standIn.close();
      if (!keepTemp) rmSync(tempRoot, { recursive: true, force: true });
      else console.log(`${versionKey(v)}: kept ${tempRoot}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

// ---- scenarios -------------------------------------------------------------------------------

async function codexScenarios(ctx: Ctx): Promise<Map<string, Scenario>> {
  const out = new Map<string, Scenario>();
  const skip = ['--skip-git-repo-check'];

  const exec = scenario(ctx, 'exec');
  await runCodex(ctx, exec, 'exec', 'logs/exec.log', 'text', [
    'exec',
    ...skip,
    `${SHELL_CUE} to list the files here.`,
  ]);
  out.set('exec', exec);

  const json = scenario(ctx, 'json');
  await runCodex(ctx, json, 'exec-json', 'logs/exec-json.jsonl', 'json', [
    'exec',
    '--json',
    ...skip,
    `${SHELL_CUE} to list the files here.`,
  ]);
  out.set('json', json);

  if (hasExecResume(ctx.v)) {
    const resume = scenario(ctx, 'resume');
    const first = await runCodex(ctx, resume, 'first', 'logs/first.log', 'text', [
      'exec',
      ...skip,
      'Name one file here.',
    ]);
    await runCodex(
      ctx,
      resume,
      'resumed',
      'logs/resumed.log',
      'text',
      ['exec', ...skip, 'resume', first.sessionId, 'Name another one.'],
      first.name,
    );
    await runCodex(
      ctx,
      resume,
      'resumed-json',
      'logs/resumed-json.jsonl',
      'json',
      ['exec', '--json', ...skip, 'resume', first.sessionId, 'And a third.'],
      first.name,
    );
    out.set('resume', resume);
  }

  const nightly = scenario(ctx, 'nightly');
  for (const n of [1, 2]) {
    await runCodex(ctx, nightly, `nightly-${n}`, 'logs/nightly.log', 'text', [
      'exec',
      ...skip,
      n === 1 ? 'Nightly check: anything to fix?' : `Nightly check: ${SHELL_CUE} to look.`,
    ]);
  }
  copyLog(nightly, 'logs/nightly.log', 'logs/nightly.log.1');
  out.set('nightly', nightly);
  return out;
}

async function claudeScenarios(ctx: Ctx): Promise<Map<string, Scenario>> {
  const out = new Map<string, Scenario>();
  const p = ['-p', '--output-format', 'json'];

  const json = scenario(ctx, 'json');
  await runClaude(ctx, json, 'print', 'logs/print.json', [
    ...p,
    `${SHELL_CUE} to list the files here.`,
  ]);
  out.set('json', json);

  const stream = scenario(ctx, 'stream');
  await runClaude(ctx, stream, 'stream', 'logs/stream.jsonl', [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    `${SHELL_CUE} to list the files here.`,
  ]);
  out.set('stream', stream);

  const resume = scenario(ctx, 'resume');
  const first = await runClaude(ctx, resume, 'first', 'logs/first.json', [
    ...p,
    'Name one file here.',
  ]);
  await runClaude(
    ctx,
    resume,
    'resumed',
    'logs/resumed.json',
    [...p, '--resume', first.sessionId, 'Name another one.'],
    first.name,
  );
  out.set('resume', resume);

  const nightly = scenario(ctx, 'nightly');
  for (const n of [1, 2]) {
    await runClaude(ctx, nightly, `nightly-${n}`, 'logs/nightly.log', [
      ...p,
      n === 1 ? 'Nightly check: anything to fix?' : `Nightly check: ${SHELL_CUE} to look.`,
    ]);
  }
  copyLog(nightly, 'logs/nightly.log', 'logs/nightly.log.1');
  out.set('nightly', nightly);
  return out;
}

/** `codex exec resume` exists from 0.36 on (0.29 has no `exec resume`). */
function hasExecResume(v: AgentVersion): boolean {
  const [major, minor] = v.version.split('.').map(Number);
  return (major ?? 0) > 0 || (minor ?? 0) >= 36;
}

function scenario(ctx: Ctx, name: string): Scenario {
  const dir = join(ctx.tempRoot, name);
  const s: Scenario = {
    dir,
    home: join(dir, 'home'),
    codexHome: join(dir, 'codex-home'),
    claudeConfig: join(dir, 'claude-config'),
    work: join(dir, 'work'),
    logs: join(dir, 'logs'),
    runs: [],
    copies: [],
  };
  for (const d of [s.home, s.codexHome, s.claudeConfig, s.work, s.logs])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(s.work, 'README.md'), '# demo\n');
  writeFileSync(
    join(s.codexHome, 'config.toml'),
    [
      'model = "gpt-5"',
      'model_provider = "standin"',
      '',
      '[model_providers.standin]',
      'name = "standin"',
      `base_url = "${ctx.standIn.origin}/v1"`,
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  return s;
}

/** A cron wrapper's copy of its log (`cp nightly.log nightly.log.1`): the same bytes. */
function copyLog(s: Scenario, from: string, to: string): void {
  copyFileSync(join(s.dir, from), join(s.dir, to));
  s.copies.push({ copy: to, of: from });
}

// ---- running one CLI -------------------------------------------------------------------------

function baseEnv(s: Scenario): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: s.home,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
  };
}

async function runCodex(
  ctx: Ctx,
  s: Scenario,
  name: string,
  launcher: string,
  kind: 'text' | 'json',
  argv: string[],
  resumes?: string,
): Promise<TruthRun> {
  const env = { ...baseEnv(s), CODEX_HOME: s.codexHome };
  const sessions = join(s.codexHome, 'sessions');
  const before = sizes(sessions);
  const served = ctx.standIn.responses.length;
  const log = join(s.dir, launcher);
  if (launcher.endsWith('nightly.log'))
    appendFileSync(log, `=== ${name} ${new Date().toISOString()} ===\n`);
  const code =
    kind === 'text'
      ? await spawnTo(binPath(ctx.v), argv, env, s.work, log, log)
      : await spawnTo(binPath(ctx.v), argv, env, s.work, log, `${log.replace(/\.jsonl$/, '')}.err`);
  if (launcher.endsWith('nightly.log')) appendFileSync(log, `=== exit ${code} ===\n`);
  if (code !== 0) throw new Error(`${name}: codex ${argv.join(' ')} exited ${code}; see ${log}`);
  const touched = changedFiles(sessions, before);
  if (touched.length !== 1)
    throw new Error(`${name}: expected one rollout written, found ${touched.length}`);
  const rollout = touched[0]!;
  const sessionId = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/.exec(
    rollout,
  )?.[1];
  if (!sessionId) throw new Error(`${name}: no session id in ${rollout}`);
  const responses = ctx.standIn.responses.slice(served);
  const grown = readFileSync(rollout, 'utf8').slice(before.get(rollout) ?? 0);
  const run = codexRun(name, argv, launcher, kind, sessionId, responses, code);
  run.sessionFile = relative(s.dir, rollout);
  run.sessionFileHasUsage = grown.includes('"total_token_usage"');
  if (resumes !== undefined) run.resumes = resumes;
  s.runs.push(run);
  return run;
}

function codexRun(
  name: string,
  argv: string[],
  launcher: string,
  kind: 'text' | 'json',
  sessionId: string,
  responses: readonly ServedResponse[],
  exitCode: number,
): TruthRun {
  if (responses.length === 0) throw new Error(`${name}: the model was never asked`);
  const sum = sumUsage(responses);
  const usage = {
    input: sum.input,
    cachedInput: sum.cacheRead,
    output: sum.output,
    reasoning: sum.reasoning,
  };
  return {
    name,
    argv,
    launcher,
    launcherFormat: kind === 'text' ? 'codex-text' : 'codex-exec-json',
    bucket: bucketOf(launcher),
    sessionId,
    sessionFileHasUsage: false,
    model: responses[0]!.model,
    responses: responses.map((r) => r.seq),
    codex: usage,
    tokens: usage.input + usage.output,
    blended: usage.input - usage.cachedInput + usage.output,
    exitCode,
  };
}

async function runClaude(
  ctx: Ctx,
  s: Scenario,
  name: string,
  launcher: string,
  argv: string[],
  resumes?: string,
): Promise<TruthRun> {
  const env = {
    ...baseEnv(s),
    CLAUDE_CONFIG_DIR: s.claudeConfig,
    ANTHROPIC_BASE_URL: ctx.standIn.origin,
    ANTHROPIC_API_KEY: 'sk-ant-stand-in',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const projects = join(s.claudeConfig, 'projects');
  const before = sizes(projects);
  const served = ctx.standIn.responses.length;
  const log = join(s.dir, launcher);
  const nightly = launcher.endsWith('nightly.log');
  if (nightly) appendFileSync(log, `=== ${name} ${new Date().toISOString()} ===\n`);
  const start = existsSync(log) ? statSync(log).size : 0;
  const code = await spawnTo(
    binPath(ctx.v),
    argv,
    env,
    s.work,
    log,
    nightly ? log : `${log.replace(/\.jsonl?$/, '')}.err`,
  );
  const printed = readFileSync(log, 'utf8').slice(start);
  if (nightly) appendFileSync(log, `=== exit ${code} ===\n`);
  if (code !== 0) throw new Error(`${name}: claude ${argv.join(' ')} exited ${code}; see ${log}`);
  const result = printed
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type?: string; session_id?: string })
    .find((o) => o.type === 'result');
  if (!result?.session_id) throw new Error(`${name}: no result with a session_id in ${log}`);
  const responses = ctx.standIn.responses.slice(served);
  if (responses.length === 0) throw new Error(`${name}: the model was never asked`);
  const sum = sumUsage(responses);
  const usage = {
    input: sum.input,
    cacheCreation: sum.cacheCreation,
    cacheRead: sum.cacheRead,
    output: sum.output,
  };
  const touched = changedFiles(projects, before);
  if (touched.length !== 1)
    throw new Error(`${name}: expected one transcript written, found ${touched.length}`);
  const transcript = touched[0]!;
  const grown = readFileSync(transcript, 'utf8').slice(before.get(transcript) ?? 0);
  const run: TruthRun = {
    name,
    argv,
    launcher,
    launcherFormat: argv.includes('stream-json') ? 'claude-stream-json' : 'claude-result',
    bucket: bucketOf(launcher),
    sessionId: result.session_id,
    sessionFile: relative(s.dir, transcript),
    sessionFileHasUsage: grown.includes('"usage"'),
    model: responses[0]!.model,
    responses: responses.map((r) => r.seq),
    claude: usage,
    tokens: usage.input + usage.cacheCreation + usage.cacheRead + usage.output,
    exitCode: code,
  };
  if (resumes !== undefined) run.resumes = resumes;
  s.runs.push(run);
  return run;
}

/**
 * Runs the CLI with stdin from /dev/null and stdout/stderr appended to files, as cron does with
 * `>> out 2>> err` (the same file for both: `>> log 2>&1`).
 */
function spawnTo(
  bin: string,
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
  stdoutFile: string,
  stderrFile: string,
): Promise<number> {
  const out = openSync(stdoutFile, 'a');
  const err = stderrFile === stdoutFile ? out : openSync(stderrFile, 'a');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(bin, argv, {
      cwd,
      env,
      stdio: ['ignore', out, err],
      timeout: RUN_TIMEOUT_MS,
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  }).finally(() => {
    closeSync(out);
    if (err !== out) closeSync(err);
  });
}

// ---- files -----------------------------------------------------------------------------------

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function sizes(dir: string): Map<string, number> {
  return new Map(walk(dir).map((f) => [f, statSync(f).size]));
}

function changedFiles(dir: string, before: Map<string, number>): string[] {
  return walk(dir).filter((f) => f.endsWith('.jsonl') && statSync(f).size !== before.get(f));
}

function bucketOf(launcher: string): string {
  return basename(launcher).replace(/\.(log|jsonl|json)(\.\d+)?$/, '');
}

/** The folders of a scenario that become the fixture: logs, rollouts, transcripts. */
const KEPT = [
  'logs',
  'codex-home/sessions',
  'codex-home/archived_sessions',
  'claude-config/projects',
];

function writeScenario(ctx: Ctx, name: string, s: Scenario, out: string): void {
  const slugRoot = ctx.tempRoot.replace(/[^A-Za-z0-9]/g, '-');
  const stableSlug = STABLE_ROOT.replace(/[^A-Za-z0-9]/g, '-');
  const clean = (text: string) =>
    text.split(ctx.tempRoot).join(STABLE_ROOT).split(slugRoot).join(stableSlug);
  const files: string[] = [];
  const mtimes: Record<string, number> = {};
  for (const kept of KEPT) {
    for (const file of walk(join(s.dir, kept))) {
      if (kept === 'logs' && statSync(file).size === 0) continue;
      const rel = clean(relative(s.dir, file));
      const target = join(out, rel);
      mkdirSync(dirname(target), { recursive: true });
      const text = clean(readFileSync(file, 'utf8'));
      assertNothingPrivate(rel, text);
      writeFileSync(target, text);
      files.push(rel);
      mtimes[rel] = Math.round(statSync(file).mtimeMs);
    }
  }
  const truth: Truth = {
    agent: ctx.v.agent,
    version: ctx.v.version,
    scenario: name,
    about: ABOUT[name] ?? name,
    runs: s.runs.map((r) => ({
      ...r,
      argv: r.argv.map(clean),
      ...(r.sessionFile === undefined ? {} : { sessionFile: clean(r.sessionFile) }),
    })),
    copies: s.copies,
    files: files.sort(),
    mtimes: Object.fromEntries(Object.entries(mtimes).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(out, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
}

const ABOUT: Record<string, string> = {
  stream:
    'One `claude -p --output-format stream-json --verbose` run: NDJSON messages ending with the result, and its transcript.',
  exec: 'One `codex exec` run, its human output captured as a cron log would be (stdout and stderr to one file), and its rollout.',
  json: 'One run printing JSON events on stdout (`codex exec --json` or `claude -p --output-format json`), and its session file.',
  resume:
    'A first run, then resumed runs of the same session, each launched from its own log; the session file holds them all.',
  nightly:
    'Two runs appended by a cron wrapper to nightly.log, then the log copied byte for byte to nightly.log.1: the copy is not new usage.',
};

function assertNothingPrivate(rel: string, text: string): void {
  const user = userInfo().username;
  const secrets = [hostname(), homedir(), repoRoot(), user === 'root' ? '' : user];
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    // As a word or a path: `/root/x` and `"/root"` are this machine, `</root>` is markup.
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?<![<\\w])${escaped}(?![\\w>])`).test(text)) {
      throw new Error(`${rel} names "${secret}" (this machine): refusing to write it as a fixture`);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
