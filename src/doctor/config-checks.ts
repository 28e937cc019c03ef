import type { RadarConfig } from '../config/schema.js';
import type { CheckResult } from './checks.js';

/** The PATH cron gives a job (Vixie cron and cronie alike), and what launchd's is close to. */
export const CRON_PATH = '/usr/bin:/bin';

/** What the checks need to know about the machine, asked through functions so tests pass tables. */
export interface MachineProbe {
  /** An executable's full path on the given PATH, or undefined. */
  which(command: string, path: string): string | undefined;
  /** What a configured clone path holds. */
  clone(path: string): 'git' | 'missing' | 'not-git';
  /** `~/x` and relative paths made absolute, as dispatch does. */
  expand(path: string): string;
  /** PATH of the shell radar runs in now. */
  path: string;
  /** The node executable running radar (its bin starts with `#!/usr/bin/env node`). */
  node: string;
}

/**
 * Configurations that validate but cannot work, each with its fix. Pure: decisions over the
 * config and the probe's answers.
 *
 * - Nothing to watch (`watch.authors` and `watch.repos` both empty): a scan reads nothing (warn:
 *   radar used for token reports alone needs no watch list).
 * - With dispatch on (`dispatch.maxPerScan` > 0): a watched repository without `repos[r].clone`
 *   gives agents no checkout to fix (warn); a clone that is missing or not a git folder fails.
 * - Each agent CLI: missing from PATH (warn), or found on this shell's PATH but not on cron's
 *   minimal one, so `radar scan --dispatch` from cron would find no agent (warn, with the full
 *   path to put in `agents.<name>.command`).
 * - node itself missing from cron's PATH: `radar` from cron fails before it starts (warn).
 */
export function configChecks(config: RadarConfig, probe: MachineProbe): CheckResult[] {
  const results: CheckResult[] = [];
  const { authors, repos } = config.watch;
  results.push(
    authors.length === 0 && repos.length === 0
      ? {
          name: 'watch',
          status: 'warn',
          detail:
            'nothing to watch: watch.authors and watch.repos are both empty, so radar scan reads no PR (fine for token reports only); add your GitHub login, e.g. "watch": { "authors": ["your-login"] }',
        }
      : {
          name: 'watch',
          status: 'ok',
          detail: [
            plural(authors.length, 'author'),
            plural(repos.length, 'repository', 'repositories'),
          ].join(', '),
        },
  );

  if (config.dispatch.maxPerScan > 0) {
    for (const repo of repos) {
      if (config.repos[repo]?.clone) continue;
      results.push({
        name: `clone ${repo}`,
        status: 'warn',
        detail: `no clone configured: agents get no checkout of ${repo} to fix; set "repos": { "${repo}": { "clone": "~/src/${repo.split('/')[1]}" } }`,
      });
    }
    for (const [repo, settings] of Object.entries(config.repos)) {
      if (!settings.clone) continue;
      const path = probe.expand(settings.clone);
      const found = probe.clone(path);
      results.push(
        found === 'git'
          ? { name: `clone ${repo}`, status: 'ok', detail: path }
          : {
              name: `clone ${repo}`,
              status: 'fail',
              detail:
                found === 'missing'
                  ? `repos["${repo}"].clone ${path} does not exist: clone it there (git clone … ${path}) or fix the path`
                  : `repos["${repo}"].clone ${path} is not a git repository: point it at a clone of ${repo}`,
            },
      );
    }
  }

  for (const [agent, settings] of Object.entries(config.agents)) {
    const here = probe.which(settings.command, probe.path);
    if (!here) {
      results.push({
        name: `agent ${agent}`,
        status: 'warn',
        detail: `"${settings.command}" not found on PATH: install it, or set agents.${agent}.command to its full path`,
      });
      continue;
    }
    if (!probe.which(settings.command, CRON_PATH)) {
      results.push({
        name: `agent ${agent} (cron)`,
        status: 'warn',
        detail: `${here} is not on cron's PATH (${CRON_PATH}): set agents.${agent}.command to "${here}", or PATH in your crontab`,
        data: { path: here, cronPath: CRON_PATH },
      });
    }
  }

  if (probe.which('node', CRON_PATH) === undefined) {
    results.push({
      name: 'node (cron)',
      status: 'warn',
      detail: `node is not on cron's PATH (${CRON_PATH}): in a crontab, run "${probe.node}" followed by radar's full path, or set PATH= at the top`,
      data: { node: probe.node, cronPath: CRON_PATH },
    });
  }
  return results;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
