import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, normalizeJsonArgv, type Invocation } from '../../src/program.js';

/** Parses argv as radar would, without running anything: what the command would be called with. */
async function invocation(argv: readonly string[]): Promise<Invocation[]> {
  const calls: Invocation[] = [];
  const program = buildProgram((call) => calls.push(call));
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync(normalizeJsonArgv(['node', 'radar', ...argv], program));
  return calls;
}

/** Every command sees the global defaults: colour on unless --no-color, logs as text. */
const on = { color: true, logFormat: 'text' } as const;

/** One row per way of calling a command; the expected invocation is typed per command. */
const rows: { argv: string[]; expected: Invocation }[] = [
  { argv: ['demo'], expected: { command: 'demo', options: on, args: [] } },
  {
    argv: ['demo', '--keep', '--json'],
    expected: { command: 'demo', options: { ...on, keep: true, json: true }, args: [] },
  },
  { argv: ['init'], expected: { command: 'init', options: on, args: [undefined] } },
  {
    argv: ['init', '/tmp/r.json', '-f'],
    expected: { command: 'init', options: { ...on, force: true }, args: ['/tmp/r.json'] },
  },
  {
    argv: ['doctor', '--offline', '--no-color'],
    expected: { command: 'doctor', options: { ...on, color: false, offline: true }, args: [] },
  },
  { argv: ['ingest'], expected: { command: 'ingest', options: on, args: [[]] } },
  {
    argv: ['ingest', 'a.log', 'logs/', '-b', 'quota-probe'],
    expected: {
      command: 'ingest',
      options: { ...on, bucket: 'quota-probe' },
      args: [['a.log', 'logs/']],
    },
  },
  {
    argv: ['report', 'tokens'],
    expected: { command: 'report tokens', options: { ...on, by: 'bucket' }, args: [] },
  },
  {
    argv: [
      '-c',
      'c.json',
      '--ledger',
      'l.db',
      'report',
      'tokens',
      '--by',
      'week',
      '--since',
      '2026-06-01',
      '--until',
      '2026-06-30',
      '--tz',
      'Europe/Berlin',
      '--csv',
    ],
    expected: {
      command: 'report tokens',
      options: {
        ...on,
        config: 'c.json',
        ledger: 'l.db',
        by: 'week',
        since: '2026-06-01',
        until: '2026-06-30',
        tz: 'Europe/Berlin',
        csv: true,
      },
      args: [],
    },
  },
  {
    argv: ['--json', 'scan', '--dispatch'],
    expected: { command: 'scan', options: { ...on, json: '', dispatch: true }, args: [] },
  },
  {
    argv: ['queue', '--json', 'repo,number,tier', '--wide'],
    expected: {
      command: 'queue',
      options: { ...on, json: 'repo,number,tier', state: 'open', wide: true },
      args: [],
    },
  },
  {
    argv: ['explain', '--json', 'acme/app#42'],
    expected: { command: 'explain', options: { ...on, json: '' }, args: ['acme/app#42'] },
  },
  {
    argv: ['report', 'queue', '--json'],
    expected: { command: 'report queue', options: { ...on, json: true }, args: [] },
  },
  {
    argv: ['report', 'funnel', '--since', '2026-06-01'],
    expected: { command: 'report funnel', options: { ...on, since: '2026-06-01' }, args: [] },
  },
  {
    argv: ['budget', '-v', '--log-level', 'debug'],
    expected: {
      command: 'budget',
      options: { ...on, verbose: true, logLevel: 'debug' },
      args: [],
    },
  },
  { argv: ['scan'], expected: { command: 'scan', options: on, args: [] } },
  {
    argv: ['scan', '--fail-on-flag', '--dispatch', '--max', '2'],
    expected: {
      command: 'scan',
      options: { ...on, failOnFlag: true, dispatch: true, max: '2' },
      args: [],
    },
  },
  {
    argv: ['escalate', 'acme/app#205', '--agent', 'claude', '--dry-run', '-y', '--force'],
    expected: {
      command: 'escalate',
      options: { ...on, agent: 'claude', dryRun: true, yes: true, force: true },
      args: ['acme/app#205'],
    },
  },
  {
    argv: ['report', 'outcomes', '--by', 'signal', '--since', '30d', '--json'],
    expected: {
      command: 'report outcomes',
      options: { ...on, by: 'signal', since: '30d', json: true },
      args: [],
    },
  },
  {
    argv: ['report', 'html', '--out', 'page.html', '--since', '7d'],
    expected: {
      command: 'report html',
      options: { ...on, out: 'page.html', since: '7d' },
      args: [],
    },
  },
  {
    argv: ['report', 'html', '--open'],
    expected: { command: 'report html', options: { ...on, open: true }, args: [] },
  },
  {
    argv: ['escalations', '-n', '5', '--json'],
    expected: { command: 'escalations', options: { ...on, limit: 5, json: true }, args: [] },
  },
  {
    argv: ['approvals', '--all'],
    expected: { command: 'approvals', options: { ...on, all: true }, args: [] },
  },
  { argv: ['approve', '3'], expected: { command: 'approve', options: on, args: ['3'] } },
  { argv: ['reject', '4'], expected: { command: 'reject', options: on, args: ['4'] } },
  {
    argv: ['queue'],
    expected: { command: 'queue', options: { ...on, state: 'open' }, args: [] },
  },
  {
    argv: ['queue', '--repo', 'acme/app', '--author', 'octo', '--state', 'all'],
    expected: {
      command: 'queue',
      options: { ...on, repo: 'acme/app', author: 'octo', state: 'all' },
      args: [],
    },
  },
  {
    argv: ['--log-format', 'json', 'queue', '--tier', 'escalate', '-n', '5'],
    expected: {
      command: 'queue',
      options: { ...on, logFormat: 'json', state: 'open', tier: 'escalate', limit: 5 },
      args: [],
    },
  },
  {
    argv: ['explain', 'https://github.com/acme/app/pull/42'],
    expected: { command: 'explain', options: on, args: ['https://github.com/acme/app/pull/42'] },
  },
  {
    argv: ['stop', 'acme/app#42', '--reason', 'scaffolding only'],
    expected: {
      command: 'stop',
      options: { ...on, reason: 'scaffolding only' },
      args: ['acme/app#42'],
    },
  },
  {
    argv: ['resume', '--permissions', 'acme/app'],
    expected: {
      command: 'resume',
      options: { ...on, permissions: 'acme/app' },
      args: [undefined],
    },
  },
  {
    argv: ['resume', '--model', 'codex', '--reason', 'checked'],
    expected: {
      command: 'resume',
      options: { ...on, model: 'codex', reason: 'checked' },
      args: [undefined],
    },
  },
  {
    argv: ['resume', '#42', '--reason', 'worth another try'],
    expected: {
      command: 'resume',
      options: { ...on, reason: 'worth another try' },
      args: ['#42'],
    },
  },
  {
    argv: ['completion', 'zsh'],
    expected: { command: 'completion', options: on, args: ['zsh'] },
  },
  {
    argv: ['--ledger', 'old.db', 'ledger', 'copy', '--to', 'postgres://radar@db/radar'],
    expected: {
      command: 'ledger copy',
      options: { ...on, ledger: 'old.db', to: 'postgres://radar@db/radar' },
      args: [],
    },
  },
];

