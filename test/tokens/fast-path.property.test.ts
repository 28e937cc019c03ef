import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MarkerParser } from '../../src/tokens/parse.js';
import { readMarkers } from '../../src/tokens/read.js';

/**
 * The reader skips lines without decoding them (a needle search in rollouts and transcripts,
 * a byte check of each JSON line in other JSON-lines files) and tells the parser when a line is
 * known to hold one of its needles. Whatever the lines say (prose that names the needles, false
 * hits, repeated and re-emitted usage, text markers among JSON lines), it must find exactly what
 * the full parse finds: every line, decoded, handed to the parser.
 */

const dir = mkdtempSync(join(tmpdir(), 'radar-fast-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = [
  'plain',
  'words',
  'token_count',
  'turn_context',
  // The words as JSON strings of their own, inside a string (a tool's output quoting a rollout).
  '"token_count"',
  '{"type":"turn_context","payload":{}}',
  '\\"token_count\\"',
  'session_meta',
  'thread.started',
  'tokens used',
  'Tokens Used: 12',
  '"usage"',
  'usage',
  'n_co',
  '_co',
  '_count',
  'encrypted_content',
  'résumé → ✓',
  '{"type":"result"}',
  '\\',
  '"',
  '"content":[',
  ',"content":[{"a":"]"}]',
  '[',
  ']',
  '{',
  '}',
];
const prose = fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }).map((w) => w.join(' '));
const model = fc.constantFrom('gpt-5.2-codex', 'gpt-5.1-codex-max', 'claude-opus-4-5');
const stamp = (i: number) => new Date(Date.UTC(2026, 5, 10, 8, 0, i * 7)).toISOString();

/** A rollout: session_meta, then turns, messages, reasoning and token counts (some repeated). */
const rolloutLine = fc.oneof(
  fc.record({ kind: fc.constant('turn'), model }),
  fc.record({ kind: fc.constant('message'), text: prose }),
  fc.record({ kind: fc.constant('reasoning'), text: prose }),
  fc.record({ kind: fc.constant('usage'), add: fc.nat({ max: 5000 }), limits: fc.boolean() }),
  fc.record({ kind: fc.constant('limits'), used: fc.nat({ max: 100 }) }),
  fc.record({ kind: fc.constant('tool'), text: prose }),
);

function rollout(lines: Shape[]): string[] {
  const out = [
    JSON.stringify({
      timestamp: stamp(0),
      type: 'session_meta',
      payload: { id: '0199a1b2-0000-7000-8000-000000000001', cwd: '/w', source: 'cli' },
    }),
  ];
  const cum = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  lines.forEach((l, i) => {
    const timestamp = stamp(i + 1);
    const limits = {
      primary: { used_percent: (l.used as number) ?? 5, window_minutes: 300, resets_at: 1781e6 },
    };
    if (l.kind === 'turn')
      out.push(JSON.stringify({ timestamp, type: 'turn_context', payload: { model: l.model } }));
    else if (l.kind === 'message' || l.kind === 'tool')
      out.push(
        JSON.stringify({
          timestamp,
          type: l.kind === 'message' ? 'event_msg' : 'response_item',
          payload:
            l.kind === 'message'
              ? { type: 'agent_message', message: l.text }
              : { type: 'function_call_output', output: l.text },
        }),
      );
    else if (l.kind === 'reasoning')
      out.push(
        JSON.stringify({
          timestamp,
          type: 'response_item',
          payload: { type: 'reasoning', summary: [{ text: l.text }], encrypted_content: 'gAAA_co' },
        }),
      );
    else if (l.kind === 'usage') {
      const add = l.add as number;
      cum.input_tokens += add;
      cum.cached_input_tokens += Math.floor(add / 2);
      cum.output_tokens += add % 97;
      cum.total_tokens = cum.input_tokens + cum.output_tokens;
      out.push(
        JSON.stringify({
          timestamp,
          type: 'event_msg',
          payload: {
            type: 'token_count',
            info: { total_token_usage: { ...cum }, model_context_window: 272000 },
            rate_limits: l.limits ? limits : null,
          },
        }),
      );
    } else
      out.push(
        JSON.stringify({
          timestamp,
          type: 'event_msg',
          payload: { type: 'token_count', info: null, rate_limits: limits },
        }),
      );
  });
  return out;
}

