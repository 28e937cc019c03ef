import { mkdir } from 'node:fs/promises';
import {
  BASE62,
  Corpus,
  HEX,
  HOLE,
  Rng,
  b64Filler,
  jsonFiller,
  jsonLine,
  textFiller,
  type CorpusTruth,
} from '../src/demo/corpus.js';

/**
 * A deterministic corpus shaped like a heavy user's real agent logs, for the ingest benchmark:
 * hundreds of session files of about a megabyte each (sizes spread log-normally, median about 1.1 MB),
 * three Codex rollouts for every two Claude Code transcripts, spread over the last 60 days.
 *
 * Unlike the demo corpus (few, large files with one big tool output per model call), most bytes
 * here sit in many mid-sized lines between the usage markers, as in real logs:
 * - rollouts: a session_meta carrying the base instructions, the user's AGENTS.md, then turns of
 *   encrypted reasoning, shell calls and apply_patch edits, tool outputs of up to 20 KB, and an
 *   `event_msg` token_count after each model call (some re-emitted, some rate-limit-only);
 * - transcripts: one line per content block of a response (thinking, text, tool_use; earlier
 *   blocks carry a partial output count), tool results of up to 60 KB written twice (the
 *   message's tool_result and the `toolUseResult` beside it), file-history snapshots, sub-agent
 *   transcripts, and now and then an API error line; most transcripts start with a file-history
 *   snapshot, as Claude Code 2 writes them.
 *
 * The truth counts what a correct ingest finds: Codex input + output per model call, Claude
 * input + cache creation + cache read + output per response (the largest of its lines).
 */

