/**
 * Puts the fake agents on a PATH: thin executables named `codex` and `claude` in a folder, each
 * running the compiled fake-agent.js with this Node.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fake agent beside this module (tsc's output, or the bundle, which ships it as an entry of
 * its own); run from the TypeScript sources (the tests), the compiled one.
 */
export const FAKE_AGENT_SCRIPT = ((beside: string) =>
  existsSync(beside) || !import.meta.url.endsWith('.ts')
    ? beside
    : fileURLToPath(new URL('../../../dist/src/demo/agents/fake-agent.js', import.meta.url)))(
  fileURLToPath(new URL('./fake-agent.js', import.meta.url)),
);

/** Writes `codex` and `claude` into `binDir`; returns binDir. */
export function installFakeAgents(binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  for (const tool of ['codex', 'claude']) {
    const path = join(binDir, tool);
    writeFileSync(
      path,
      `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(FAKE_AGENT_SCRIPT)} ${tool} "$@"\n`,
    );
    chmodSync(path, 0o755);
  }
  return binDir;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
