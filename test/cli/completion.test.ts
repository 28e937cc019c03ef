import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commandTree,
  completionScript,
  type CompletionCommand,
  type Shell,
} from '../../src/cli-completion.js';
import { SHELLS } from '../../src/commands/types.js';
import { buildProgram } from '../../src/program.js';
import { runRadar } from '../helpers/cli.js';

const tree = commandTree(buildProgram());

/** Every command name, option flag and choice below a command, as [what, word]. */
function everything(c: CompletionCommand): [string, string][] {
  return [
    ...c.options.flatMap((o) => [
      ['option', o.long] as [string, string],
      ...(o.short ? [['option', o.short] as [string, string]] : []),
      ...(o.choices ?? []).map((v) => [`${o.long} choice`, v] as [string, string]),
    ]),
    ...(c.argChoices ?? []).map((v) => ['argument choice', v] as [string, string]),
    ...c.commands.flatMap((s) => [['command', s.name] as [string, string], ...everything(s)]),
  ];
}

describe('commandTree', () => {
  it('reads commands, options, choices and positional choices from the program', () => {
    const report = tree.commands.find((c) => c.name === 'report')!;
    expect(report.commands.map((c) => c.name)).toEqual([
      'tokens',
      'queue',
      'funnel',
      'outcomes',
      'html',
    ]);
    expect(report.commands[0]!.options.find((o) => o.long === '--by')).toMatchObject({
      value: 'required',
      choices: [
        'bucket',
        'day',
        'week',
        'month',
        'agent',
        'account',
        'model',
        'file',
        'repo',
        'pr',
      ],
    });
    expect(tree.options.find((o) => o.long === '--json')).toMatchObject({ value: 'optional' });
    expect(tree.options.find((o) => o.long === '--ledger')).toMatchObject({
      short: '-l',
      value: 'required',
    });
    expect(tree.commands.find((c) => c.name === 'completion')?.argChoices).toEqual(SHELLS);
  });
});

describe.each(SHELLS)('radar completion %s', (shell: Shell) => {
  const script = completionScript(shell, tree);
  /** fish spells `--by` as `-l by` and `-n` as `-s n`; bash and zsh verbatim. */
  const spelled = (word: string) =>
    shell !== 'fish' || !word.startsWith('-')
      ? word
      : word.startsWith('--')
        ? `-l ${word.slice(2)}`
        : `-s ${word.slice(1)}`;

  it.each(everything(tree))(`names the %s %s`, (_what, word) => {
    const escaped = spelled(word).replace(/[.-]/g, '\\$&');
    expect(script).toMatch(new RegExp(`(^|[\\s"'|])${escaped}([\\s"'|)]|$)`));
  });

  it('is what the command prints', async () => {
    const result = await runRadar(['completion', shell]);
    expect(result).toMatchObject({ code: 0, stdout: script, stderr: '' });
  });
});

describe('completionScript', () => {
  const tiny = (name: string): CompletionCommand => ({
    name: 'radar',
    description: '',
    options: [],
    commands: [{ name, description: "it's \\ 'quoted'", options: [], commands: [] }],
  });

  it.each(['a b', 'x;rm', '$(id)', 'a"b'])('refuses the word %j rather than quote it', (word) => {
    expect(() => completionScript('bash', tiny(word))).toThrow(/cannot be completed safely/);
  });

  it('lets fish complete files only where a command takes arguments', () => {
    const script = completionScript('fish', tree);
    expect(script).toContain(`complete -c radar -f\n`);
    expect(script).toContain(`complete -c radar -n '__radar_at \\'ingest\\'' -F\n`);
    expect(script).not.toContain(`complete -c radar -n '__radar_at \\'budget\\'' -F\n`);
  });

  it('quotes descriptions for fish', () => {
    expect(completionScript('fish', tiny('go'))).toContain(`-d 'it\\'s \\\\ \\'quoted\\''`);
  });
});

/** The scripts in real shells: bash always (radar's own tests need it), zsh and fish where installed. */
describe('in a real shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-completion-'));
  const file = (shell: Shell) => {
    const path = join(dir, `radar.${shell}`);
    writeFileSync(path, completionScript(shell, tree));
    return path;
  };
  const installed = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

  it.each(['bash' as const, ...(['zsh', 'fish'] as const).filter((shell) => installed(shell))])(
    '%s -n parses the script',
    (shell) => {
      const result = spawnSync(shell, ['-n', file(shell)], { encoding: 'utf8' });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );

  it.each([
    { line: ['radar', 're'], offered: 'report reject resume' },
    { line: ['radar', 'report', ''], offered: 'tokens queue funnel outcomes html' },
    { line: ['radar', '-c', 'c.json', 'report', 'tokens', '--b'], offered: '--by' },
    { line: ['radar', 'report', 'outcomes', '--by', ''], offered: 'agent signal repo model' },
    { line: ['radar', 'queue', '--tier', 'z'], offered: 'zombie' },
    { line: ['radar', '--log-format', ''], offered: 'text json' },
    { line: ['radar', 'completion', 'f'], offered: 'fish' },
    { line: ['radar', 'scan', '--d'], offered: '--dispatch' },
  ])('bash offers $offered after $line', ({ line, offered }) => {
    const words = line.map((w) => `'${w}'`).join(' ');
    const result = spawnSync(
      'bash',
      [
        '-c',
        `source '${file('bash')}'; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _radar_complete; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect({ stdout: result.stdout, stderr: result.stderr }).toEqual({
      stdout: `${offered}\n`,
      stderr: '',
    });
  });
});
