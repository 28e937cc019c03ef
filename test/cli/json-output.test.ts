import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  JSON_DOCUMENTS,
  jsonFieldsMarkdown,
  roundCosts,
  selectFields,
} from '../../src/commands/json-output.js';
import { parseJsonFields } from '../../src/render/json-fields.js';
import { RadarError } from '../../src/core/errors.js';

describe('--json field lists', () => {
  it.each<{ value: string | boolean | undefined; expected: string[] | undefined }>([
    { value: undefined, expected: undefined },
    { value: true, expected: undefined },
    { value: '', expected: undefined },
    { value: 'repo', expected: ['repo'] },
    { value: 'repo,number, tier', expected: ['repo', 'number', 'tier'] },
  ])('parses $value', ({ value, expected }) => {
    expect(parseJsonFields(value)).toEqual(expected);
  });

  it.each(['repo,', 'a-b', ',x'])('refuses %s', (value) => {
    expect(() => parseJsonFields(value)).toThrow(/not a list of fields/);
  });
});

describe('selectFields', () => {
  const rows = [
    { repo: 'a/b', number: 1, tier: 'watch', title: 't' },
    { repo: 'a/c', number: 2, tier: 'escalate', title: 'u' },
  ];
  it.each<{ command: string; doc: unknown; fields: string[] | undefined; expected: unknown }>([
    { command: 'queue', doc: rows, fields: undefined, expected: rows },
    {
      command: 'queue',
      doc: rows,
      fields: ['tier', 'repo'],
      expected: [
        { tier: 'watch', repo: 'a/b' },
        { tier: 'escalate', repo: 'a/c' },
      ],
    },
    {
      command: 'budget',
      doc: { now: 'x', providers: [] },
      fields: ['providers'],
      expected: { providers: [] },
    },
    { command: 'scan', doc: { prsSeen: 3 }, fields: ['dispatch'], expected: { dispatch: null } },
  ])('$command --json $fields', ({ command, doc, fields, expected }) => {
    expect(selectFields(command, doc, fields)).toEqual(expected);
  });

  it('names the unknown field and lists those available', () => {
    let error: unknown;
    try {
      selectFields('queue', rows, ['repo', 'titel']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RadarError);
    expect((error as RadarError).message).toBe('unknown JSON field for radar queue: titel');
    expect((error as RadarError).details[0]).toMatch(/^available: repo, number, title, /);
  });

  it('refuses a field list for a command without one', () => {
    expect(() => selectFields('init', { written: 'x' }, ['written'])).toThrow(
      /takes no field list/,
    );
  });
});

describe('roundCosts', () => {
  it.each<{ doc: unknown; expected: unknown }>([
    { doc: { costUsd: 1.23456 }, expected: { costUsd: 1.23 } },
    {
      doc: { total: { costUsd: 0.005, tokens: 1.5 } },
      expected: { total: { costUsd: 0.01, tokens: 1.5 } },
    },
    { doc: [{ costUsd: 12.999 }], expected: [{ costUsd: 13 }] },
    { doc: { costUsd: null, note: 'x' }, expected: { costUsd: null, note: 'x' } },
  ])('$doc', ({ doc, expected }) => {
    expect(roundCosts(doc)).toEqual(expected);
  });
});

describe('README', () => {
  it('lists every command field list as the code has it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- json-fields:start[^>]*-->\n([\s\S]*?)\n<!-- json-fields:end -->/.exec(
      readme,
    );
    // Regenerate with `npm run readme:json`.
    expect(block?.[1]?.trim()).toBe(jsonFieldsMarkdown());
  });

  it('documents every command that has a field list', () => {
    expect(Object.keys(JSON_DOCUMENTS)).toEqual(
      expect.arrayContaining(['scan', 'queue', 'report tokens', 'explain', 'budget']),
    );
  });
});
