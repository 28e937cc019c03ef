import { describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../helpers/cli.js';

describe('radar demo (the Quick start)', () => {
  it('runs the whole loop offline: ingest, report, budget, scans that dispatch, escalations, approvals, pushes, outcomes, funnel, tokens by PR', async () => {
    const t = tempTree();
    try {
      // No token, no GitHub URL, no HOME config, no agents: the demo brings its own.
      const r = await runCli(['demo'], { cwd: t.dir, env: { PATH: process.env.PATH } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = r.stdout;
      // The ledger half: a corpus of real-format logs.
      expect(out).toMatch(/63 new events, 4,840,346 new tokens/);
      expect(out).toMatch(
        /4,840,346 tokens across 63 marked events; largest bucket: daily-macro-doctor/,
      );
      // The loop: 34 PRs, tiers, sessions within the cap and the budget.
      expect(out).toMatch(/scanned 34 PRs in [\d.]+ s: 3 requests, 6 points/);
      expect(out).toMatch(/tiers: \d+ escalate, \d+ watch, 4 zombie/);
      expect(out).toMatch(/: codex succeeded, tokens [\d,]+, escalation 1\n/);
      // Each scan says which pace policy applied to each agent, and why.
      expect(out).toMatch(
        /^pace: codex (burn|steady|slow|hold): .+; (up to \d+ sessions?|no session) this scan/m,
      );
      expect(out).toMatch(/: codex failed \(exit 1: error: the model gave up\), tokens [\d,]+/);
      expect(out).toMatch(
        /: claude timed_out \(stopped: no output within the idle time limit; no usage reported[^)]*\), tokens unknown/,
      );
      expect(out).toMatch(
        /not dispatched \(budget\): a session of (codex|claude) reserves 40000 tokens; \d+ left this week/,
      );
      expect(out).toMatch(/ci passing→failing/);
      // Each PR dispatched at most once over three scans.
      const sessions = [...out.matchAll(/^(\S+#\d+): (?:codex|claude) \w+.*escalation (\d+)$/gm)];
      expect(sessions.length).toBeGreaterThanOrEqual(6);
      expect(new Set(sessions.map((m) => m[1])).size).toBe(sessions.length);
      // Tokens by PR are what the agents printed, and their session files add nothing.
      const printed = sessions
        .map((m) => /tokens ([\d,]+)/.exec(m[0])?.[1])
        .filter((n): n is string => n !== undefined)
        .reduce((sum, n) => sum + Number(n.replace(/,/g, '')), 0);
      const report = /([\d,]+) tokens across \d+ marked events; largest pr:/.exec(out);
      expect(Number(report![1]!.replace(/,/g, ''))).toBe(printed);
      expect(out).toMatch(/\d+ new events, 0 new tokens/);
      // The human gate, the funnel and the budget.
      expect(out).toMatch(/approval 1: done: commented on \S+#\d+/);
      expect(out).toMatch(/acted on\s+\d+/);
      // The loop reaches the PR: approved pushes fast-forward the bare origin's branches, CI
      // passes on one pushed head, and the last scan judges what each session bought.
      expect(out).toMatch(/approval \d+: done: pushed \w{7}\.\.\w{7} to rustchain\/node:pr-200/);
      expect(out).toMatch(/GitHub runs CI on \w{7}: passing/);
      expect(out).toMatch(/GitHub on \w{7}: still conflicting with its base/);
      const outcomes = out.slice(out.indexOf('── radar report outcomes'));
      expect(outcomes).toMatch(/^\s+resolved 1, unresolved 1, not applied \d+/m);
      expect(outcomes).toMatch(/resolution rate +\d+% \(1 of \d+ judged\)/);
      expect(outcomes).toMatch(/per resolved signal +[\d,]+ \(all tokens over 1 resolved\)/);
      expect(outcomes).toMatch(/rustchain\/node#200 +ci_failing +codex +resolved +[\d,]+/);
      expect(outcomes).toMatch(/rustchain\/node#205 +conflict +codex +unresolved +[\d,]+/);
      expect(out).toMatch(/outcomes +resolved 1, unresolved 1/);
      // Reservations keep each week within its budget.
      const used = [...out.matchAll(/^(codex|claude)\s+([\d.]+)%\s+[\d.]+%\s+\S+/gm)].slice(-2);
      expect(used.map((m) => m[1])).toEqual(['codex', 'claude']);
      for (const m of used) expect(Number(m[2])).toBeLessThanOrEqual(100);
    } finally {
      t.cleanup();
    }
  });
});
