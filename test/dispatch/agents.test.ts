import { describe, expect, it } from 'vitest';
import { agentArgv, agentChain, agentEnv, usableAgents } from '../../src/dispatch/agents.js';
import type { AgentName } from '../../src/core/agents.js';
import { config } from './helpers.js';

describe('agent chain', () => {
  it.each<[string, Parameters<typeof agentChain>, AgentName[]]>([
    ['route first, then fallback', ['claude', ['codex', 'claude']], ['claude', 'codex']],
    ['codex route', ['codex', ['codex', 'claude']], ['codex', 'claude']],
    ['template route: fallback only', ['template', ['codex', 'claude']], ['codex', 'claude']],
    ['--agent wins over the route', ['codex', ['codex', 'claude'], 'claude'], ['claude', 'codex']],
    ['no fallback', ['claude', []], ['claude']],
  ])('%s', (_name, args, expected) => {
    expect(agentChain(...args)).toEqual(expected);
  });

  it.each<
    [
      string,
      AgentName[],
      Record<AgentName, boolean>,
      Record<AgentName, 'ok' | 'exhausted'>,
      AgentName[],
      string[],
    ]
  >([
    [
      'both fine',
      ['codex', 'claude'],
      { codex: true, claude: true },
      { codex: 'ok', claude: 'ok' },
      ['codex', 'claude'],
      [],
    ],
    [
      'codex missing',
      ['codex', 'claude'],
      { codex: false, claude: true },
      { codex: 'ok', claude: 'ok' },
      ['claude'],
      ['codex:not-installed'],
    ],
    [
      'codex over budget',
      ['codex', 'claude'],
      { codex: true, claude: true },
      { codex: 'exhausted', claude: 'ok' },
      ['claude'],
      ['codex:budget'],
    ],
    [
      'nothing left',
      ['codex', 'claude'],
      { codex: true, claude: false },
      { codex: 'exhausted', claude: 'ok' },
      [],
      ['codex:budget', 'claude:not-installed'],
    ],
  ])('usable agents: %s', (_name, chain, installed, budget, candidates, skipped) => {
    const choice = usableAgents(chain, {
      installed: (a) => installed[a],
      budget: (a) => budget[a],
    });
    expect(choice.candidates).toEqual(candidates);
    expect(choice.skipped.map((s) => `${s.agent}:${s.why}`)).toEqual(skipped);
  });
});

describe('agent command line and environment', () => {
  it('follows the tools non-interactive modes, prompt on stdin', () => {
    const c = config();
    expect(agentArgv(c.agents.codex, { workdir: '/w', maxTurns: 12 }).join(' ')).toBe(
      'exec --json --sandbox workspace-write --skip-git-repo-check -C /w -',
    );
    expect(agentArgv(c.agents.claude, { workdir: '/w', maxTurns: 12 }).join(' ')).toBe(
      '-p --output-format json --max-turns 12 --permission-mode acceptEdits',
    );
  });

  it.each<[string, 'codex' | 'claude', string]>([
    [
      'codex: after the exec subcommand',
      'codex',
      'exec --model gpt-5-codex --json --sandbox workspace-write --skip-git-repo-check -C /w -',
    ],
    [
      'claude: first',
      'claude',
      '--model gpt-5-codex -p --output-format json --max-turns 12 --permission-mode acceptEdits',
    ],
  ])('a pinned model goes on the command line (%s)', (_name, agent, argv) => {
    const c = config({ agents: { [agent]: { model: 'gpt-5-codex' } } });
    expect(agentArgv(c.agents[agent], { workdir: '/w', maxTurns: 12 }).join(' ')).toBe(argv);
  });

  it('drops GitHub tokens and configured secrets unless passGithubToken', () => {
    const base = { PATH: '/bin', GITHUB_TOKEN: 'a', GH_TOKEN: 'b', MY_SECRET: 'c', HOME: '/h' };
    const secrets = ['GITHUB_TOKEN', 'GH_TOKEN', 'MY_SECRET'];
    expect(agentEnv(base, { passGithubToken: false, env: { X: '1' } }, secrets)).toEqual({
      PATH: '/bin',
      HOME: '/h',
      X: '1',
    });
    expect(agentEnv(base, { passGithubToken: true, env: {} }, secrets)).toEqual({
      PATH: '/bin',
      HOME: '/h',
      GITHUB_TOKEN: 'a',
      GH_TOKEN: 'b',
    });
  });
});
