import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniformEvent, type TokenEvent } from '../../src/core/tokens.js';
import { parseFile, type ParseResult } from '../../src/tokens/parse-file.js';
import { resultOf, toWire } from '../../src/tokens/wire.js';
import { REAL_FIXTURES } from '../helpers/real-fixtures.js';

/**
 * A parse result posted by a parser thread (packed by toWire, cloned as postMessage clones it,
 * unpacked by resultOf) is the result the writing thread would have parsed itself: for every
 * file the real agent CLIs wrote, and for events with every field and with none of the optional
 * ones.
 */

const posted = (result: ParseResult) => {
  const { wire, transfer } = toWire(result);
  return resultOf(structuredClone(wire, { transfer }));
};

const logs = readdirSync(REAL_FIXTURES, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name !== 'truth.json')
  .map((e) => join(e.parentPath, e.name).slice(REAL_FIXTURES.length + 1))
  .sort();

const every: Required<TokenEvent> = {
  fingerprint: 'codex-text:l1:120',
  legacyFingerprint: 'codex-text:old:120',
  keepLargest: true,
  at: 1_781_000_000_123,
  atSource: 'preceding',
  agent: 'codex',
  model: 'gpt-5.1-codex',
  format: 'codex-text',
  input: 1,
  cachedInput: 2,
  cacheCreation: 3,
  output: 4,
  reasoning: 5,
  total: 15,
  offset: 120,
  sessionId: 's-1',
  isError: false,
  runKey: 'codex:s-1',
  threadTotal: { input: 10, cached: 2, output: 4, reasoning: 5, total: 17, blendedOnly: true },
  runHeader: { version: '0.36.0', cwd: '/repo', model: 'gpt-5', at: 1_781_000_000_000 },
};
const bare: TokenEvent = {
  fingerprint: 'claude-msg:m1',
  keepLargest: false,
  at: 0,
  atSource: 'mtime',
  agent: 'claude',
  format: 'claude-transcript',
  total: 0,
  offset: 0,
};

/** A real agent log, parsed from its start as the ingest parses a new file. */
const parseFixture = (rel: string) =>
  parseFile({
    path: join(REAL_FIXTURES, rel),
    from: 0,
    encoding: 'plain',
    lineage: 'l1',
    zone: 'UTC',
    mtimeMs: 1_781_000_000_000,
  });

const emptyResult: ParseResult = {
  events: [],
  samples: [],
  skipped: [],
  bytesRead: 0,
  committed: 0,
  state: {},
  family: 'json',
};

describe('parse results across threads', () => {
  it('has real agent logs to carry', () => {
    expect(logs.length).toBeGreaterThan(20);
  });

  it.each(logs)('carries every event of %s unchanged', async (rel) => {
    const result = await parseFixture(rel);
    expect(posted(result)).toEqual(result);
  });

  it.each([
    ['every field set', [every]],
    ['no optional field', [bare]],
    [
      'both, an error among them, several sessions',
      [bare, every, { ...every, isError: true, sessionId: 's-2', runKey: undefined }, bare],
    ],
    ['no event', []],
  ] as [string, TokenEvent[]][])('carries events with %s', (_, events) => {
    const result: ParseResult = {
      events,
      samples: [{ provider: 'codex', windowMinutes: 300, usedPercent: 12.5, at: 1 }],
      skipped: [['bad-usage', 2]],
      bytesRead: 10,
      committed: 10,
      state: {},
      family: 'json',
    };
    expect(posted(result)).toEqual(result);
  });

  it('hands back a result parsed on this thread as it is', async () => {
    const result: ParseResult = {
      events: [bare],
      samples: [],
      skipped: [],
      bytesRead: 0,
      committed: 0,
      state: {},
      family: 'text',
    };
    expect(resultOf(result)).toBe(result);
  });

  /** The fields, in order, of an event unpacked on the writing thread. */
  const unpackedShape = Object.keys(posted({ ...emptyResult, events: [bare] }).events[0]!);

  it('parses every event of the real agent logs in the shape the writing thread unpacks', async () => {
    const shapes = new Map<string, number>();
    for (const rel of logs) {
      const { events } = await parseFixture(rel);
      for (const e of events) {
        const shape = Object.keys(e).join();
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
      }
    }
    // One hidden class for every event, whichever format and thread parsed it: the code that
    // reads them is compiled once, not deoptimized for each format's own literal.
    expect([...shapes.keys()]).toEqual([unpackedShape.join()]);
    expect(shapes.get(unpackedShape.join())).toBeGreaterThan(100);
  });

  it.each([
    ['every field set', every],
    ['no optional field', bare],
  ] as [string, TokenEvent][])('copies an event with %s into that shape', (_, event) => {
    const copy = uniformEvent(event);
    expect(copy).toEqual(event);
    expect(Object.keys(copy)).toEqual(unpackedShape);
  });
});