/**
 * Content blocks as Claude Code writes them (the reader cuts them out of assistant lines): text,
 * thinking, tool calls whose input nests objects, arrays, a `usage` key and a `content` key.
 */
const block = fc.oneof(
  prose.map((text) => ({ type: 'text', text })),
  prose.map((thinking) => ({ type: 'thinking', thinking, signature: 'EqQB\\u00e9' })),
  fc.record({ text: prose, n: fc.nat({ max: 9 }) }).map(({ text, n }) => ({
    type: 'tool_use',
    id: `toolu_${n}`,
    name: 'Edit',
    input: { file: text, edits: [{ old: text, new: [n, null, true] }], usage: { n } },
  })),
  prose.map((text) => ({ type: 'tool_result', content: [{ type: 'text', text }] })),
);

/** A transcript: maybe a summary first, user lines, assistant lines sharing message ids. */
const transcriptLine = fc.oneof(
  fc.record({ kind: fc.constant('user'), text: prose }),
  fc.record({ kind: fc.constant('tool-result'), blocks: fc.array(block, { maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('assistant'),
    id: fc.integer({ min: 1, max: 4 }),
    model,
    text: prose,
    blocks: fc.array(block, { maxLength: 3 }),
    output: fc.nat({ max: 3000 }),
    usageFirst: fc.boolean(),
    // A line cut short (a crash mid-write) at this fraction of its length.
    cut: fc.option(fc.double({ min: 0.05, max: 0.98, noNaN: true }), { freq: 4 }),
  }),
  fc.record({ kind: fc.constant('synthetic'), text: prose }),
);

/** What a transcript starts with, before its messages. */
const FIRST_LINES = {
  none: [],
  summary: [JSON.stringify({ type: 'summary', summary: 'x', leafUuid: 'u0' })],
  snapshot: [
    JSON.stringify({
      type: 'file-history-snapshot',
      messageId: 'm0',
      snapshot: { messageId: 'm0', trackedFileBackups: {}, timestamp: stamp(0) },
      isSnapshotUpdate: false,
    }),
  ],
};

function transcript(first: keyof typeof FIRST_LINES, lines: Shape[]): string[] {
  const sessionId = '5f0c2a3e-1111-4222-8333-444455556666';
  const out = [...FIRST_LINES[first]];
  lines.forEach((l, i) => {
    const head = { sessionId, uuid: `u${i}`, timestamp: stamp(i) };
    if (l.kind === 'user')
      out.push(
        JSON.stringify({ ...head, type: 'user', message: { role: 'user', content: l.text } }),
      );
    else if (l.kind === 'tool-result')
      // A user line that holds "usage" (in a tool's output): read whole, never as an assistant.
      out.push(
        JSON.stringify({
          ...head,
          type: 'user',
          message: { role: 'user', content: l.blocks },
          toolUseResult: { usage: { input_tokens: 1, output_tokens: 2 } },
        }),
      );
    else {
      const usage = {
        input_tokens: 3,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 100,
        output_tokens: (l.output as number) ?? 0,
      };
      const content = [{ type: 'text', text: l.text }, ...((l.blocks as object[]) ?? [])];
      const message =
        l.kind === 'synthetic'
          ? { id: 'e', model: '<synthetic>', content, usage }
          : l.usageFirst
            ? { id: `msg_${l.id}`, usage, model: l.model, content }
            : { id: `msg_${l.id}`, model: l.model, content, usage };
      const line = JSON.stringify({ ...head, type: 'assistant', message });
      // Cut where the usage key survives: a transcript's lines without it are never parsed.
      const cut = line.slice(0, Math.floor(line.length * ((l.cut as number | null) ?? 1)));
      out.push(cut.includes('"usage"') ? cut : line);
    }
  });
  return out;
}

/** A cron log of JSON lines (exec --json, claude results) with text lines among them. */
const mixedLine = fc.oneof(
  fc.record({ kind: fc.constant('thread'), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('turn'), input: fc.nat({ max: 90_000 }) }),
  fc.record({ kind: fc.constant('result'), input: fc.nat({ max: 90_000 }), text: prose }),
  fc.record({ kind: fc.constant('item'), text: prose }),
  fc.record({ kind: fc.constant('text'), text: prose }),
  fc.record({ kind: fc.constant('marker'), n: fc.nat({ max: 99_999 }), upper: fc.boolean() }),
);

function mixed(lines: Shape[]): string[] {
  const out = [JSON.stringify({ type: 'thread.started', thread_id: 'th-0' })];
  lines.forEach((l, i) => {
    if (l.kind === 'thread')
      out.push(JSON.stringify({ type: 'thread.started', thread_id: `th-${l.n}` }));
    else if (l.kind === 'turn')
      out.push(
        JSON.stringify({
          type: 'turn.completed',
          usage: { input_tokens: l.input, cached_input_tokens: 1, output_tokens: 2 },
        }),
      );
    else if (l.kind === 'result')
      out.push(
        JSON.stringify({
          type: 'result',
          subtype: 'success',
          result: l.text,
          session_id: `s${i}`,
          usage: { input_tokens: l.input, output_tokens: 5 },
        }),
      );
    else if (l.kind === 'item')
      out.push(JSON.stringify({ type: 'item.completed', item: { type: 'agent', text: l.text } }));
    else if (l.kind === 'text') out.push(`  ${l.text as string}`);
    else out.push(`[${stamp(i)}] ${l.upper ? 'TOKENS USED' : 'tokens used'}: ${l.n as number}`);
  });
  return out;
}

type Shape = Record<string, unknown>;

const options = { zone: 'UTC', mtimeMs: 1_780_000_000_000, lineage: 'lineage-1' };

/** The full parse: every line, decoded, to the parser (a last line without newline: unfinished). */
function fullParse(lines: string[], lastComplete = true): MarkerParser {
  const parser = new MarkerParser(options);
  let offset = 0;
  for (const [i, line] of lines.entries()) {
    parser.line(line, offset, lastComplete || i < lines.length - 1);
    offset += Buffer.byteLength(line) + 1;
  }
  return parser;
}

let n = 0;
async function fastParse(lines: string[]): Promise<MarkerParser> {
  const path = join(dir, `f${n++}.jsonl`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const parser = new MarkerParser(options);
  await readMarkers(path, parser, { from: 0, encoding: 'plain' });
  return parser;
}

async function agree(lines: string[]): Promise<void> {
  const full = fullParse(lines);
  const fast = await fastParse(lines);
  expect(fast.events).toEqual(full.events);
  expect(fast.samples).toEqual(full.samples);
  expect([...fast.skipped]).toEqual([...full.skipped]);
  expect(fast.snapshot()).toEqual(full.snapshot());
}

describe('the fast path agrees with the full parse', () => {
  it('on rollouts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rolloutLine, { maxLength: 40 }), async (l) => agree(rollout(l))),
      { numRuns: 300 },
    );
  });

  it('on transcripts, with a summary, a file-history snapshot or a message first', async () => {
    const first = fc.constantFrom<keyof typeof FIRST_LINES>('none', 'summary', 'snapshot');
    await fc.assert(
      fc.asyncProperty(first, fc.array(transcriptLine, { maxLength: 40 }), async (s, l) =>
        agree(transcript(s, l)),
      ),
      { numRuns: 300 },
    );
  });

  it('on JSON-lines cron logs with text lines among them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mixedLine, { maxLength: 40 }), async (l) => agree(mixed(l))),
      { numRuns: 300 },
    );
  });
});

/** Every log the real CLIs wrote, in every era and format (the truth files aside). */
const FIXTURES = join(import.meta.dirname, '../fixtures/real');
const fixtureLogs = (readdirSync(FIXTURES, { recursive: true }) as string[])
  .map((name) => join(FIXTURES, name))
  .filter((path) => statSync(path).isFile() && !path.endsWith('truth.json'));

describe('the fast path agrees with the full parse on every committed log of the real CLIs', () => {
  it('finds them', () => {
    expect(fixtureLogs.length).toBeGreaterThan(100);
  });

  it.each(fixtureLogs.map((path) => [relative(FIXTURES, path), path]))('%s', async (_, path) => {
    const text = readFileSync(path, 'utf8');
    const complete = text.endsWith('\n');
    const lines = (complete ? text.slice(0, -1) : text).split('\n');
    const full = fullParse(lines, complete);
    const fast = new MarkerParser(options);
    await readMarkers(path, fast, { from: 0, encoding: 'plain' });
    expect(fast.events).toEqual(full.events);
    expect(fast.samples).toEqual(full.samples);
    expect([...fast.skipped]).toEqual([...full.skipped]);
  });
});
