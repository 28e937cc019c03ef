import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EXTRACT,
  extractOperations,
  OPERATIONS,
  type OpenApiDoc,
} from '../../scripts/openapi-extract.js';

const ok = (ref: string) => ({
  description: 'ok',
  content: { 'application/json': { schema: { $ref: ref } } },
});

/** A small description: a chain of references, one shared, one unused. */
const DOC: OpenApiDoc = {
  openapi: '3.0.3',
  info: { version: '1' },
  paths: {
    '/user': {
      get: {
        operationId: 'users/get',
        responses: { 200: ok('#/components/schemas/user'), 304: {} },
      },
    },
    '/other': {
      get: { operationId: 'other/get', responses: { 200: ok('#/components/schemas/unused') } },
    },
  },
  components: {
    schemas: {
      user: { type: 'object', properties: { plan: { $ref: '#/components/schemas/plan' } } },
      plan: { type: 'object', properties: { owner: { $ref: '#/components/schemas/user' } } },
      unused: { type: 'string' },
    },
    examples: { big: { value: 'x' } },
  },
};

describe('extractOperations', () => {
  it('keeps the operations asked for, their 200 answer and what they refer to, transitively', () => {
    expect(extractOperations(DOC, ['users/get'])).toEqual({
      openapi: '3.0.3',
      info: { version: '1' },
      paths: {
        '/user': {
          get: { operationId: 'users/get', responses: { 200: ok('#/components/schemas/user') } },
        },
      },
      components: {
        schemas: { plan: DOC.components.schemas!.plan, user: DOC.components.schemas!.user },
      },
    });
  });

  it.each([
    [['users/missing'], /not in the description: users\/missing/],
    [['users/get', 'nope'], /not in the description: nope/],
  ])('refuses %o', (ids, message) => {
    expect(() => extractOperations(DOC, ids)).toThrow(message);
  });

  it('refuses a reference to nothing', () => {
    const broken = { ...DOC, components: { schemas: { user: DOC.components.schemas!.user } } };
    expect(() => extractOperations(broken, ['users/get'])).toThrow(
      /dangling reference #\/components\/schemas\/plan/,
    );
  });

  it('the committed extract is whole: extracting from it again gives it back', () => {
    const { provenance, ...committed } = JSON.parse(
      readFileSync(new URL(`../../${EXTRACT}`, import.meta.url), 'utf8'),
    ) as OpenApiDoc & {
      provenance: { operations: string[]; sha256: string };
    };
    expect(provenance.operations).toEqual([...OPERATIONS]);
    expect(provenance.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(extractOperations(committed, OPERATIONS)).toEqual(committed);
  });
});
