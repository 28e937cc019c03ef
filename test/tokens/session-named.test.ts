import { describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/core/tokens.js';
import { sessionNamed, type ParserState } from '../../src/tokens/parse.js';

const event = (sessionId?: string) => ({ sessionId }) as TokenEvent;

describe('sessionNamed: the session a parsed log names', () => {
  it.each<[string, TokenEvent[], ParserState, string | undefined]>([
    ['nothing named', [], {}, undefined],
    ['the first marker that carries one', [event(), event('s1'), event('s2')], {}, 's1'],
    ['a codex exec --json thread with no marker', [], { execThread: { id: 't1' } }, 't1'],
    [
      'a human header session id with no marker',
      [],
      { codexRun: { session: 'h1' } as ParserState['codexRun'] },
      'h1',
    ],
    ['a marker wins over the state', [event('s1')], { execThread: { id: 't1' } }, 's1'],
  ])('%s', (_name, events, state, expected) => {
    expect(sessionNamed(events, state)).toBe(expected);
  });
});
