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
  ...['0.29.0', '0.36.0', '0.50.0', '0.60.1', '0.72.0', '0.80.0', '0.128.0', '0.171.0'].map(
    (version): AgentVersion => ({ agent: 'codex', pkg: '@openai/codex', version }),
  ),
  { agent: 'claude', pkg: '@anthropic-ai/claude-code', version: '2.1.332' },
];

/** `codex-0.80.0`, `claude-2.1.332`: the cache folder and the fixture folder. */
export function versionKey(v: AgentVersion): string {
  return `${v.agent}-${v.version}`;
}

/** Versions selected by `--only` (comma-separated keys or bare versions); all when empty. */
export function selectVersions(only: readonly string[]): AgentVersion[] {
  if (only.length === 0) return [...AGENT_VERSIONS];
  const picked = AGENT_VERSIONS.filter(
    (v) => only.includes(versionKey(v)) || only.includes(v.version),
  );
  const unknown = only.filter(
    (o) => !AGENT_VERSIONS.some((v) => versionKey(v) === o || v.version === o),
  );
  if (unknown.length > 0) {
    throw new Error(
      `unknown version ${unknown.join(', ')}; known: ${AGENT_VERSIONS.map(versionKey).join(', ')}`,
    );
  }
  return picked;
}