/** Every leaf command of the program with its path ("report tokens") and its own options. */
function leaves(command: Command, path: string[] = []): { name: string; options: string[] }[] {
  return command.commands.flatMap((c) =>
    c.commands.length > 0
      ? leaves(c, [...path, c.name()])
      : [{ name: [...path, c.name()].join(' '), options: c.options.map((o) => o.attributeName()) }],
  );
}

describe('argv → the options each command receives', () => {
  it.each(rows)('radar $argv', async ({ argv, expected }) => {
    expect(await invocation(argv)).toEqual([expected]);
  });

  it('has a row for every command, and every option of the program appears in a row', () => {
    const program = buildProgram();
    const seen = new Map<string, Set<string>>();
    for (const { expected } of rows)
      for (const key of Object.keys(expected.options))
        seen.set(expected.command, (seen.get(expected.command) ?? new Set()).add(key));
    const missing = (names: string[], command: string) =>
      names.filter((n) => !seen.get(command)?.has(n)).map((n) => `${command} ${n}`);
    const uncovered = leaves(program).flatMap(({ name, options }) =>
      seen.has(name) ? missing(options, name) : [`${name} (no row)`],
    );
    const globals = program.options
      .map((o) => o.attributeName())
      .filter((n) => n !== 'version')
      .filter((n) => !rows.some(({ expected }) => n in expected.options));
    expect([...uncovered, ...globals]).toEqual([]);
  });

  it.each([
    { argv: ['report', 'tokens', '--by', 'hour'], code: 'commander.invalidArgument' },
    { argv: ['queue', '--state', 'draft'], code: 'commander.invalidArgument' },
    { argv: ['escalate', '#1', '--agent', 'gpt'], code: 'commander.invalidArgument' },
    { argv: ['approve'], code: 'commander.missingArgument' },
    { argv: ['scan', '--max'], code: 'commander.optionMissingArgument' },
    { argv: ['scan', '--fast'], code: 'commander.unknownOption' },
    { argv: ['queue', '-n', '0'], code: 'commander.invalidArgument' },
    { argv: ['queue', '--tier', 'urgent'], code: 'commander.invalidArgument' },
    { argv: ['--log-format', 'xml', 'queue'], code: 'commander.invalidArgument' },
    { argv: ['--log-level', 'loud', 'budget'], code: 'commander.invalidArgument' },
    { argv: ['completion', 'tcsh'], code: 'commander.invalidArgument' },
    { argv: ['ledger', 'copy'], code: 'commander.missingMandatoryOptionValue' },
  ])('radar $argv is refused before any command runs ($code)', async ({ argv, code }) => {
    const calls: Invocation[] = [];
    const program = buildProgram((call) => calls.push(call));
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    await expect(program.parseAsync(['node', 'radar', ...argv])).rejects.toMatchObject({ code });
    expect(calls).toEqual([]);
  });
});

describe('--help', () => {
  /** Every leaf command with the text its --help prints after the options. */
  function helps(command: Command, path: string[] = []): [string, string][] {
    return command.commands.flatMap((c) => {
      const name = [...path, c.name()];
      if (c.commands.length > 0) return helps(c, name);
      let text = '';
      c.configureOutput({ writeOut: (s) => (text += s), writeErr: () => {} });
      c.outputHelp();
      return [[name.join(' '), text] as [string, string]];
    });
  }

  it.each(helps(buildProgram()))('radar %s --help shows an example', (_name, text) => {
    expect(text).toMatch(/\nExamples?:\n {2}[^\n]*\bradar \S/);
  });
});
