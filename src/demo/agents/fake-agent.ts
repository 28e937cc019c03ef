/**
 * A stand-in for the Codex and Claude CLIs, for the demo and the tests: a real executable that
 * reads its prompt on stdin and prints the real tools' token-marker formats, and writes the
 * session file the real tool would (a Codex rollout under $CODEX_HOME/sessions, a Claude
 * transcript under $CLAUDE_CONFIG_DIR/projects), so the same run can be ingested from both.
 *
 * Usage: fake-agent.js codex|claude [the tool's own arguments]
 * Behaviour: FAKE_AGENT_MODE, or per PR from the JSON file FAKE_AGENT_PLAN ({"owner/repo#12":
 * "fail"}), by RADAR_PR. Modes: ok (the default format: codex --json, claude JSON result),
 * codex-text, fail, error-result, hang, slow, grandchild, escape, flood, silent, ignore-term, and
 * commit, commit-workflow, commit-big (commit in the worktree, then ok: a fix, a fix that also
 * touches a CI workflow, a fix of FAKE_AGENT_COMMIT_LINES lines, default 900).
 * FAKE_AGENT_MESSAGE replaces the final message.
 * FAKE_AGENT_TOKENS fixes the input tokens (output is a tenth); FAKE_AGENT_DUMP_DIR receives one
 * JSON file per run (argv, cwd, env, prompt, start and end times). FAKE_AGENT_MODEL is the model
 * the run reports (default gpt-5-codex, claude-sonnet-4-5).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Tool = 'codex' | 'claude';

const tool = process.argv[2] as Tool;
const args = process.argv.slice(3);
const env = process.env;

/** The model this run reports. */
function model(): string {
  return env.FAKE_AGENT_MODEL ?? (tool === 'codex' ? 'gpt-5-codex' : 'claude-sonnet-4-5');
}

function mode(): string {
  const pr = env.RADAR_PR ?? '';
  if (env.FAKE_AGENT_PLAN) {
    try {
      const plan = JSON.parse(readFileSync(env.FAKE_AGENT_PLAN, 'utf8')) as Record<string, string>;
      if (plan[pr]) return plan[pr];
    } catch {
      // no plan: the default mode
    }
  }
  return env.FAKE_AGENT_MODE ?? 'ok';
}

/** Deterministic amounts per PR, so a demo prints the same numbers every time. */
function amounts(): { input: number; cached: number; output: number } {
  const fixed = Number(env.FAKE_AGENT_TOKENS);
  if (Number.isSafeInteger(fixed) && fixed > 0)
    return { input: fixed, cached: 0, output: Math.floor(fixed / 10) };
  const h = createHash('sha256')
    .update(env.RADAR_PR ?? 'x')
    .digest();
  return {
    input: 15_000 + (h.readUInt16BE(0) % 20_000),
    cached: 0,
    output: 1_500 + (h.readUInt16BE(2) % 3_000),
  };
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readPrompt(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

function dump(extra: Record<string, unknown>): void {
  if (!env.FAKE_AGENT_DUMP_DIR) return;
  mkdirSync(env.FAKE_AGENT_DUMP_DIR, { recursive: true });
  const file = join(env.FAKE_AGENT_DUMP_DIR, `${tool}-${process.pid}.json`);
  let before: Record<string, unknown> = {};
  try {
    before = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first write
  }
  // Written beside the folder, then renamed into it: a test polling the folder while the agent
  // runs reads each dump whole, never a file cut off mid-write.
  const part = `${env.FAKE_AGENT_DUMP_DIR}.part`;
  mkdirSync(part, { recursive: true });
  const staged = join(part, `${tool}-${process.pid}.json`);
  writeFileSync(staged, JSON.stringify({ ...before, ...extra }));
  renameSync(staged, file);
}

/** The rollout Codex writes for the same thread (what `radar ingest` reads later). */
function writeRollout(thread: string, total: { input: number; cached: number; output: number }) {
  const home = env.CODEX_HOME ?? join(homedir(), '.codex');
  const now = new Date();
  const dir = join(home, 'sessions', String(now.getUTCFullYear()), '01', '01');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `rollout-${now.toISOString().replace(/[:.]/g, '-')}-${thread}.jsonl`);
  const ts = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const lines = [
    { timestamp: ts(0), type: 'session_meta', payload: { id: thread, cwd: process.cwd() } },
    { timestamp: ts(1), type: 'turn_context', payload: { model: model() } },
    {
      timestamp: ts(2),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: {
            input_tokens: total.input,
            cached_input_tokens: total.cached,
            output_tokens: total.output,
            reasoning_output_tokens: 0,
            total_tokens: total.input + total.output,
          },
        },
      },
    },
  ];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** The transcript Claude Code writes for the same session. */
