import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A deterministic generator of realistic agent log corpora (Codex rollouts, Claude Code
 * transcripts, cron logs of `codex exec` and `claude -p`) together with the truth a correct
 * parser must find: the demo's sample logs and the ingest benchmark's input.
 *
 * Everything random comes from a seeded PRNG (mulberry32): the same seed, `now` and target size
 * always give the same bytes. Filler text is built once and sliced, and each file is built in
 * its own buffer and written before the next one starts, so memory stays bounded whatever the
 * target size.
 */

export interface CorpusTruth {
  events: number;
  tokens: number;
  byBucket: Record<string, { events: number; tokens: number }>;
  files: number;
  bytes: number;
}

export interface CorpusOptions {
  seed?: number;
  now: Date;
  /** Target total size in bytes; default small (~300 KB) for the demo. */
  targetBytes?: number;
}

const DEMO_BYTES = 300_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// ── randomness ────────────────────────────────────────────────────────────────────────────

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const HEX = '0123456789abcdef';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** mulberry32: a uniform float in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  uuid(): string {
    const h = (n: number) => this.chars(HEX, n);
    return `${h(8)}-${h(4)}-4${h(3)}-${this.pick(['8', '9', 'a', 'b'])}${h(3)}-${h(12)}`;
  }

  /** A time-ordered UUID like Codex's session and thread ids. */
  uuidv7(ms: number): string {
    const t = Math.floor(ms).toString(16).padStart(12, '0');
    const h = (n: number) => this.chars(HEX, n);
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h(3)}-${this.pick(['8', '9', 'a', 'b'])}${h(3)}-${h(12)}`;
  }
}

// ── filler text (built once per process, sliced everywhere) ────────────────────────────────

const WORDS = (
  'the a to of and in for is on that with this as it be are from by at or an not was we ' +
  'function const return await async import export type interface string number boolean ' +
  'request response error failed passed test tests check checks build lint config ledger ' +
  'queue review merge branch commit rebase conflict pending status token budget window ' +
  'session parser offset file files line lines folder path json value null undefined ' +
  'retry timeout fetch cache cached context output input model agent cron report total ' +
  'delta events bucket week hour day repository pull issue label author approved ' +
  'changes required mergeable blocked clean dirty unstable draft rollout transcript ' +
  'résumé naïve café → ✓ – … déjà'
).split(' ');

const CODE_LINES = [
  'export function parseTokenCount(text: string): number | undefined {',
  '  const t = text.trim(); if (/^\\d+$/.test(t)) return Number(t);',
  'import { readFile } from node:fs/promises;',
  '  for (const row of store.candidates(path, dev, ino)) {',
  ' ✓ test/tokens/parse.test.ts (48 tests) 212ms',
  ' × test/ledger/open.test.ts > opens a fresh ledger 31ms',
  'src/commands/scan.ts:118:7 - error TS2532: Object is possibly undefined.',
  '   118       row.total += delta;',
  'diff --git a/src/tokens/read.ts b/src/tokens/read.ts',
  '@@ -41,7 +41,9 @@ class LineFeeder {',
  '+    if (rest > MAX_LINE) { this.parser.skip(oversized-line); }',
  '-    this.carry = buf.subarray(end);',
  'npm warn deprecated inflight@1.0.6: This module is not supported',
  '  at Object.<anonymous> (/home/dev/work/dist/src/cli.js:12:5)',
  'Test Files  14 passed (14)',
  '     Tests  302 passed | 2 skipped (304)',
  '<environment_context> <cwd>/home/dev/work</cwd> <shell>bash</shell> </environment_context>',
  '## Summary of changes: the ingest loop now commits offsets per file',
];

interface Pools {
  /** JSON-string-safe text: no quotes, no raw control characters; newlines as `\n` escapes. */
  json: string;
  /** Plain log text for cron logs: words and punctuation, no newlines. */
  text: string;
  /** Base64url characters, for encrypted reasoning and signatures. */
  b64: string;
}

let pools: Pools | undefined;

function getPools(): Pools {
  if (pools) return pools;
  const rng = new Rng(0x5eed);
  const jsonParts: string[] = [];
  let size = 0;
  while (size < 1 << 20) {
    let line: string;
    if (rng.chance(0.35)) line = rng.pick(CODE_LINES).replace(/\\/g, '/');
    else {
      const n = rng.int(4, 18);
      const words: string[] = [];
      for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
      line = words.join(' ');
      if (rng.chance(0.2)) line = `\\t${line}`;
      if (rng.chance(0.1)) line += ` (${rng.int(1, 9999)} ms)`;
    }
    jsonParts.push(line);
    size += line.length + 2;
  }
  const textParts: string[] = [];
  size = 0;
  while (size < 1 << 19) {
    const w = rng.pick(WORDS);
    textParts.push(w);
    size += w.length + 1;
  }
  pools = {
    json: jsonParts.join('\\n'),
    text: textParts.join(' '),
    b64: rng.chars(BASE64, 1 << 16),
  };
  return pools;
}

/** A slice of the JSON pool, safe to put between the quotes of a JSON string. */
export function jsonFiller(rng: Rng, length: number): string {
  const pool = getPools().json;
  const len = Math.max(1, Math.min(Math.floor(length), pool.length - 2));
  const start = rng.int(0, pool.length - len - 1);
  let end = start + len;
  if (pool[end - 1] === '\\') end--; // never cut an escape in half
  return pool.slice(start, end);
}

export function textFiller(rng: Rng, length: number): string {
  const pool = getPools().text;
  const start = rng.int(0, pool.length - length - 1);
  return pool.slice(start, start + length).trim();
}

export function b64Filler(rng: Rng, length: number): string {
  const pool = getPools().b64;
  const len = Math.min(length, pool.length);
  const start = rng.int(0, pool.length - len);
  return pool.slice(start, start + len);
}

export const HOLE = '@@FILL@@';

/** JSON.stringify(value) with each `HOLE` string value replaced by a pre-escaped filler. */
export function jsonLine(value: unknown, ...fills: string[]): string {
  const parts = JSON.stringify(value).split(`"${HOLE}"`);
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) out += `"${fills[i - 1] ?? ''}"${parts[i] ?? ''}`;
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoSeconds = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z');
const pad = (n: number) => String(n).padStart(2, '0');
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

// ── output ────────────────────────────────────────────────────────────────────────────────

export class Corpus {
  readonly truth: CorpusTruth = { events: 0, tokens: 0, byBucket: {}, files: 0, bytes: 0 };
  private readonly dirs = new Set<string>();

  constructor(
    readonly root: string,
    readonly rng: Rng,
    readonly nowMs: number,
  ) {}

  count(bucket: string, tokens: number): void {
    if (!Number.isSafeInteger(tokens) || tokens <= 0) throw new Error(`bad token count ${tokens}`);
    const b = (this.truth.byBucket[bucket] ??= { events: 0, tokens: 0 });
    b.events++;
    b.tokens += tokens;
    this.truth.events++;
    this.truth.tokens += tokens;
  }

  /** Writes one file (lines joined with \n, newline-terminated); returns its size. */
  async write(rel: string, lines: readonly string[]): Promise<number> {
    const path = join(this.root, rel);
    const dir = dirname(path);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    await writeFile(path, buf);
    this.truth.files++;
    this.truth.bytes += buf.length;
    return buf.length;
  }
}

/** A clock that only moves forward. */
class Clock {
  constructor(
    public t: number,
    private readonly rng: Rng,
  ) {}
  tick(minMs: number, maxMs: number): string {
    this.t += this.rng.int(minMs, maxMs);
    return iso(this.t);
  }
}

// ── Codex rollouts ────────────────────────────────────────────────────────────────────────

const CODEX_MODELS = ['gpt-5.2-codex', 'gpt-5.1-codex-max'] as const;
const SHELL_COMMANDS = [
  ['bash', '-lc', 'rg -n parseTokenCount src'],
  ['bash', '-lc', 'npm test'],
  ['bash', '-lc', 'sed -n 1,200p src/tokens/parse.ts'],
  ['bash', '-lc', 'git status --short'],
  ['bash', '-lc', 'npx tsc -p tsconfig.json --noEmit'],
  ['bash', '-lc', 'ls -la src/commands'],
  ['bash', '-lc', 'npx vitest run test/tokens'],
];

interface CodexUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

const usageJson = (u: CodexUsage) => ({
  input_tokens: u.input,
  cached_input_tokens: u.cached,
  output_tokens: u.output,
  reasoning_output_tokens: u.reasoning,
  total_tokens: u.input + u.output,
});

interface CodexSession {
  id: string;
  rel: string;
  lines: string[];
  endMs: number;
  cum: CodexUsage;
  context: number;
  model: string;
}

interface CodexPlan {
  startMs: number;
  bytes: number;
  maxCalls: number;
  parent?: CodexSession;
}

/** How many model calls a session of `bytes` has (more and bigger calls for bigger sessions). */
const callsFor = (bytes: number) => Math.min(100, Math.max(3, Math.round(Math.sqrt(bytes / 1000))));

/** Latest start so that a session of at most maxCalls calls (≤ 60 s each) ends before now. */
const latestStart = (c: Corpus, maxCalls: number) => c.nowMs - maxCalls * MINUTE - 2 * MINUTE;

function rateLimits(c: Corpus, at: number) {
  const { rng, nowMs } = c;
  let primaryReset = at + rng.int(5, 300) * MINUTE;
  while (primaryReset <= nowMs) primaryReset += 300 * MINUTE;
  const weeklyReset = nowMs + 27 * HOUR + 13 * MINUTE;
  const weekFraction = Math.min(1, Math.max(0, (at - (nowMs - WEEK)) / WEEK));
  const secondary = rng.chance(0.05)
    ? null
    : {
        used_percent: Math.round((4 + 88 * weekFraction) * 10) / 10,
        window_minutes: 10080,
        resets_at: Math.floor(weeklyReset / 1000),
      };
  return {
    primary: {
      used_percent: Math.round(rng.range(1, 97) * 10) / 10,
      window_minutes: 300,
      resets_at: Math.floor(primaryReset / 1000),
    },
    secondary,
  };
}

async function codexSession(c: Corpus, plan: CodexPlan): Promise<CodexSession> {
  const { rng } = c;
  const clock = new Clock(plan.startMs, rng);
  const id = rng.uuidv7(plan.startMs);
  const d = new Date(plan.startMs);
  const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
  const rel = `codex/sessions/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/rollout-${stamp}-${id}.jsonl`;
  const lines: string[] = [];
  let bytes = 0;
  const push = (line: string) => {
    lines.push(line);
    bytes += line.length + 1;
  };
  const ts = () => clock.tick(20, 900);
  push(
    JSON.stringify({
      timestamp: iso(clock.t),
      type: 'session_meta',
      payload: {
        id,
        timestamp: iso(clock.t),
        cwd: '/home/dev/work',
        originator: rng.pick(['codex_cli_rs', 'codex_exec']),
        cli_version: rng.pick(['0.144.0', '0.146.0']),
        instructions: null,
        source: 'cli',
        model_provider: 'openai',
        git: {
          commit_hash: rng.chars(HEX, 40),
          branch: 'main',
          repository_url: 'git@github.com:dev/work.git',
        },
      },
    }),
  );
  if (plan.parent) {
    for (const line of plan.parent.lines) push(line);
    clock.t = Math.max(clock.t, plan.parent.endMs) + rng.int(1000, 60_000);
  }
  const cum: CodexUsage = plan.parent
    ? { ...plan.parent.cum }
    : { input: 0, cached: 0, output: 0, reasoning: 0 };
  let context = plan.parent?.context ?? rng.int(9000, 16_000);
  let model = plan.parent?.model ?? rng.pick(CODEX_MODELS);
  const perCall = (plan.bytes / callsFor(plan.bytes)) * rng.range(0.8, 1.2);
  const target = bytes + plan.bytes;
  let calls = 0;
  let prevInput = plan.parent ? context : 0;
  while (calls < plan.maxCalls && (bytes < target || calls < 2)) {
    // A turn: the user's message, then 1–6 model calls, the last of which answers.
    clock.tick(2000, 20_000);
    if (rng.chance(0.15)) model = rng.pick(CODEX_MODELS);
    push(
      JSON.stringify({
        timestamp: ts(),
        type: 'turn_context',
        payload: {
          cwd: '/home/dev/work',
          approval_policy: 'on-request',
          sandbox_policy: { mode: 'workspace-write', network_access: false },
          model,
          effort: rng.pick(['medium', 'high', 'xhigh']),
          summary: 'auto',
        },
      }),
    );
    const prompt = jsonFiller(rng, rng.int(80, 1500));
    push(
      jsonLine(
        {
          timestamp: ts(),
          type: 'response_item',
          payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: HOLE }] },
        },
        prompt,
      ),
    );
    push(
      jsonLine(
        {
          timestamp: ts(),
          type: 'event_msg',
          payload: { type: 'user_message', message: HOLE, images: [] },
        },
        prompt,
      ),
    );
    const turnCalls = rng.int(1, 6);
    for (let k = 0; k < turnCalls && calls < plan.maxCalls; k++, calls++) {
      const last = k === turnCalls - 1 || calls === plan.maxCalls - 1;
      push(
        jsonLine(
          {
            timestamp: ts(),
            type: 'response_item',
            payload: {
              type: 'reasoning',
              summary: [{ type: 'summary_text', text: `**${textFiller(rng, rng.int(20, 60))}**` }],
              content: null,
              encrypted_content: HOLE,
            },
          },
          `gAAAAAB${b64Filler(rng, rng.int(600, 4000))}`,
        ),
      );
      const callId = `call_${rng.chars(BASE62, 24)}`;
      if (last) {
        const answer = jsonFiller(rng, perCall * 0.4);
        push(
          jsonLine(
            {
              timestamp: ts(),
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
        push(
          jsonLine(
            {
              timestamp: ts(),
              type: 'event_msg',
              payload: { type: 'agent_message', message: HOLE },
            },
            answer.slice(0, 2000).replace(/\\$/, ''),
          ),
        );
      } else {
        push(
          JSON.stringify({
            timestamp: ts(),
            type: 'response_item',
            payload: {
              type: 'function_call',
              name: 'shell',
              arguments: JSON.stringify({
                command: rng.pick(SHELL_COMMANDS),
                workdir: '/home/dev/work',
                timeout_ms: 120000,
              }),
              call_id: callId,
            },
          }),
        );
      }
      // The model call's usage: the whole context is input again, mostly cached.
      const input = context + rng.int(200, 3000);
      const cached = Math.min(
        input - rng.int(50, 2000),
        Math.floor(prevInput * rng.range(0.85, 1)),
      );
      const output = rng.int(40, 3500);
      const step: CodexUsage = {
        input,
        cached: Math.max(0, cached),
        output,
        reasoning: Math.floor(output * rng.range(0, 0.8)),
      };
      prevInput = input;
      cum.input += step.input;
      cum.cached += step.cached;
      cum.output += step.output;
      cum.reasoning += step.reasoning;
      c.count('codex-session', step.input + step.output);
      const info = {
        total_token_usage: usageJson(cum),
        last_token_usage: usageJson(step),
        model_context_window: 272000,
      };
      const tokenCount = (at: string) =>
        JSON.stringify({
          timestamp: at,
          type: 'event_msg',
          payload: { type: 'token_count', info, rate_limits: rateLimits(c, clock.t) },
        });
      push(tokenCount(ts()));
      // Codex re-emits the same usage (unchanged total): not new tokens.
      if (rng.chance(0.2)) push(tokenCount(clock.tick(5, 2000)));
      // Rate-limit-only events.
      if (rng.chance(0.1))
        push(
          JSON.stringify({
            timestamp: ts(),
            type: 'event_msg',
            payload: { type: 'token_count', info: null, rate_limits: rateLimits(c, clock.t) },
          }),
        );
      const outputBytes = last ? perCall * 0.1 : perCall * 0.8;
      let toolOutput = jsonFiller(rng, outputBytes);
      // Tool output that mentions markers (a grep of the logs): not a marker.
      if (rng.chance(0.05))
        toolOutput = `cron/nightly-triage.log:41:tokens used\\ncron/nightly-triage.log:42:48,210\\nsrc/tokens/parse.ts:12:token_count\\n${toolOutput}`;
      if (!last)
        push(
          jsonLine(
            {
              timestamp: clock.tick(500, 15_000),
              type: 'response_item',
              payload: { type: 'function_call_output', call_id: callId, output: HOLE },
            },
            toolOutput,
          ),
        );
      context += output + Math.floor(outputBytes / 4);
      if (context > 240_000) context = rng.int(20_000, 40_000); // auto-compaction
    }
  }
  await c.write(rel, lines);
  return { id, rel, lines, endMs: clock.t, cum, context, model };
}

async function codexSessions(c: Corpus, budget: number, avgBytes: number): Promise<void> {
  const { rng, nowMs } = c;
  const weekAgo = nowMs - WEEK;
  let written = 0;
  let parent: CodexSession | undefined;
  for (let i = 0; i < 3 || written < budget; i++) {
    const bytes = Math.round(avgBytes * rng.range(0.4, 1.6));
    const maxCalls = Math.ceil(callsFor(bytes) * 1.6) + 1;
    if (i === 2 && parent) {
      // A forked session: replays its parent's lines verbatim, then continues.
      const startMs = Math.min(parent.endMs + rng.int(10, 600) * MINUTE, latestStart(c, maxCalls));
      const fork = await codexSession(c, { startMs, bytes, maxCalls, parent });
      written += fork.lines.reduce((n, l) => n + l.length + 1, 0);
      parent = undefined;
      continue;
    }
    // The fork's parent starts early in the week, leaving room for the fork after it.
    const latest = i === 0 ? weekAgo + 3 * DAY : latestStart(c, maxCalls);
    const startMs = rng.int(weekAgo + MINUTE, Math.max(weekAgo + MINUTE, latest));
    const session = await codexSession(c, { startMs, bytes, maxCalls });
    const size = session.lines.reduce((n, l) => n + l.length + 1, 0);
    written += size;
    if (i === 0) parent = session;
    if (i === 1) {
      // The same rollout also sits in archived_sessions/: counted once.
      await c.write(`codex/archived_sessions/${session.rel.split('/').pop() ?? ''}`, session.lines);
      written += size;
    }
  }
}

// ── Claude Code transcripts ───────────────────────────────────────────────────────────────

const CLAUDE_MODELS = ['claude-opus-4-5-20251101', 'claude-sonnet-4-5-20250929'] as const;
const CLAUDE_TOOLS = [
  { name: 'Bash', input: { command: 'npm test', description: 'Run the test suite' } },
  { name: 'Read', input: { file_path: '/home/dev/work/src/tokens/ingest.ts' } },
  { name: 'Grep', input: { pattern: 'writeEvent', path: '/home/dev/work/src' } },
  {
    name: 'Edit',
    input: { file_path: '/home/dev/work/src/tokens/parse.ts', old_string: 'a', new_string: 'b' },
  },
  { name: 'Glob', input: { pattern: 'test/**/*.test.ts' } },
];

interface ClaudePlan {
  rel: string;
  sessionId: string;
  startMs: number;
  bytes: number;
  maxResponses: number;
  agentId?: string;
}

async function claudeSession(c: Corpus, plan: ClaudePlan): Promise<number> {
  const { rng } = c;
  const clock = new Clock(plan.startMs, rng);
  const lines: string[] = [];
  let bytes = 0;
  const push = (line: string) => {
    lines.push(line);
    bytes += line.length + 1;
  };
  const sidechain = plan.agentId !== undefined;
  const base = {
    isSidechain: sidechain,
    userType: 'external',
    cwd: '/home/dev/work',
    sessionId: plan.sessionId,
    version: rng.pick(['2.0.55', '2.0.61']),
    gitBranch: 'main',
    ...(sidechain ? { agentId: plan.agentId } : {}),
  };
  let parentUuid: string | null = null;
  const envelope = (type: string) => {
    const uuid = rng.uuid();
    const head = { parentUuid, ...base, type, uuid, timestamp: clock.tick(50, 4000) };
    parentUuid = uuid;
    return head;
  };
  if (!sidechain && rng.chance(0.5))
    push(JSON.stringify({ type: 'summary', summary: textFiller(rng, 50), leafUuid: rng.uuid() }));
  const perResponse = (plan.bytes / callsFor(plan.bytes)) * rng.range(0.8, 1.2);
  let model = sidechain ? CLAUDE_MODELS[1] : rng.pick(CLAUDE_MODELS);
  let context = rng.int(12_000, 24_000);
  let toolUseId: string | undefined;
  for (let r = 0; r < plan.maxResponses && (bytes < plan.bytes || r < 2); r++) {
    clock.tick(1000, 20_000);
    const content = toolUseId
      ? [{ tool_use_id: toolUseId, type: 'tool_result', content: HOLE, is_error: rng.chance(0.05) }]
      : HOLE;
    const text = jsonFiller(rng, toolUseId ? perResponse * 0.85 : rng.int(60, 1200));
    push(jsonLine({ ...envelope('user'), message: { role: 'user', content } }, text));
    if (rng.chance(0.04) || (r === 1 && !sidechain)) {
      // An API error written as a message: no usage to count.
      push(
        JSON.stringify({
          ...envelope('assistant'),
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
    if (!sidechain && rng.chance(0.1)) model = rng.pick(CLAUDE_MODELS);
    const messageId = `msg_01${rng.chars(BASE62, 22)}`;
    const requestId = `req_011C${rng.chars(BASE62, 20)}`;
    const creation = Math.min(context, rng.int(200, 4000) + Math.floor(text.length / 4));
    const usage = {
      input: rng.int(1, 12),
      creation,
      read: context - creation + rng.int(0, 500),
      output: rng.int(30, 6000),
    };
    c.count('claude-session', usage.input + usage.creation + usage.read + usage.output);
    const parts = rng.int(2, 3);
    toolUseId = rng.chance(0.8) ? `toolu_01${rng.chars(BASE62, 22)}` : undefined;
    for (let p = 0; p < parts; p++) {
      const final = p === parts - 1;
      // Earlier lines of the same response carry a partial (smaller) output count.
      const output = final
        ? usage.output
        : Math.max(1, Math.floor(usage.output * rng.range(0.01, 0.6)));
      let block: unknown;
      const fills: string[] = [];
      if (p === 0) {
        block = { type: 'thinking', thinking: HOLE, signature: HOLE };
        fills.push(jsonFiller(rng, rng.int(100, 2500)), b64Filler(rng, rng.int(200, 900)));
      } else if (final && toolUseId) {
        const tool = rng.pick(CLAUDE_TOOLS);
        block = { type: 'tool_use', id: toolUseId, name: tool.name, input: tool.input };
      } else {
        block = { type: 'text', text: HOLE };
        fills.push(jsonFiller(rng, rng.int(60, Math.max(61, perResponse * 0.15))));
      }
      push(
        jsonLine(
          {
            ...envelope('assistant'),
            requestId,
            message: {
              id: messageId,
              type: 'message',
              role: 'assistant',
              model,
              content: [block],
              stop_reason: final ? (toolUseId ? 'tool_use' : 'end_turn') : null,
              stop_sequence: null,
              usage: {
                input_tokens: usage.input,
                cache_creation_input_tokens: usage.creation,
                cache_read_input_tokens: usage.read,
                cache_creation: {
                  ephemeral_5m_input_tokens: usage.creation,
                  ephemeral_1h_input_tokens: 0,
                },
                output_tokens: output,
                service_tier: 'standard',
              },
            },
          },
          ...fills,
        ),
      );
    }
    context += usage.output + creation + Math.floor((perResponse * 0.85) / 4);
    if (context > 170_000) context = rng.int(20_000, 40_000); // auto-compact
  }
  await c.write(plan.rel, lines);
  return bytes;
}

async function claudeSessions(c: Corpus, budget: number, avgBytes: number): Promise<void> {
  const { rng, nowMs } = c;
  const project = 'claude/projects/-home-dev-work';
  let written = 0;
  for (let i = 0; i < 2 || written < budget; i++) {
    const bytes = Math.round(avgBytes * rng.range(0.4, 1.6));
    const maxResponses = Math.ceil(callsFor(bytes) * 1.6) + 1;
    const sessionId = rng.uuid();
    const startMs = rng.int(nowMs - WEEK + MINUTE, latestStart(c, maxResponses * 3));
    written += await claudeSession(c, {
      rel: `${project}/${sessionId}.jsonl`,
      sessionId,
      startMs,
      bytes,
      maxResponses,
    });
    if (i === 0) {
      // A sub-agent's transcript, in the session's own folder.
      const agentId = rng.chars(HEX, 8);
      const subBytes = Math.max(8000, Math.round(bytes * 0.25));
      const subMax = Math.ceil(callsFor(subBytes) * 1.6) + 1;
      written += await claudeSession(c, {
        rel: `${project}/${sessionId}/subagents/agent-${agentId}.jsonl`,
        sessionId,
        startMs: Math.min(startMs + 5 * MINUTE, latestStart(c, subMax * 3)),
        bytes: subBytes,
        maxResponses: subMax,
        agentId,
      });
    }
  }
}

// ── cron logs ─────────────────────────────────────────────────────────────────────────────

/** Blended `codex exec` total (input − cached + output), 5k–400k, mostly small. */
const blended = (rng: Rng) => 5000 + Math.floor(395_000 * rng.next() ** 2);

function outputLines(c: Corpus, bytes: number, prefix: string): string[] {
  const { rng } = c;
  const lines: string[] = [];
  let size = 0;
  do {
    const line = `${prefix}${textFiller(c.rng, rng.int(40, 160))}`;
    lines.push(line);
    size += line.length + 1;
  } while (size < bytes);
  return lines;
}

/** One cron run of `codex exec`: header, output, the token marker (new or old form), exit line. */
function textRun(
  c: Corpus,
  bucket: string,
  at: number,
  bytes: number,
  form: 'new' | 'old' | 'none',
): string[] {
  const { rng } = c;
  const lines = [`=== ${isoSeconds(at)} ${bucket} ===`, `$ codex exec --full-auto "${bucket} run"`];
  lines.push(...outputLines(c, bytes, rng.pick(['', '  ', '[codex] ', 'exec: '])));
  if (rng.chance(0.5)) lines.push('tokens used in this run are reported below');
  if (form === 'none') {
    lines.push('ERROR: stream disconnected before completion', '=== exit 1 ===');
    return lines;
  }
  const total = blended(rng);
  c.count(bucket, total);
  if (form === 'new') lines.push('tokens used', thousands(total));
  else
    lines.push(`[${isoSeconds(at + rng.int(60, 1800) * 1000).slice(0, 19)}] tokens used: ${total}`);
  lines.push(...outputLines(c, 120, ''), '=== exit 0 ===');
  return lines;
}

async function cronLogs(c: Corpus, budget: number): Promise<void> {
  const { rng, nowMs } = c;
  const hourStart = Math.floor(nowMs / HOUR) * HOUR;
  const dayStart = Math.floor(nowMs / DAY) * DAY;

  // hourly-doctor: one file per run, named by the hour.
  const hours = Math.min(167, Math.max(6, Math.round(budget / 300_000)));
  const perHourly = (budget * 0.45) / hours;
  for (let h = 0; h < hours; h++) {
    // Distinct hours (one file each) within the week before now.
    const at = hourStart - (1 + Math.floor((h * 167) / hours)) * HOUR + rng.int(0, 20) * 1000;
    const d = new Date(at);
    const name = `cron/hourly-doctor-${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}.log`;
    await c.write(
      name,
      textRun(c, 'hourly-doctor', at, perHourly, rng.chance(0.8) ? 'new' : 'old'),
    );
  }

  // daily-macro-doctor: one run a day appended to one log; Codex was upgraded mid-week.
  const runsPerDay = Math.max(1, Math.min(24, Math.round(budget / 2_000_000)));
  const daily: string[] = [];
  const perDaily = (budget * 0.15) / (7 * runsPerDay);
  for (let d = 7; d >= 1; d--)
    for (let r = 0; r < runsPerDay; r++) {
      const at =
        dayStart - d * DAY + 6 * HOUR + 30 * MINUTE + Math.floor((r * 17 * HOUR) / runsPerDay);
      daily.push(...textRun(c, 'daily-macro-doctor', at, perDaily, d > 4 ? 'old' : 'new'));
    }
  await c.write('cron/daily-macro-doctor.log', daily);

  // nightly-triage: one run a night; one run failed before printing its tokens.
  const nightly: string[] = [];
  const perNightly = (budget * 0.15) / 7;
  for (let d = 7; d >= 1; d--) {
    const at = dayStart - d * DAY + 2 * HOUR + rng.int(0, 59) * 1000;
    nightly.push(...textRun(c, 'nightly-triage', at, perNightly, d === 5 ? 'none' : 'new'));
  }
  await c.write('cron/nightly-triage.log', nightly);

  await execReview(c, budget * 0.1, dayStart);
  await claudeFixer(c, budget * 0.07, dayStart);
  await claudeStream(c, budget * 0.08);
}

/** `codex exec --json` runs appended to one JSONL log. */
async function execReview(c: Corpus, budget: number, dayStart: number): Promise<void> {
  const { rng } = c;
  const runs = Math.max(4, Math.min(200, Math.round(budget / 20_000)));
  const lines: string[] = [];
  for (let r = 0; r < runs; r++) {
    const at = dayStart - 7 * DAY + Math.floor(((r + 0.5) * 7 * DAY) / runs);
    lines.push(JSON.stringify({ type: 'thread.started', thread_id: rng.uuidv7(at) }));
    lines.push(JSON.stringify({ type: 'turn.started' }));
    let item = 0;
    lines.push(
      JSON.stringify({
        type: 'item.completed',
        item: { id: `item_${item++}`, type: 'reasoning', text: `**${textFiller(rng, 50)}**` },
      }),
    );
    const command = 'bash -lc "gh pr diff 123 | head -400"';
    lines.push(
      JSON.stringify({
        type: 'item.started',
        item: {
          id: `item_${item}`,
          type: 'command_execution',
          command,
          aggregated_output: '',
          exit_code: null,
          status: 'in_progress',
        },
      }),
    );
    lines.push(
      jsonLine(
        {
          type: 'item.completed',
          item: {
            id: `item_${item++}`,
            type: 'command_execution',
            command,
            aggregated_output: HOLE,
            exit_code: 0,
            status: 'completed',
          },
        },
        jsonFiller(rng, budget / runs),
      ),
    );
    if (r === 1) {
      // A failed turn: no usage, nothing to count.
      lines.push(
        JSON.stringify({ type: 'error', message: 'stream disconnected before completion' }),
      );
      lines.push(
        JSON.stringify({
          type: 'turn.failed',
          error: { message: 'stream disconnected before completion' },
        }),
      );
      continue;
    }
    lines.push(
      jsonLine(
        {
          type: 'item.completed',
          item: { id: `item_${item++}`, type: 'agent_message', text: HOLE },
        },
        jsonFiller(rng, rng.int(200, 1500)),
      ),
    );
    const input = rng.int(8000, 300_000);
    const usage: Record<string, number> = {
      input_tokens: input,
      cached_input_tokens: Math.floor(input * rng.range(0.3, 0.9)),
      output_tokens: rng.int(300, 12_000),
    };
    if (rng.chance(0.3))
      usage.reasoning_output_tokens = Math.floor((usage.output_tokens ?? 0) * 0.5);
    c.count('exec-review', input + (usage.output_tokens ?? 0));
    lines.push(JSON.stringify({ type: 'turn.completed', usage }));
  }
  await c.write('cron/exec-review.jsonl', lines);
}

interface ClaudeUsage {
  input: number;
  creation: number;
  read: number;
  output: number;
}

function claudeResult(
  c: Corpus,
  bucket: string,
  sessionId: string,
  u: ClaudeUsage,
  model: string,
): string {
  const { rng } = c;
  const subtype = rng.chance(0.1) ? 'error_max_turns' : 'success';
  const cost =
    Math.round((((u.input + u.creation * 1.25) * 3 + u.read * 0.3 + u.output * 15) / 1e6) * 1e4) /
    1e4;
  c.count(bucket, u.input + u.creation + u.read + u.output);
  return jsonLine(
    {
      type: 'result',
      subtype,
      is_error: subtype !== 'success' || rng.chance(0.05),
      duration_ms: rng.int(8000, 900_000),
      duration_api_ms: rng.int(5000, 600_000),
      num_turns: rng.int(1, 40),
      result: HOLE,
      session_id: sessionId,
      total_cost_usd: cost,
      usage: {
        input_tokens: u.input,
        cache_creation_input_tokens: u.creation,
        cache_read_input_tokens: u.read,
        output_tokens: u.output,
        server_tool_use: { web_search_requests: 0 },
        service_tier: 'standard',
      },
      modelUsage: {
        [model]: {
          inputTokens: u.input,
          outputTokens: u.output,
          cacheReadInputTokens: u.read,
          cacheCreationInputTokens: u.creation,
          webSearchRequests: 0,
          costUSD: cost,
        },
        'claude-haiku-4-5-20251001': {
          inputTokens: rng.int(100, 3000),
          outputTokens: rng.int(10, 300),
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
          webSearchRequests: 0,
          costUSD: 0.001,
        },
      },
      permission_denials: [],
      uuid: rng.uuid(),
    },
    jsonFiller(rng, rng.int(100, 1500)),
  );
}

function claudeRunUsage(rng: Rng): ClaudeUsage {
  const read = rng.int(2000, 300_000);
  return {
    input: rng.int(10, 400),
    creation: rng.int(1000, 40_000),
    read,
    output: rng.int(200, 20_000),
  };
}

/** `claude -p --output-format json` runs appended to a cron log, each under a header. */
async function claudeFixer(c: Corpus, budget: number, dayStart: number): Promise<void> {
  const { rng } = c;
  const runs = Math.max(4, Math.min(300, Math.round(budget / 4000)));
  const lines: string[] = [];
  for (let r = 0; r < runs; r++) {
    const at = dayStart - 7 * DAY + Math.floor(((r + 0.3) * 7 * DAY) / runs);
    lines.push(`=== ${isoSeconds(at)} ===`);
    lines.push(...outputLines(c, budget / runs / 2, '# '));
    lines.push(claudeResult(c, 'claude-fixer', rng.uuid(), claudeRunUsage(rng), CLAUDE_MODELS[1]));
    lines.push('=== exit 0 ===');
  }
  await c.write('cron/claude-fixer.log', lines);
}

/** `claude -p --output-format stream-json --verbose` runs: only the result lines count. */
async function claudeStream(c: Corpus, budget: number): Promise<void> {
  const { rng } = c;
  const runs = Math.max(2, Math.min(100, Math.round(budget / 40_000)));
  const lines: string[] = [];
  const model = CLAUDE_MODELS[1];
  for (let r = 0; r < runs; r++) {
    const sessionId = rng.uuid();
    lines.push(
      JSON.stringify({
        type: 'system',
        subtype: 'init',
        cwd: '/home/dev/work',
        session_id: sessionId,
        tools: ['Task', 'Bash', 'Glob', 'Grep', 'Read', 'Edit', 'Write'],
        mcp_servers: [],
        model,
        permissionMode: 'bypassPermissions',
        apiKeySource: 'none',
        claude_code_version: '2.0.61',
        uuid: rng.uuid(),
      }),
    );
    const sum: ClaudeUsage = { input: 0, creation: 0, read: 0, output: 0 };
    const steps = rng.int(2, 5);
    for (let s = 0; s < steps; s++) {
      const u = {
        input: rng.int(1, 10),
        creation: rng.int(500, 8000),
        read: rng.int(10_000, 80_000),
        output: rng.int(50, 3000),
      };
      sum.input += u.input;
      sum.creation += u.creation;
      sum.read += u.read;
      sum.output += u.output;
      const toolUseId = `toolu_01${rng.chars(BASE62, 22)}`;
      lines.push(
        JSON.stringify({
          type: 'assistant',
          message: {
            id: `msg_01${rng.chars(BASE62, 22)}`,
            type: 'message',
            role: 'assistant',
            model,
            content: [
              { type: 'tool_use', id: toolUseId, name: 'Bash', input: { command: 'npm test' } },
            ],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: u.input,
              cache_creation_input_tokens: u.creation,
              cache_read_input_tokens: u.read,
              output_tokens: u.output,
              service_tier: 'standard',
            },
          },
          parent_tool_use_id: null,
          session_id: sessionId,
          uuid: rng.uuid(),
        }),
      );
      lines.push(
        jsonLine(
          {
            type: 'user',
            message: {
              role: 'user',
              content: [{ tool_use_id: toolUseId, type: 'tool_result', content: HOLE }],
            },
            parent_tool_use_id: null,
            session_id: sessionId,
            uuid: rng.uuid(),
          },
          jsonFiller(rng, budget / runs / steps),
        ),
      );
    }
    lines.push(claudeResult(c, 'claude-stream', sessionId, sum, model));
  }
  await c.write('cron/claude-stream.jsonl', lines);
}

// ── entry points ──────────────────────────────────────────────────────────────────────────

export async function generateCorpus(dir: string, options: CorpusOptions): Promise<CorpusTruth> {
  const target = Math.max(50_000, options.targetBytes ?? DEMO_BYTES);
  const nowMs = options.now.getTime();
  if (!Number.isFinite(nowMs)) throw new Error('generateCorpus: invalid now');
  const rng = new Rng(options.seed ?? 42);
  const c = new Corpus(dir, rng, nowMs);
  await mkdir(dir, { recursive: true });
  // Rollouts and transcripts dominate; cron logs are about 5 %.
  const avgSession = Math.min(8_000_000, Math.max(16_000, target / 250));
  await codexSessions(c, target * 0.55, avgSession);
  await claudeSessions(c, target * 0.4, avgSession);
  await cronLogs(c, target * 0.05);
  return c.truth;
}

export function generateDemoCorpus(dir: string, now: Date): Promise<CorpusTruth> {
  return generateCorpus(dir, { seed: 42, now, targetBytes: DEMO_BYTES });
}
