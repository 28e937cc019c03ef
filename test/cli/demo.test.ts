import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { displayWidth } from '../../src/render/table.js';
import { runRadar, tempTree } from '../helpers/cli.js';

const num = (text: string | undefined) => Number((text ?? 'NaN').replace(/,/g, ''));

describe('radar demo (the Quick start)', () => {
  it('runs the whole loop offline in 80 columns: ingest, report, budget, scans that dispatch, escalations, approvals, pushes, outcomes, funnel, tokens by PR, and a summary of the ledger', async () => {
    const t = tempTree();
    let kept: string | undefined;
    let pages: string | undefined;
    try {
      // No token, no GitHub URL, no HOME config, no agents: the demo brings its own.
      const r = await runRadar(['demo', '--keep'], {
        cwd: t.dir,
        env: { PATH: process.env.PATH, COLUMNS: '80' },
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = r.stdout;
      kept = /^kept in (\S+):/m.exec(out)?.[1];
      expect(kept).toBeDefined();
      // Every line fits an 80-column terminal, tables and prose alike.
      const lines = out.split('\n');
      expect(lines.filter((l) => displayWidth(l) > 80)).toEqual([]);
      // One line says what is coming; long lines continue on lines indented by two.
      expect(lines[0]).toMatch(/^radar demo: .+$/);
      expect(lines[1]).toBe('');
      const prose = out.replace(/\n {2}(?=\S)/g, ' ');

      // The ledger half: a corpus of real-format logs.
      expect(out).toMatch(/63 new events, 4,840,346 new tokens/);
      expect(out).toMatch(
        /4,840,346 tokens across 63 marked events; largest bucket: daily-macro-doctor/,
      );
      // The loop: 34 PRs, tiers, sessions within the cap and the budget.
      expect(out).toMatch(/scanned 34 PRs in [\d.]+ s: 3 requests, 6 points/);
      expect(out).toMatch(/tiers: \d+ escalate, \d+ watch, 4 zombie/);
      expect(prose).toMatch(/: codex succeeded, tokens [\d,]+, escalation 1\n/);
      // Each scan says which pace policy applied to each agent, and why.
      expect(prose).toMatch(
        /^pace: codex (burn|steady|slow|hold): .+; (up to \d+ sessions?|no session) this scan/m,
      );
      expect(prose).toMatch(/: codex failed \(exit 1: error: the model gave up\), tokens [\d,]+/);
      expect(prose).toMatch(
        /: claude timed_out \(stopped: no output within the idle time limit; no usage reported[^)]*\), tokens unknown/,
      );
      expect(prose).toMatch(
        /not dispatched \(budget\): a session of (codex|claude) reserves 40000 tokens; \d+ left this week/,
      );
      expect(out).toMatch(/ci passing→failing/);
      // Each PR dispatched at most once over three scans, each session said as it starts and
      // then as it ends.
      const sessions = [...prose.matchAll(/^(\S+#\d+): (?:codex|claude) \w+.*escalation (\d+)$/gm)];
      expect(sessions.length).toBeGreaterThanOrEqual(6);
      expect(new Set(sessions.map((m) => m[1])).size).toBe(sessions.length);
      for (const m of sessions) {
        const started = prose.indexOf(`starts on ${m[1]} (escalation ${m[2]})\n`);
        expect(started).toBeGreaterThanOrEqual(0);
        expect(started).toBeLessThan(m.index);
      }
      // Tokens by PR are what the agents printed, and their session files add nothing.
      const printed = sessions
        .map((m) => /tokens ([\d,]+)/.exec(m[0])?.[1])
        .filter((n): n is string => n !== undefined)
        .reduce((sum, n) => sum + num(n), 0);
      const report = /([\d,]+) tokens across \d+ marked events; largest pr:/.exec(out);
      expect(num(report?.[1])).toBe(printed);
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
      expect(prose).toMatch(/outcomes +resolved 1, unresolved 1/);
      // Reservations keep each week within its budget.
      const used = [...out.matchAll(/^(codex|claude)\s+([\d.]+)%\s+[\d.]+%\s+\S+/gm)].slice(-2);
      expect(used.map((m) => m[1])).toEqual(['codex', 'claude']);
      for (const m of used) expect(Number(m[2])).toBeLessThanOrEqual(100);
      // It leaves two pages to look at, and prints where.
      const shown = [...prose.matchAll(/as a page \([^)]*\): (\S+\.html)$/gm)].map((m) => m[1]!);
      expect(shown.map((p) => basename(p))).toEqual(['tokens.html', 'loop.html']);
      for (const page of shown) expect(readFileSync(page, 'utf8')).toMatch(/<svg class="chart"/);
      pages = dirname(shown[0]!);

      // The last paragraph sums the loop up, every figure as the loop's ledger has it.
      const summary = out.slice(out.lastIndexOf('\nIn short: ') + 1).replace(/\n/g, ' ');
      const figure = (re: RegExp) => re.exec(summary)?.slice(1) ?? [];
      const db = openSqliteLedger(join(kept!, 'loop/radar.db'));
      try {
        const open = db.prs.all().filter((p) => p.state === 'open' && p.watched);
        const ran = db.dispatch
          .escalations()
          .filter((e) => e.outcome !== 'dry_run' && e.outcome !== 'refused');
        const { candidates } = db.rules.funnelRows(0);
        const live = candidates.filter((c) => c.actedAt !== null || !c.suppressed);
        const waiting = candidates.filter((c) => c.actedAt === null && !c.suppressed);
        const judged = db.outcomes.outcomeRows(0);
        const count = (o: string) => judged.filter((row) => row.outcome === o).length;
        const prsOf = (list: typeof candidates) => new Set(list.map((c) => c.nodeId)).size;

        expect(figure(/watched (\d+) open PRs in (\d+) repositories/).map(num)).toEqual([
          open.length,
          new Set(open.map((p) => p.repo)).size,
        ]);
        expect(
          figure(/flagged (\d+) of them \((\d+) signals; (\d+) more set aside/).map(num),
        ).toEqual([prsOf(live), live.length, candidates.length - live.length]);
        expect(
          figure(/(\d+) agent sessions spent ([\d,]+) tokens \((\d+) of \d+ reported/).map(num),
        ).toEqual([
          ran.length,
          ran.reduce((sum, e) => sum + (e.tokens ?? 0), 0),
          ran.filter((e) => e.tokens !== null).length,
        ]);
        expect(
          figure(/resolved (\d+), unresolved (\d+), not applied (\d+), pending (\d+)/).map(num),
        ).toEqual([count('resolved'), count('unresolved'), count('not_applied'), count('pending')]);
        expect(figure(/Held back: (\d+) signals? on (\d+) PRs?/).map(num)).toEqual([
          waiting.length,
          prsOf(waiting),
        ]);
        // The week's use is the last budget table's, and never over the budget.
        expect(figure(/codex ([\d.]+)%, claude ([\d.]+)% used/)).toEqual(used.map((m) => m[2]));
      } finally {
        db.close();
      }
    } finally {
      t.cleanup();
      if (kept) rmSync(kept, { recursive: true, force: true });
      if (pages) rmSync(pages, { recursive: true, force: true });
    }
    // Three scans with agent sessions, one stopped by its idle limit: slow on a loaded machine.
  }, 180_000);
});
