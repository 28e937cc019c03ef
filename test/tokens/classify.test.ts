import { describe, expect, it } from 'vitest';
import { classify, type Family } from '../../src/tokens/read.js';

/**
 * A file's first line decides how its lines are scanned: rollouts and transcripts by a needle
 * search (only the lines holding it are decoded), other JSON lines by a byte check of each line.
 */
describe('classify', () => {
  it.each<[string, string, Family]>([
    [
      'a rollout',
      '{"timestamp":"2026-06-10T09:00:01.000Z","type":"session_meta","payload":{"id":"0199a1b2"}}',
      'rollout',
    ],
    [
      'a transcript starting with a message',
      '{"parentUuid":null,"sessionId":"2b9d","type":"user","message":{"role":"user","content":"hi"}}',
      'transcript',
    ],
    [
      'a transcript starting with its summary',
      '{"type":"summary","summary":"Fix the parser","leafUuid":"u1"}',
      'transcript',
    ],
    [
      'a transcript starting with a file-history snapshot (Claude Code 2)',
      '{"type":"file-history-snapshot","messageId":"m1","snapshot":{"messageId":"m1","trackedFileBackups":{},"timestamp":"2026-06-10T09:00:01.000Z"},"isSnapshotUpdate":false}',
      'transcript',
    ],
    [
      'a snapshot line without its snapshot',
      '{"type":"file-history-snapshot","messageId":"m1"}',
      'json',
    ],
    ['codex exec --json', '{"type":"thread.started","thread_id":"0199a1b2"}', 'json'],
    ['a broken JSON line', '{"type":"session_meta",', 'json'],
    ['a text log', 'OpenAI Codex v0.104.0 (research preview)', 'text'],
  ])('%s', (_name, line, family) => {
    expect(classify(line)).toBe(family);
  });
});
