import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/core/tokens.js';
import { packEvents, transferables, unpackEvents } from '../../src/tokens/event-columns.js';
import { packResult, unpackResult, type ParseResult } from '../../src/tokens/parse-file.js';

/**
 * A parser thread posts each file's events in columns (one Float64Array of numbers, one string
 * table, a sparse list of rare fields) and the writing thread rebuilds them: whatever the events
 * hold (optional counts absent or zero, `isError` false or absent, texts shared between events
 * or not, thread totals and run headers on a few), it must get back exactly the events the
 * parser made, key for key, also through a real structured clone with the buffers transferred.
 */

const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const text = fc.constantFrom('a', 'b', 'codex:t-1', 'claude:s-2', 'gpt-5-codex', 'résumé ✓', '');
/** fast-check's records have no prototype; a parser's objects are plain. */
const plain = <T extends object>(o: T): T => ({ ...o });
const threadTotal = fc
  .record(
    {
      input: count,
      cached: count,
      output: count,
      reasoning: count,
      total: count,
      blendedOnly: fc.boolean(),
    },
    { requiredKeys: ['input', 'cached', 'output', 'reasoning', 'total'] },
  )
  .map(plain);
const event: fc.Arbitrary<TokenEvent> = fc
  .record(
    {
      fingerprint: fc.string(),
      legacyFingerprint: fc.string(),
      keepLargest: fc.boolean(),
      at: fc.integer({ min: -8.64e15, max: 8.64e15 }),
      atSource: fc.constantFrom('line', 'preceding', 'mtime'),
      agent: fc.constantFrom('codex', 'claude'),
      model: text,
      format: fc.constantFrom(
        'codex-text',
        'codex-exec-json',
        'codex-rollout',
        'claude-result',
        'claude-transcript',
      ),
      input: count,
      cachedInput: count,
      cacheCreation: count,
      output: count,
      reasoning: count,
      total: count,
      offset: count,
      sessionId: text,
      isError: fc.boolean(),
      runKey: text,
      threadTotal,
      runHeader: fc
        .record(
          { version: text, cwd: text, model: text, at: count, usage: threadTotal, markedAt: count },
          { requiredKeys: ['at'] },
        )
        .map(plain),
    },
    {
      requiredKeys: [
        'fingerprint',
        'keepLargest',
        'at',
        'atSource',
        'agent',
        'format',
        'total',
        'offset',
      ],
    },
  )
  .map(plain);

describe('event columns', () => {
  it('give back the parsed events key for key', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const columns = packEvents(events);
        expect(unpackEvents(columns)).toStrictEqual(events);
        const posted = structuredClone(columns, { transfer: transferables(columns) });
        expect(unpackEvents(posted)).toStrictEqual(events);
      }),
    );
  });

  it('carry a whole parse result across a thread', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 10 }), (events) => {
        const result: ParseResult = {
          events,
          samples: [{ provider: 'codex', windowMinutes: 300, usedPercent: 4.5, at: 1 }],
          skipped: [['malformed-json', 2]],
          bytesRead: 10,
          committed: 9,
          state: { lastTs: 5 },
          family: 'rollout',
        };
        const { packed, transfer } = packResult(result);
        expect({ ...unpackResult(structuredClone(packed, { transfer })) }).toStrictEqual(result);
      }),
    );
  });
});
