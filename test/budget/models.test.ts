import { describe, expect, it } from 'vitest';
import {
  HOLD_LOOKBACK_MS,
  accountOf,
  holdSince,
  modelAllowed,
  modelHolds,
  offListRuns,
  type ModelConfig,
  type ModelRow,
} from '../../src/budget/models.js';

/** An agent allowlist for codex, none for claude; the claude backup account names its own. */
const CONFIG: ModelConfig = {
  agents: { codex: { models: ['gpt-5*'] }, claude: {} },
  budget: {
    providers: [
      { name: 'codex', agent: 'codex' },
      { name: 'claude-main', agent: 'claude' },
      { name: 'claude-backup', agent: 'claude', models: ['claude-opus-*'] },
    ],
  },
};

const row = (over: Partial<ModelRow>): ModelRow => ({
  agent: 'codex',
  account: null,
  model: 'gpt-5-codex',
  tokens: 1000,
  events: 2,
  ...over,
});

describe('model allowlist', () => {
  it.each<[string, string, string[], boolean]>([
    ['an exact name', 'gpt-5-codex', ['gpt-5-codex'], true],
    ['a glob', 'gpt-5.1-codex-max', ['gpt-5*'], true],
    ['case does not matter', 'GPT-5', ['gpt-5*'], true],
    ['another family', 'gpt-4o-mini', ['gpt-5*'], false],
    ['a prefix is not a match', 'gpt-5-codex', ['gpt-5'], false],
    ['a star spans a slash', 'openai/gpt-5', ['openai/*'], true],
    ['any of several', 'claude-sonnet-4-5', ['claude-opus-*', 'claude-sonnet-*'], true],
  ])('%s', (_name, model, patterns, allowed) => {
    expect(modelAllowed(model, patterns)).toBe(allowed);
  });

  it.each<[string, string, string | null, string]>([
    ['a recorded account', 'claude', 'claude-backup', 'claude-backup'],
    ['no account: the first of the agent', 'claude', null, 'claude-main'],
    ['no account entry at all: the agent', 'codex', null, 'codex'],
  ])('the account of a row: %s', (_name, agent, account, expected) => {
    const providers = CONFIG.budget.providers.filter((p) => p.name !== 'codex');
    expect(accountOf(providers, agent, account)).toBe(expected);
  });

  it.each<[string, ModelRow[], { agent: string; account: string; model: string; key: string }[]]>([
    ['an allowed model', [row({})], []],
    [
      'a model outside the agent allowlist',
      [row({ model: 'gpt-4o-mini' })],
      [{ agent: 'codex', account: 'codex', model: 'gpt-4o-mini', key: 'agents.codex.models' }],
    ],
    ['no model known: not flagged', [row({ model: null })], []],
    ['an agent with no allowlist', [row({ agent: 'claude', model: 'claude-haiku-4' })], []],
    [
      "an account's own allowlist replaces the agent's",
      [row({ agent: 'claude', account: 'claude-backup', model: 'claude-haiku-4' })],
      [
        {
          agent: 'claude',
          account: 'claude-backup',
          model: 'claude-haiku-4',
          key: 'budget.providers claude-backup models',
        },
      ],
    ],
    [
      'the backup allowlist does not reach the first account',
      [row({ agent: 'claude', account: null, model: 'claude-haiku-4' })],
      [],
    ],
    ['an agent radar does not run', [row({ agent: 'gemini', model: 'x' })], []],
    ['a row with no events', [row({ model: 'gpt-4o', events: 0 })], []],
  ])('%s', (_name, rows, expected) => {
    expect(
      offListRuns(rows, CONFIG).map((o) => ({
        agent: o.agent,
        account: o.account,
        model: o.model,
        key: o.allowlist.key,
      })),
    ).toEqual(expected);
  });

  it('rows of one model and account add up, the largest first', () => {
    const out = offListRuns(
      [
        row({ model: 'gpt-4o', tokens: 10, events: 1 }),
        row({ model: 'o3', tokens: 500, events: 3 }),
        row({ model: 'gpt-4o', tokens: 20, events: 1, account: 'codex' }),
      ],
      CONFIG,
    );
    expect(out.map((o) => [o.model, o.tokens, o.events])).toEqual([
      ['o3', 500, 3],
      ['gpt-4o', 30, 2],
    ]);
  });

  it.each<[string, ModelRow[], Record<string, string>]>([
    ['nothing off the list: no hold', [row({})], {}],
    [
      'an off-list run holds its agent, with the run and how to release it',
      [row({ model: 'gpt-4o-mini' })],
      {
        codex:
          'codex ran gpt-4o-mini, outside agents.codex.models (gpt-5*): held back until `radar resume --model codex`',
      },
    ],
    [
      "an account's run names its account",
      [row({ agent: 'claude', account: 'claude-backup', model: 'claude-haiku-4' })],
      {
        claude:
          'claude (claude-backup) ran claude-haiku-4, outside budget.providers claude-backup models (claude-opus-*): held back until `radar resume --model claude`',
      },
    ],
  ])('hold: %s', (_name, rows, expected) => {
    expect(Object.fromEntries(modelHolds(rows, CONFIG))).toEqual(expected);
  });

  it.each<[string, number | undefined, number]>([
    ['never resolved: the lookback', undefined, 10 * 86_400_000 - HOLD_LOOKBACK_MS],
    ['resolved within the lookback: from then', 9 * 86_400_000, 9 * 86_400_000],
    ['resolved long ago: the lookback', 86_400_000, 10 * 86_400_000 - HOLD_LOOKBACK_MS],
  ])('hold window: %s', (_name, resolved, since) => {
    expect(holdSince(resolved, 10 * 86_400_000)).toBe(since);
  });
});
