import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

/**
 * A stand-in model server on 127.0.0.1 for the real agent CLIs: enough of the OpenAI Responses
 * API (`POST …/responses`, an SSE stream ending in `response.completed` with usage) for Codex,
 * and of the Anthropic Messages API (`POST …/v1/messages`, streamed or not) for Claude Code. It
 * answers every request with a scripted reply whose usage numbers follow from the request's
 * sequence number alone, so a regenerated fixture carries the same numbers, and it logs every
 * answer: the log is the truth the fixtures are checked against. Nothing here calls a real
 * model.
 */

/** One model response as the server answered it. */
export interface ServedResponse {
  seq: number;
  api: 'responses' | 'messages';
  path: string;
  model: string;
  stream: boolean;
  /** The reply text, or the command of the tool call the reply makes. */
  text: string;
  /** The tool the reply calls (`shell`, `exec_command`, `Bash`, …), when it calls one. */
  tool?: string;
  usage: ServedUsage;
}

/**
 * The usage the server reported, in one shape for both APIs. Responses API: `input` includes
 * `cacheRead` (its `cached_tokens`), `output` includes `reasoning`; `cacheCreation` is 0.
 * Messages API: `input`, `cacheCreation`, `cacheRead` and `output` are disjoint; `reasoning` 0.
 */
export interface ServedUsage {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  reasoning: number;
}

/** A request that was not a model call (logged so a new CLI version's needs show up). */
export interface OtherRequest {
  method: string;
  path: string;
  status: number;
}

export interface StandIn {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  responses: ServedResponse[];
  others: OtherRequest[];
  close(): Promise<void>;
}

/** The usage of the n-th response (1-based): deterministic, distinct, plausible. */
export function usageFor(api: ServedResponse['api'], seq: number): ServedUsage {
  if (api === 'responses') {
    const input = 3000 + 211 * seq;
    return {
      input,
      cacheRead: 1024 * (seq % 3),
      cacheCreation: 0,
      output: 40 + 13 * seq,
      reasoning: 8 * (seq % 4),
    };
  }
  return {
    input: 3 + (seq % 5),
    cacheCreation: 1500 + 97 * seq,
    cacheRead: seq % 2 === 0 ? 2048 + 31 * seq : 0,
    output: 30 + 11 * seq,
    reasoning: 0,
  };
}

/** The usage of several responses added up. */
export function sumUsage(responses: readonly Pick<ServedResponse, 'usage'>[]): ServedUsage {
  const sum: ServedUsage = { input: 0, cacheRead: 0, cacheCreation: 0, output: 0, reasoning: 0 };
  for (const { usage } of responses) {
    for (const k of Object.keys(sum) as (keyof ServedUsage)[]) sum[k] += usage[k];
  }
  return sum;
}

export function replyText(seq: number): string {
  return `Stand-in reply ${seq}: nothing to change.`;
}

/** The word in a prompt that makes the stand-in call a shell tool once before it answers. */
export const SHELL_CUE = 'Use the shell';

/** The command the stand-in asks the agent to run. */
const COMMAND = ['echo', 'stand-in'];

export type Reply =
  { kind: 'text' } | { kind: 'tool'; name: string; args: Record<string, unknown> };

/**
 * What to answer a model request with: a shell tool call when the request ends with the user's
 * prompt and the prompt carries SHELL_CUE (so the agent runs a command and asks again: a run of
 * two model responses), else text. The tool is whichever shell the request offers, with the
 * arguments that version declares: `shell` {command: argv} (Codex up to 0.8x), `exec_command`
 * {cmd} (later Codex), `shell_command` {command: string}, `Bash` {command} (Claude Code).
 */
export function planReply(api: ServedResponse['api'], body: Record<string, unknown>): Reply {
  const tools = Array.isArray(body.tools) ? (body.tools as { name?: unknown }[]) : [];
  const names = new Set(tools.map((t) => t.name).filter((n): n is string => typeof n === 'string'));
  if (!endsWithCuedPrompt(api, body)) return { kind: 'text' };
  if (api === 'messages') {
    return names.has('Bash')
      ? {
          kind: 'tool',
          name: 'Bash',
          args: { command: COMMAND.join(' '), description: 'Print a word' },
        }
      : { kind: 'text' };
  }
  if (names.has('shell')) return { kind: 'tool', name: 'shell', args: { command: COMMAND } };
  if (names.has('exec_command'))
    return { kind: 'tool', name: 'exec_command', args: { cmd: COMMAND.join(' ') } };
  if (names.has('shell_command')) {
    return { kind: 'tool', name: 'shell_command', args: { command: COMMAND.join(' ') } };
  }
  return { kind: 'text' };
}

function endsWithCuedPrompt(api: ServedResponse['api'], body: Record<string, unknown>): boolean {
  const items = api === 'responses' ? body.input : body.messages;
  if (!Array.isArray(items)) return false;
  // Claude Code 2.1 ends its messages with a `system` one (the environment): look past it.
  const last = (items as { role?: unknown; content?: unknown }[])
    .filter((item) => item.role !== 'system' && item.role !== 'developer')
    .at(-1);
  if (last?.role !== 'user') return false;
  if (typeof last.content === 'string') return last.content.includes(SHELL_CUE);
  if (!Array.isArray(last.content)) return false;
  const blocks = last.content as { type?: unknown; text?: unknown }[];
  if (blocks.some((b) => b.type === 'tool_result')) return false;
  return blocks.some((b) => typeof b.text === 'string' && b.text.includes(SHELL_CUE));
}

