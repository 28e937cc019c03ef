import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { AccountFolder } from '../core/dispatch.js';
import type { ProviderConfig, RadarConfig } from './schema.js';

/** `~/x` → absolute, relative to home; other relative paths to cwd. */
export function expandHome(path: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const home = env.HOME ?? homedir();
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return resolve(cwd, path);
}

export interface LogFolder {
  path: string;
  /** Where the path came from, for messages. */
  origin: string;
}

/** The agent home an account names in its env (Codex: CODEX_HOME; Claude Code: CLAUDE_CONFIG_DIR). */
function accountHome(p: Pick<ProviderConfig, 'agent' | 'env'>): string | undefined {
  return p.agent === 'codex' ? p.env?.CODEX_HOME : p.env?.CLAUDE_CONFIG_DIR;
}

/**
 * Each account's own agent home, as the ingest records paths (real paths, links resolved when
 * the folder exists): events read from under it are that account's.
 */
export function accountFolders(
  providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'env'>[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): AccountFolder[] {
  const folders: AccountFolder[] = [];
  for (const p of providers) {
    const home = accountHome(p);
    if (!home) continue;
    let dir = expandHome(home, env, cwd);
    try {
      dir = realpathSync(dir);
    } catch {
      // Not there yet: no events can have been read from it under another name.
    }
    folders.push({ agent: p.agent, account: p.name, prefix: dir.endsWith(sep) ? dir : dir + sep });
  }
  return folders;
}

/**
 * Where agent logs live when `radar ingest` gets no path: config `tokens.paths`, else Codex's
 * sessions and archived_sessions under $CODEX_HOME (~/.codex) and Claude Code's projects under
 * $CLAUDE_CONFIG_DIR (~/.claude), and those of every account's own home (budget.providers env).
 */
export function defaultLogFolders(
  config: RadarConfig,
  env: NodeJS.ProcessEnv,
  cwd: string,
): LogFolder[] {
  if (config.tokens.paths && config.tokens.paths.length > 0) {
    return config.tokens.paths.map((p) => ({
      path: expandHome(p, env, cwd),
      origin: 'config tokens.paths',
    }));
  }
  const codexHome = expandHome(env.CODEX_HOME || '~/.codex', env, cwd);
  const claudeHome = expandHome(env.CLAUDE_CONFIG_DIR || '~/.claude', env, cwd);
  const folders: LogFolder[] = [
    {
      path: join(codexHome, 'sessions'),
      origin: env.CODEX_HOME ? '$CODEX_HOME/sessions' : '~/.codex/sessions',
    },
    {
      path: join(codexHome, 'archived_sessions'),
      origin: env.CODEX_HOME ? '$CODEX_HOME/archived_sessions' : '~/.codex/archived_sessions',
    },
    {
      path: join(claudeHome, 'projects'),
      origin: env.CLAUDE_CONFIG_DIR ? '$CLAUDE_CONFIG_DIR/projects' : '~/.claude/projects',
    },
  ];
  // Every account's own agent home (budget.providers env), each folder once.
  for (const p of config.budget.providers) {
    const home = accountHome(p);
    if (!home) continue;
    const dir = expandHome(home, env, cwd);
    const subs = p.agent === 'codex' ? ['sessions', 'archived_sessions'] : ['projects'];
    for (const sub of subs) {
      const path = join(dir, sub);
      if (!folders.some((f) => f.path === path))
        folders.push({ path, origin: `budget.providers ${p.name}: ${home}/${sub}` });
    }
  }
  return folders;
}
