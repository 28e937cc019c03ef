/** The agent CLIs radar runs and counts, and their non-interactive command lines by default. */

export type AgentName = 'codex' | 'claude';

export const AGENT_NAMES: readonly AgentName[] = ['codex', 'claude'];

export const isAgentName = (v: string): v is AgentName =>
  (AGENT_NAMES as readonly string[]).includes(v);

/** The tools' non-interactive modes: prompt on stdin, machine-readable output with token usage. */
export const DEFAULT_AGENT_ARGS: Readonly<Record<AgentName, readonly string[]>> = {
  codex: [
    'exec',
    '--json',
    '--sandbox',
    'workspace-write',
    '--skip-git-repo-check',
    '-C',
    '{workdir}',
    '-',
  ],
  claude: [
    '-p',
    '--output-format',
    'json',
    '--max-turns',
    '{maxTurns}',
    '--permission-mode',
    'acceptEdits',
  ],
};