export async function startStandIn(): Promise<StandIn> {
  const responses: ServedResponse[] = [];
  const others: OtherRequest[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    void text(req).then((body) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'POST' && /\/responses$/.test(path)) {
        seq++;
        const parsed = parseJson(body);
        const served = serve('responses', seq, path, parsed);
        responses.push(served);
        writeResponsesStream(res, served);
        return;
      }
      if (req.method === 'POST' && /\/v1\/messages$/.test(path)) {
        seq++;
        const parsed = parseJson(body);
        const served = serve('messages', seq, path, parsed);
        responses.push(served);
        if (served.stream) writeMessagesStream(res, served);
        else writeMessagesJson(res, served);
        return;
      }
      if (req.method === 'POST' && /\/v1\/messages\/count_tokens$/.test(path)) {
        others.push({ method: req.method, path, status: 200 });
        sendJson(res, 200, { input_tokens: 100 });
        return;
      }
      if (req.method === 'GET' && /\/models$/.test(path)) {
        others.push({ method: req.method, path, status: 200 });
        sendJson(res, 200, { object: 'list', data: [], models: [] });
        return;
      }
      others.push({ method: req.method ?? '?', path, status: 404 });
      sendJson(res, 404, { error: { type: 'not_found', message: `stand-in: no ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    responses,
    others,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function serve(
  api: ServedResponse['api'],
  seq: number,
  path: string,
  body: Record<string, unknown>,
): ServedResponse {
  const reply = planReply(api, body);
  return {
    seq,
    api,
    path,
    model: typeof body.model === 'string' ? body.model : 'unknown',
    stream: body.stream === true,
    ...(reply.kind === 'tool'
      ? { text: JSON.stringify(reply.args), tool: reply.name }
      : { text: replyText(seq) }),
    usage: usageFor(api, seq),
  };
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function writeResponsesStream(res: ServerResponse, s: ServedResponse): void {
  const id = `resp_standin_${s.seq}`;
  const u = s.usage;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, 'response.created', { type: 'response.created', response: { id } });
  if (s.tool !== undefined) {
    const item = {
      type: 'function_call',
      id: `fc_standin_${s.seq}`,
      call_id: `call_standin_${s.seq}`,
      name: s.tool,
      arguments: s.text,
    };
    sse(res, 'response.output_item.added', {
      type: 'response.output_item.added',
      output_index: 0,
      item,
    });
    sse(res, 'response.output_item.done', {
      type: 'response.output_item.done',
      output_index: 0,
      item,
    });
  } else {
    const itemId = `msg_standin_${s.seq}`;
    sse(res, 'response.output_item.added', {
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', id: itemId, role: 'assistant', content: [] },
    });
    sse(res, 'response.output_text.delta', {
      type: 'response.output_text.delta',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: s.text,
    });
    sse(res, 'response.output_item.done', {
      type: 'response.output_item.done',
      output_index: 0,
      item: {
        type: 'message',
        id: itemId,
        role: 'assistant',
        content: [{ type: 'output_text', text: s.text, annotations: [] }],
      },
    });
  }
  sse(res, 'response.completed', {
    type: 'response.completed',
    response: {
      id,
      usage: {
        input_tokens: u.input,
        input_tokens_details: { cached_tokens: u.cacheRead },
        output_tokens: u.output,
        output_tokens_details: { reasoning_tokens: u.reasoning },
        total_tokens: u.input + u.output,
      },
    },
  });
  res.end();
}

/** The reply's one content block: text, or a tool_use of the planned tool. */
function contentBlock(s: ServedResponse): Record<string, unknown> {
  return s.tool !== undefined
    ? {
        type: 'tool_use',
        id: `toolu_standin_${s.seq}`,
        name: s.tool,
        input: JSON.parse(s.text) as unknown,
      }
    : { type: 'text', text: s.text };
}

function messageStart(s: ServedResponse): Record<string, unknown> {
  return {
    id: `msg_standin_${s.seq}`,
    type: 'message',
    role: 'assistant',
    model: s.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: s.usage.input,
      cache_creation_input_tokens: s.usage.cacheCreation,
      cache_read_input_tokens: s.usage.cacheRead,
      output_tokens: 1,
    },
  };
}

function writeMessagesStream(res: ServerResponse, s: ServedResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_standin_${s.seq}` });
  sse(res, 'message_start', { type: 'message_start', message: messageStart(s) });
  const block = contentBlock(s);
  if (s.tool !== undefined) {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { ...block, input: {} },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: s.text },
    });
  } else {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: s.text },
    });
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: s.tool !== undefined ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: s.usage.output },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function writeMessagesJson(res: ServerResponse, s: ServedResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_standin_${s.seq}` });
  const start = messageStart(s);
  res.end(
    JSON.stringify({
      ...start,
      content: [contentBlock(s)],
      stop_reason: s.tool !== undefined ? 'tool_use' : 'end_turn',
      usage: { ...(start.usage as object), output_tokens: s.usage.output },
    }),
  );
}