function writeTranscript(session: string, u: { input: number; cached: number; output: number }) {
  const home = env.CLAUDE_CONFIG_DIR ?? join(homedir(), '.claude');
  const dir = join(home, 'projects', process.cwd().replace(/[^\w]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const line = {
    type: 'assistant',
    sessionId: session,
    timestamp: new Date().toISOString(),
    message: {
      id: `msg_${session.slice(0, 8)}`,
      model: model(),
      usage: {
        input_tokens: u.input,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: u.cached,
        output_tokens: u.output,
      },
    },
  };
  appendFileSync(join(dir, `${session}.jsonl`), JSON.stringify(line) + '\n');
}

/** Commits a change in the working directory (the session's worktree), as an agent would. */
function commit(kind: 'fix' | 'workflow' | 'big'): void {
  const slug = (env.RADAR_PR ?? 'pr').replace(/[^\w]+/g, '-');
  const lines =
    kind === 'big'
      ? Array.from({ length: Number(env.FAKE_AGENT_COMMIT_LINES ?? 900) }, (_, i) => `line ${i}`)
      : [`fixed by the fake agent for ${env.RADAR_PR ?? 'a PR'}`];
  writeFileSync(join(process.cwd(), `fix-${slug}.txt`), `${lines.join('\n')}\n`);
  if (kind === 'workflow') {
    mkdirSync(join(process.cwd(), '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(process.cwd(), '.github', 'workflows', 'ci.yml'),
      'on: push\njobs:\n  leak:\n    runs-on: ubuntu-latest\n    steps:\n      - run: env\n',
    );
  }
  const git = (...a: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Fake Agent', '-c', 'user.email=agent@example.com', ...a],
      {
        cwd: process.cwd(),
        stdio: 'ignore',
      },
    );
  git('add', '-A');
  git('commit', '--quiet', '--no-verify', '-m', `Fix for ${env.RADAR_PR ?? 'the PR'}`);
}

/** What a successful run prints, in the tool's format (and the tokens it printed, in the dump). */
function printSuccess(format: 'json' | 'text', isError = false): void {
  const u = amounts();
  dump({ printed: u.input - u.cached + u.output });
  // FAKE_AGENT_SESSION_ID: a wrapper that prints the same id every run.
  const id = env.FAKE_AGENT_SESSION_ID ?? randomUUID();
  if (tool === 'codex' && format === 'json') {
    out(JSON.stringify({ type: 'thread.started', thread_id: id }));
    out(JSON.stringify({ type: 'turn.started' }));
    out(
      JSON.stringify({
        type: 'item.completed',
        item: {
          id: 'item_0',
          type: 'agent_message',
          text: env.FAKE_AGENT_MESSAGE ?? 'Fixed the failing test.',
        },
      }),
    );
    out(
      JSON.stringify({
        type: 'turn.completed',
        usage: { input_tokens: u.input, cached_input_tokens: u.cached, output_tokens: u.output },
      }),
    );
    writeRollout(id, u);
  } else if (tool === 'codex') {
    process.stderr.write(
      [
        'OpenAI Codex v0.46.0 (research preview)',
        '--------',
        `workdir: ${process.cwd()}`,
        `model: ${model()}`,
        `session id: ${id}`,
        '--------',
        'user',
        'instructions…',
        'codex',
        'Fixed the failing test.',
        'tokens used',
        (u.input - u.cached + u.output).toLocaleString('en-US'),
        '',
      ].join('\n'),
    );
    writeRollout(id, u);
  } else {
    out(
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: isError,
        duration_ms: 4200,
        num_turns: 3,
        result: isError ? 'API Error: 500' : (env.FAKE_AGENT_MESSAGE ?? 'Addressed the review.'),
        session_id: id,
        total_cost_usd: 0.05,
        usage: {
          input_tokens: u.input,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: u.cached,
          output_tokens: u.output,
        },
        modelUsage: { [model()]: { inputTokens: u.input, outputTokens: u.output } },
      }),
    );
    writeTranscript(id, u);
  }
}

async function main(): Promise<number> {
  if (tool !== 'codex' && tool !== 'claude') {
    process.stderr.write('usage: fake-agent codex|claude [args]\n');
    return 2;
  }
  if (args.includes('--version')) {
    out(tool === 'codex' ? 'codex-cli 0.46.0 (fake)' : '2.0.0 (Claude Code, fake)');
    return 0;
  }
  const started = Date.now();
  const prompt = await readPrompt();
  const m = mode();
  dump({ tool, mode: m, argv: args, cwd: process.cwd(), env, prompt, started, pid: process.pid });
  const done = (code: number) => {
    dump({ ended: Date.now() });
    return code;
  };
  const format = m === 'codex-text' ? 'text' : 'json';
  switch (m) {
    case 'ok':
    case 'codex-text':
      await sleep(Number(env.FAKE_AGENT_DELAY_MS ?? 50));
      printSuccess(format);
      return done(0);
    case 'commit':
    case 'commit-workflow':
    case 'commit-big':
      commit(m === 'commit' ? 'fix' : m === 'commit-workflow' ? 'workflow' : 'big');
      printSuccess('json');
      return done(0);
    case 'error-result':
      printSuccess('json', true);
      return done(0);
    case 'fail':
      printSuccess('json');
      process.stderr.write('error: the model gave up\n');
      return done(1);
    case 'silent':
      out('nothing to report');
      return done(0);
    case 'hang':
      out('thinking…');
      await sleep(3_600_000);
      return done(0);
    case 'slow':
      for (;;) {
        out(`working… ${Date.now() - started} ms`);
        await sleep(100);
      }
    case 'ignore-term':
      process.on('SIGTERM', () => out('ignoring SIGTERM'));
      printSuccess('json');
      await sleep(3_600_000);
      return done(0);
    case 'grandchild': {
      // A helper that outlives the agent and keeps its stdout open.
      const child = spawn('sleep', ['300'], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.unref();
      dump({ grandchild: child.pid });
      printSuccess('json');
      return done(0);
    }
    case 'escape': {
      // Helpers that leave the agent's process group: one calls setsid (still the agent's
      // child), one is double-forked into its own session (re-parented to init at once). Then
      // the agent prints its tokens and hangs, deaf to SIGTERM.
      const setsid = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
      setsid.unref();
      const forked = spawn(
        '/bin/sh',
        ['-c', '(setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!)'],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      let text = '';
      for await (const chunk of forked.stdout) text += String(chunk);
      dump({ escaped: [setsid.pid, Number(text.trim())] });
      process.on('SIGTERM', () => out('ignoring SIGTERM'));
      printSuccess('json');
      await sleep(3_600_000);
      return done(0);
    }
    case 'flood': {
      const mb = Number(env.FAKE_AGENT_FLOOD_MB ?? 200);
      const line = `${'x'.repeat(1023)}\n`;
      const chunk = line.repeat(1024); // 1 MiB
      for (let i = 0; i < mb; i++) {
        if (!process.stdout.write(chunk))
          await new Promise<void>((r) => process.stdout.once('drain', () => r()));
      }
      printSuccess('json');
      return done(0);
    }
    default:
      process.stderr.write(`fake-agent: unknown mode ${m}\n`);
      return done(2);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // stdout must be flushed before exiting (a pipe is asynchronous).
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`fake-agent: ${String(error)}\n`);
    process.exit(1);
  },
);