export interface RealisticOptions {
  seed?: number;
  now: Date;
  targetBytes: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Median and spread of a session file's size. */
const MEDIAN_BYTES = 1_000_000;
const SIGMA = 0.4;
const CODEX_SHARE = 0.6;

const CODEX_MODELS = ['gpt-5-codex', 'gpt-5.1-codex', 'gpt-5.2-codex', 'gpt-5.1-codex-max'];
const CODEX_VERSIONS = ['0.46.0', '0.58.0', '0.63.0', '0.77.0', '0.98.0', '0.128.0'];
const CLAUDE_MODELS = [
  'claude-opus-4-5-20251101',
  'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5-20251001',
];
const SHELL = [
  'rg -n "parseTokenCount|token_count" src',
  'sed -n 1,260p src/tokens/read.ts',
  'npm test -- --reporter=dot',
  'git diff --stat',
  'npx tsc -p tsconfig.json --noEmit',
  'ls -la src/commands',
  'cat package.json',
  'python3 -m pytest -q tests/test_config.py',
];
const FILES = [
  '/home/dev/work/src/tokens/ingest.ts',
  '/home/dev/work/src/ledger/token-store.ts',
  '/home/dev/work/app/models/user_account.py',
  '/home/dev/work/README.md',
  '/home/dev/work/test/tokens/parse.test.ts',
];

const iso = (ms: number) => new Date(ms).toISOString();
const pad = (n: number) => String(n).padStart(2, '0');

/** A standard normal draw (Box–Muller). */
function gauss(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Tool output sizes: mostly small, a third a few KB, some up to `max`. */
function toolBytes(rng: Rng, max: number): number {
  const r = rng.next();
  if (r < 0.55) return rng.int(80, 2000);
  if (r < 0.85) return rng.int(2000, Math.min(12_000, max));
  return rng.int(Math.min(12_000, max), max);
}

/** Lines of one file with their running size. */
class Lines {
  readonly lines: string[] = [];
  bytes = 0;
  push(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
  }
}

// ── Codex rollouts ────────────────────────────────────────────────────────────────────────

/** The end of the quota window of `minutes` that holds `at` (windows laid end to end). */
const resetOf = (at: number, minutes: number) =>
  Math.floor((Math.floor(at / (minutes * MINUTE)) + 1) * minutes * 60);

/** Both quota windows as Codex reports them: a window keeps its reset time until it ends. */
function rateLimits(rng: Rng, at: number) {
  return {
    primary: {
      used_percent: Math.round(rng.range(1, 97) * 10) / 10,
      window_minutes: 300,
      resets_at: resetOf(at, 300),
    },
    secondary: rng.chance(0.05)
      ? null
      : {
          used_percent: Math.round(rng.range(2, 95) * 10) / 10,
          window_minutes: 10080,
          resets_at: resetOf(at, 10080),
        },
  };
}

interface Usage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

function rollout(rng: Rng, w: Corpus, startMs: number, bytes: number): Promise<number> {
  let t = startMs;
  const tick = (min: number, max: number) => iso((t += rng.int(min, max)));
  const id = rng.uuidv7(startMs);
  const d = new Date(startMs);
  const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
  const folder = rng.chance(0.15)
    ? 'archived_sessions'
    : `sessions/${stamp.slice(0, 10).replaceAll('-', '/')}`;
  const rel = `codex/${folder}/rollout-${stamp}-${id}.jsonl`;
  const out = new Lines();
  const cwd = `/home/dev/${rng.pick(['work', 'api', 'web', 'infra'])}`;
  out.push(
    jsonLine(
      {
        timestamp: iso(t),
        type: 'session_meta',
        payload: {
          id,
          timestamp: iso(t),
          cwd,
          originator: rng.pick(['codex_cli_rs', 'codex_exec', 'codex_vscode']),
          cli_version: rng.pick(CODEX_VERSIONS),
          instructions: null,
          source: rng.pick(['cli', 'exec', 'vscode']),
          model_provider: 'openai',
          base_instructions: { text: HOLE },
          git: {
            commit_hash: rng.chars(HEX, 40),
            branch: 'main',
            repository_url: `git@github.com:dev/${cwd.slice(10)}.git`,
          },
        },
      },
      jsonFiller(rng, rng.int(6000, 14_000)),
    ),
  );
  const userText = (text: string) =>
    jsonLine(
      {
        timestamp: tick(1, 20),
        type: 'response_item',
        payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: HOLE }] },
      },
      text,
    );
  out.push(
    userText(
      `# AGENTS.md instructions for ${cwd}\\n\\n<INSTRUCTIONS>\\n${jsonFiller(rng, rng.int(1500, 6000))}\\n</INSTRUCTIONS>`,
    ),
  );
  out.push(
    userText(
      `<environment_context>\\n  <cwd>${cwd}</cwd>\\n  <approval_policy>on-request</approval_policy>\\n  <sandbox_mode>workspace-write</sandbox_mode>\\n  <shell>bash</shell>\\n</environment_context>`,
    ),
  );
  const total: Usage = {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
  };
  let context = rng.int(8000, 14_000);
  let model = rng.pick(CODEX_MODELS);
  let calls = 0;
  while (out.bytes < bytes || calls < 2) {
    t += rng.int(10_000, 30 * MINUTE);
    if (rng.chance(0.1)) model = rng.pick(CODEX_MODELS);
    out.push(
      JSON.stringify({
        timestamp: tick(5, 50),
        type: 'turn_context',
        payload: {
          cwd,
          approval_policy: 'on-request',
          sandbox_policy: {
            mode: 'workspace-write',
            network_access: false,
            exclude_tmpdir_env_var: false,
          },
          model,
          effort: rng.pick(['medium', 'high', 'xhigh']),
          summary: 'auto',
        },
      }),
    );
    const prompt = jsonFiller(rng, rng.int(60, 2500));
    out.push(userText(prompt));
    out.push(
      jsonLine(
        {
          timestamp: tick(1, 10),
          type: 'event_msg',
          payload: { type: 'user_message', message: HOLE, images: [] },
        },
        prompt,
      ),
    );
    const turnCalls = rng.int(2, 25);
    for (let k = 0; k < turnCalls; k++, calls++) {
      const last = k === turnCalls - 1;
      const summary = textFiller(rng, rng.int(40, 400));
      out.push(
        jsonLine(
          {
            timestamp: tick(2000, 40_000),
            type: 'response_item',
            payload: {
              type: 'reasoning',
              summary: [{ type: 'summary_text', text: `**${summary}**` }],
              content: null,
              encrypted_content: HOLE,
            },
          },
          `gAAAAABo${b64Filler(rng, rng.int(800, 9000))}`,
        ),
      );
      out.push(
        JSON.stringify({
          timestamp: tick(1, 5),
          type: 'event_msg',
          payload: { type: 'agent_reasoning', text: `**${summary}**` },
        }),
      );
      const callId = `call_${rng.chars(BASE62, 24)}`;
      const patch = !last && rng.chance(0.25);
      if (last) {
        const answer = jsonFiller(rng, rng.int(200, 5000));
        out.push(
          jsonLine(
            {
              timestamp: tick(5, 50),
              type: 'response_item',
              payload: {
                type: 'message',
                role: 'assistant',
                content: [{ type: 'output_text', text: HOLE }],
              },
            },
            answer,
          ),
        );
        out.push(
          jsonLine(
            {
              timestamp: tick(1, 5),
              type: 'event_msg',
              payload: { type: 'agent_message', message: HOLE },
            },
            answer,
          ),
        );
      } else if (patch) {
        out.push(
          jsonLine(
            {
              timestamp: tick(5, 50),
              type: 'response_item',
              payload: {
                type: 'custom_tool_call',
                status: 'completed',
                call_id: callId,
                name: 'apply_patch',
                input: HOLE,
              },
            },
            `*** Begin Patch\\n*** Update File: ${rng.pick(FILES)}\\n@@\\n${jsonFiller(rng, rng.int(300, 9000))}\\n*** End Patch`,
          ),
        );
      } else {
        out.push(
          JSON.stringify({
            timestamp: tick(5, 50),
            type: 'response_item',
            payload: {
              type: 'function_call',
              name: 'shell',
              arguments: JSON.stringify({
                command: ['bash', '-lc', rng.pick(SHELL)],
                workdir: cwd,
                timeout_ms: 120000,
              }),
              call_id: callId,
            },
          }),
        );
      }
      const input = context + rng.int(200, 4000);
      const output = rng.int(30, 4000);
      const step: Usage = {
        input_tokens: input,
        cached_input_tokens: Math.max(0, input - rng.int(100, 6000)),
        output_tokens: output,
        reasoning_output_tokens: Math.floor(output * rng.range(0, 0.8)),
        total_tokens: input + output,
      };
      for (const key of Object.keys(total) as (keyof Usage)[]) total[key] += step[key];
      w.count('codex-session', input + output);
      const tokenCount = (at: string) =>
        JSON.stringify({
          timestamp: at,
          type: 'event_msg',
          payload: {
            type: 'token_count',
            info: {
              total_token_usage: { ...total },
              last_token_usage: step,
              model_context_window: 272000,
            },
            rate_limits: rateLimits(rng, t),
          },
        });
      out.push(tokenCount(tick(5, 200)));
      if (rng.chance(0.15)) out.push(tokenCount(tick(5, 500))); // re-emitted, unchanged total
      if (rng.chance(0.05))
        out.push(
          JSON.stringify({
            timestamp: tick(5, 500),
            type: 'event_msg',
            payload: { type: 'token_count', info: null, rate_limits: rateLimits(rng, t) },
          }),
        );
      if (!last) {
        const size = toolBytes(rng, 20_000);
        // A grep of the logs in the output: the word, not a marker.
        const mention = rng.chance(0.03)
          ? 'src/tokens/parse.ts:310:    } else if (payload?.type === token_count) {\\n'
          : '';
        out.push(
          jsonLine(
            {
              timestamp: tick(200, 30_000),
              type: 'response_item',
              payload: patch
                ? { type: 'custom_tool_call_output', call_id: callId, output: HOLE }
                : { type: 'function_call_output', call_id: callId, output: HOLE },
            },
            `Exit code: ${rng.chance(0.9) ? 0 : 1}\\nWall time: ${rng.range(0.01, 40).toFixed(1)} seconds\\nOutput:\\n${mention}${jsonFiller(rng, size)}`,
          ),
        );
        context += Math.floor(size / 4);
      }
      context += output;
      if (context > 230_000) context = rng.int(20_000, 40_000); // compaction
    }
  }
  return w.write(rel, out.lines);
}

