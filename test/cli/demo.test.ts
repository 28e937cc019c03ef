import { describe, expect, it } from 'vitest';
import { runCli, tempTree } from '../helpers/cli.js';

describe('radar demo (the Quick start)', () => {
  it('runs the whole job offline: ingest, report, budget, two scans and the queue', async () => {
    const t = tempTree();
    try {
      // No token, no GitHub URL, no HOME config: the demo brings its own.
      const r = await runCli(['demo'], { cwd: t.dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = r.stdout;
      expect(out).toMatch(/63 new events, 4,840,346 new tokens/);
      expect(out).toMatch(
        /4,840,346 tokens across 63 marked events; largest bucket: daily-macro-doctor/,
      );
      expect(out).toMatch(/codex\s+[\d.]+%\s+[\d.]+%\s+(under|on-pace|over|exhausted)/);
      expect(out).toMatch(/scanned 34 PRs in [\d.]+ s: 2 requests, 6 points/);
      expect(out).toMatch(/ci passing→failing/);
      expect(out).toMatch(/#\d+ merged/);
      expect(out).toMatch(/GitHub saw 4 requests costing 10 rate-limit points/);
    } finally {
      t.cleanup();
    }
  });
});
