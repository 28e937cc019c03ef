import { afterEach, describe, expect, it } from 'vitest';
import {
  planReply,
  SHELL_CUE,
  startStandIn,
  sumUsage,
  usageFor,
  type StandIn,
} from '../../scripts/agents/stand-in.js';

/**
 * The stand-in model server the real agent CLIs talk to when the fixtures under
 * test/fixtures/real/ are generated (docs/real-agents.md): its choice of reply is a pure
 * function, its streams are read here over real HTTP.
 */

const cued = `${SHELL_CUE} to list the files.`;
const codexUser = (text: string) => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

describe('planReply', () => {
  it.each([
    {
      case: 'Codex up to 0.8x offers `shell` (argv)',
      api: 'responses' as const,
      body: { tools: [{ type: 'function', name: 'shell' }], input: [codexUser(cued)] },
      expected: { kind: 'tool', name: 'shell', args: { command: ['echo', 'stand-in'] } },
    },
    {
      case: 'later Codex offers `exec_command` (a string)',
      api: 'responses' as const,
      body: {
        tools: [{ name: 'exec_command' }, { name: 'write_stdin' }],
        input: [codexUser(cued)],
      },
      expected: { kind: 'tool', name: 'exec_command', args: { cmd: 'echo stand-in' } },
    },
    {
      case: 'a tool result comes back: answer in text',
      api: 'responses' as const,
      body: {
        tools: [{ name: 'shell' }],
        input: [codexUser(cued), { type: 'function_call_output', call_id: 'c', output: 'x' }],
      },
      expected: { kind: 'text' },
    },
    {
      case: 'a prompt without the cue',
      api: 'responses' as const,
      body: { tools: [{ name: 'shell' }], input: [codexUser('Say hi')] },
      expected: { kind: 'text' },
    },
    {
      case: 'no shell offered',
      api: 'responses' as const,
      body: { tools: [{ name: 'view_image' }], input: [codexUser(cued)] },
      expected: { kind: 'text' },
    },
    {
      case: 'Claude Code: the prompt, then a trailing system message',
      api: 'messages' as const,
      body: {
        tools: [{ name: 'Bash' }, { name: 'Read' }],
        messages: [
          { role: 'user', content: cued },
          { role: 'system', content: [{ type: 'text', text: '# Environment' }] },
        ],
      },
      expected: {
        kind: 'tool',
        name: 'Bash',
        args: { command: 'echo stand-in', description: 'Print a word' },
      },
    },
    {
      case: 'Claude Code: the tool result comes back',
      api: 'messages' as const,
      body: {
        tools: [{ name: 'Bash' }],
        messages: [
          { role: 'user', content: cued },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Bash', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't', content: 'stand-in' },
              { type: 'text', text: cued },
            ],
          },
        ],
      },
      expected: { kind: 'text' },
    },
  ])('$case', ({ api, body, expected }) => {
    expect(planReply(api, body)).toEqual(expected);
  });
});

describe('usageFor', () => {
  it.each([1, 2, 3, 7])('response %i: the same numbers every time, cached within input', (seq) => {
    const codex = usageFor('responses', seq);
    expect(usageFor('responses', seq)).toEqual(codex);
    expect(codex.cacheRead).toBeLessThanOrEqual(codex.input);
    expect(codex.reasoning).toBeLessThanOrEqual(codex.output);
    expect(usageFor('responses', seq + 1).input).toBeGreaterThan(codex.input);
  });
});

describe('sumUsage', () => {
  it('adds up every count of the responses', () => {
    const a = usageFor('messages', 1);
    const b = usageFor('messages', 2);
    expect(sumUsage([{ usage: a }, { usage: b }])).toEqual({
      input: a.input + b.input,
      cacheRead: a.cacheRead + b.cacheRead,
      cacheCreation: a.cacheCreation + b.cacheCreation,
      output: a.output + b.output,
      reasoning: a.reasoning + b.reasoning,
    });
    expect(sumUsage([])).toEqual({
      input: 0,
      cacheRead: 0,
      cacheCreation: 0,
      output: 0,
      reasoning: 0,
    });
  });
});

describe('startStandIn', () => {
  let server: StandIn | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server!.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const events = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);

  it('streams a Responses answer whose response.completed carries the usage it logs', async () => {
    server = await startStandIn();
    const r = await post('/v1/responses', {
      model: 'gpt-5',
      stream: true,
      input: [codexUser('hi')],
    });
    expect(r.status).toBe(200);
    const completed = events(r.text).find((e) => e.type === 'response.completed');
    const u = usageFor('responses', 1);
    expect(completed).toMatchObject({
      response: {
        usage: {
          input_tokens: u.input,
          input_tokens_details: { cached_tokens: u.cacheRead },
          output_tokens: u.output,
          output_tokens_details: { reasoning_tokens: u.reasoning },
          total_tokens: u.input + u.output,
        },
      },
    });
    expect(server.responses).toMatchObject([
      { seq: 1, api: 'responses', model: 'gpt-5', usage: u },
    ]);
  });

  it('streams a Messages answer with usage split between message_start and message_delta', async () => {
    server = await startStandIn();
    await post('/v1/responses', { model: 'gpt-5', input: [] });
    const r = await post('/v1/messages?beta=true', {
      model: 'claude-x',
      stream: true,
      tools: [{ name: 'Bash' }],
      messages: [{ role: 'user', content: cued }],
    });
    const u = usageFor('messages', 2);
    const all = events(r.text);
    expect(all.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(all[0]).toMatchObject({
      message: {
        usage: {
          input_tokens: u.input,
          cache_creation_input_tokens: u.cacheCreation,
          cache_read_input_tokens: u.cacheRead,
        },
      },
    });
    expect(all[1]).toMatchObject({ content_block: { type: 'tool_use', name: 'Bash' } });
    expect(all[4]).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: u.output },
    });
    expect(server.responses.map((s) => [s.seq, s.api, s.tool])).toEqual([
      [1, 'responses', undefined],
      [2, 'messages', 'Bash'],
    ]);
  });

  it('answers anything else 404 and logs it', async () => {
    server = await startStandIn();
    expect((await post('/v1/chat/completions', {})).status).toBe(404);
    expect(server.others).toEqual([{ method: 'POST', path: '/v1/chat/completions', status: 404 }]);
    expect(server.responses).toEqual([]);
  });
});