// ── Claude Code transcripts ───────────────────────────────────────────────────────────────

interface TranscriptPlan {
  rel: string;
  sessionId: string;
  startMs: number;
  bytes: number;
  agentId?: string;
}

function transcript(rng: Rng, w: Corpus, plan: TranscriptPlan): Promise<number> {
  let t = plan.startMs;
  const tick = (min: number, max: number) => iso((t += rng.int(min, max)));
  const out = new Lines();
  const sidechain = plan.agentId !== undefined;
  const cwd = `/home/dev/${rng.pick(['work', 'api', 'web'])}`;
  const version = rng.pick(['2.0.55', '2.0.76', '2.1.12', '2.1.40']);
  let parentUuid: string | null = null;
  const envelope = (type: string, min: number, max: number) => {
    const uuid = rng.uuid();
    const head = {
      parentUuid,
      isSidechain: sidechain,
      userType: 'external',
      cwd,
      sessionId: plan.sessionId,
      version,
      gitBranch: 'main',
      ...(sidechain ? { agentId: plan.agentId } : {}),
      type,
      uuid,
      timestamp: tick(min, max),
    };
    parentUuid = uuid;
    return head;
  };
  if (!sidechain)
    for (let i = rng.int(0, 3); i > 0; i--)
      out.push(
        JSON.stringify({
          type: 'summary',
          summary: textFiller(rng, rng.int(30, 90)),
          leafUuid: rng.uuid(),
        }),
      );
  let model = sidechain ? CLAUDE_MODELS[2]! : rng.pick(CLAUDE_MODELS.slice(0, 2));
  let context = rng.int(14_000, 26_000);
  let responses = 0;
  while (out.bytes < plan.bytes || responses < 2) {
    t += rng.int(10_000, 20 * MINUTE);
    // Claude Code 2 snapshots the tracked files before a prompt: most sessions start with one.
    if (!sidechain && rng.chance(responses === 0 ? 0.9 : 0.3))
      out.push(
        jsonLine(
          {
            type: 'file-history-snapshot',
            messageId: rng.uuid(),
            snapshot: { messageId: rng.uuid(), trackedFileBackups: HOLE, timestamp: iso(t) },
            isSnapshotUpdate: false,
          },
          jsonFiller(rng, rng.int(100, 1500)),
        ),
      );
    out.push(
      jsonLine(
        { ...envelope('user', 5, 50), message: { role: 'user', content: HOLE } },
        jsonFiller(rng, rng.int(40, 2500)),
      ),
    );
    const steps = rng.int(1, 20);
    for (let s = 0; s < steps; s++, responses++) {
      if (rng.chance(0.01)) {
        out.push(
          JSON.stringify({
            ...envelope('assistant', 500, 5000),
            message: {
              id: rng.uuid(),
              model: '<synthetic>',
              role: 'assistant',
              type: 'message',
              stop_reason: 'stop_sequence',
              stop_sequence: '',
              usage: {
                input_tokens: 0,
                output_tokens: 0,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 0,
              },
              content: [
                {
                  type: 'text',
                  text: 'API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}',
                },
              ],
            },
            isApiErrorMessage: true,
          }),
        );
      }
      if (!sidechain && rng.chance(0.05)) model = rng.pick(CLAUDE_MODELS.slice(0, 2));
      const last = s === steps - 1;
      const messageId = `msg_01${rng.chars(BASE62, 22)}`;
      const requestId = `req_011C${rng.chars(BASE62, 20)}`;
      const creation = rng.int(100, 6000);
      const usage = { input: rng.int(1, 12), creation, read: context, output: rng.int(20, 4000) };
      w.count('claude-session', usage.input + usage.creation + usage.read + usage.output);
      const blocks: { block: Record<string, unknown>; fills: string[] }[] = [];
      if (rng.chance(0.6))
        blocks.push({
          block: { type: 'thinking', thinking: HOLE, signature: HOLE },
          fills: [jsonFiller(rng, rng.int(100, 4000)), b64Filler(rng, rng.int(300, 1500))],
        });
      if (last || rng.chance(0.5))
        blocks.push({
          block: { type: 'text', text: HOLE },
          fills: [jsonFiller(rng, rng.int(40, 2500))],
        });
      const tool = last
        ? undefined
        : rng.pick(['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'TodoWrite']);
      const toolUseId = `toolu_01${rng.chars(BASE62, 22)}`;
      if (tool === 'Edit')
        blocks.push({
          block: {
            type: 'tool_use',
            id: toolUseId,
            name: tool,
            input: { file_path: rng.pick(FILES), old_string: HOLE, new_string: HOLE },
          },
          fills: [jsonFiller(rng, rng.int(50, 2000)), jsonFiller(rng, rng.int(50, 3000))],
        });
      else if (tool)
        blocks.push({
          block: {
            type: 'tool_use',
            id: toolUseId,
            name: tool,
            input: { command: rng.pick(SHELL), description: 'Run it' },
          },
          fills: [],
        });
      blocks.forEach(({ block, fills }, p) => {
        const final = p === blocks.length - 1;
        out.push(
          jsonLine(
            {
              ...envelope('assistant', p === 0 ? 1500 : 5, p === 0 ? 60_000 : 2000),
              requestId,
              message: {
                model,
                id: messageId,
                type: 'message',
                role: 'assistant',
                content: [block],
                stop_reason: final ? (tool ? 'tool_use' : 'end_turn') : null,
                stop_sequence: null,
                usage: {
                  input_tokens: usage.input,
                  cache_creation_input_tokens: usage.creation,
                  cache_read_input_tokens: usage.read,
                  cache_creation: {
                    ephemeral_5m_input_tokens: usage.creation,
                    ephemeral_1h_input_tokens: 0,
                  },
                  // Earlier lines of a response carry a partial output count.
                  output_tokens: final
                    ? usage.output
                    : Math.max(1, Math.floor(usage.output * rng.range(0.01, 0.5))),
                  service_tier: 'standard',
                },
              },
            },
            ...fills,
          ),
        );
      });
      context += usage.output + creation;
      if (tool) {
        const result = jsonFiller(rng, toolBytes(rng, 60_000));
        const file = rng.pick(FILES);
        const toolUseResult =
          tool === 'Read'
            ? {
                type: 'text',
                file: {
                  filePath: file,
                  content: HOLE,
                  numLines: rng.int(20, 2000),
                  startLine: 1,
                  totalLines: rng.int(20, 4000),
                },
              }
            : { stdout: HOLE, stderr: '', interrupted: false, isImage: false };
        out.push(
          jsonLine(
            {
              ...envelope('user', 100, 60_000),
              message: {
                role: 'user',
                content: [
                  {
                    tool_use_id: toolUseId,
                    type: 'tool_result',
                    content: HOLE,
                    is_error: rng.chance(0.04),
                  },
                ],
              },
              toolUseResult,
            },
            result,
            result,
          ),
        );
        context += Math.floor(result.length / 4);
      }
      if (context > 160_000) {
        context = rng.int(20_000, 40_000); // compaction
        out.push(
          JSON.stringify({
            ...envelope('system', 10, 100),
            subtype: 'compact_boundary',
            content: 'Conversation compacted',
            isMeta: false,
            level: 'info',
            compactMetadata: { trigger: 'auto', preTokens: 160_000 },
          }),
        );
      }
    }
  }
  return w.write(plan.rel, out.lines);
}

// ── the corpus ────────────────────────────────────────────────────────────────────────────

/**
 * Writes the corpus into `dir` (`codex/` as CODEX_HOME, `claude/` as CLAUDE_CONFIG_DIR) and
 * returns its truth. The same seed, `now` and size always give the same bytes.
 */
export async function generateRealisticCorpus(
  dir: string,
  options: RealisticOptions,
): Promise<CorpusTruth> {
  const rng = new Rng(options.seed ?? 7);
  const nowMs = options.now.getTime();
  const w = new Corpus(dir, rng, nowMs);
  await mkdir(dir, { recursive: true });
  let written = 0;
  let last: { project: string; sessionId: string } | undefined;
  for (let i = 0; written < options.targetBytes || i < 4; i++) {
    const bytes = Math.round(
      Math.min(8e6, Math.max(20_000, MEDIAN_BYTES * Math.exp(SIGMA * gauss(rng)))),
    );
    // Codex keeps its rollouts; Claude Code deletes transcripts after 30 days.
    const codex = i === 0 || (i > 1 && rng.chance(CODEX_SHARE));
    if (codex) {
      const startMs = nowMs - rng.int(1 * 60, 60 * 24 * 60) * MINUTE - 2 * DAY;
      written += await rollout(rng, w, startMs, bytes);
      continue;
    }
    const startMs = nowMs - rng.int(1 * 60, 28 * 24 * 60) * MINUTE - 2 * DAY;
    if (last && rng.chance(0.2)) {
      // A sub-agent's transcript, in the folder of the session that started it.
      const agentId = rng.chars(HEX, 8);
      written += await transcript(rng, w, {
        rel: `${last.project}/${last.sessionId}/subagents/agent-${agentId}.jsonl`,
        sessionId: last.sessionId,
        startMs,
        bytes: Math.round(bytes / 3),
        agentId,
      });
      continue;
    }
    const project = `claude/projects/-home-dev-${rng.pick(['work', 'api', 'web', 'infra'])}`;
    const sessionId = rng.uuid();
    last = { project, sessionId };
    written += await transcript(rng, w, {
      rel: `${project}/${sessionId}.jsonl`,
      sessionId,
      startMs,
      bytes,
    });
  }
  return w.truth;
}
