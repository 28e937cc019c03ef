/**
 * The agent CLI versions the committed fixtures under test/fixtures/real/ come from. Each Codex
 * line names the minor that was asked for and the published version installed for it (the
 * nearest one; `npm view @openai/codex versions`).
 */
export interface AgentVersion {
  /** `codex` or `claude`: the fixture folder is `<agent>-<version>`. */
  agent: 'codex' | 'claude';
  /** npm package. */
  pkg: string;
  /** Exact published version. */
  version: string;
}

export const AGENT_VERSIONS: readonly AgentVersion[] = [
  ...[
    '0.29.0',
    '0.36.0',
    '0.50.0',
    '0.60.1',
    '0.72.0',
    '0.77.0',
    '0.79.0',
    '0.80.0',
    '0.128.0',
    '0.171.0',
  ].map((version): AgentVersion => ({ agent: 'codex', pkg: '@openai/codex', version })),
  { agent: 'claude', pkg: '@anthropic-ai/claude-code', version: '2.1.332' },
];

/** `codex-0.80.0`, `claude-2.1.332`: the cache folder and the fixture folder. */
export function versionKey(v: AgentVersion): string {
  return `${v.agent}-${v.version}`;
}

const PACKAGES = { codex: '@openai/codex', claude: '@anthropic-ai/claude-code' } as const;

/**
 * Versions selected by `--only` (comma-separated): a listed key (`codex-0.80.0`) or bare
 * version (`0.80.0`), or any published version as `<agent>-<version>` (`codex-0.77.0`) to try
 * one that is not in the list. All listed versions when empty.
 */
export function selectVersions(only: readonly string[]): AgentVersion[] {
  if (only.length === 0) return [...AGENT_VERSIONS];
  return only.map((o) => {
    const listed = AGENT_VERSIONS.find((v) => versionKey(v) === o || v.version === o);
    if (listed) return listed;
    const m = /^(codex|claude)-(\d+\.\d+\.\d+)$/.exec(o);
    if (!m) {
      throw new Error(
        `unknown version ${o}: give <agent>-<version> (codex-0.77.0) or one of ${AGENT_VERSIONS.map(versionKey).join(', ')}`,
      );
    }
    const agent = m[1] as AgentVersion['agent'];
    return { agent, pkg: PACKAGES[agent], version: m[2]! };
  });
}
