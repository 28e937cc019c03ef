import type { Rates } from '../core/token-report.js';
import type { Db } from './open.js';
import type { PriceCache } from './ports.js';

/** The SQLite price cache: each model's rates per version of the installed price table. */
export class PriceStore implements PriceCache {
  constructor(private readonly db: Db) {}

  cachedRates(
    models: readonly string[],
    tableVersion: string,
  ): Promise<Map<string, Rates | undefined>> {
    const get = this.db.prepare(
      `SELECT input, cache_read AS cacheRead, cache_write AS cacheWrite, output FROM price_cache
       WHERE model = ? AND table_version = ?`,
    );
    const out = new Map<string, Rates | undefined>();
    for (const model of models) {
      const row = get.get(model, tableVersion) as
        { input: number | null; cacheRead: number; cacheWrite: number; output: number } | undefined;
      if (row) out.set(model, row.input === null ? undefined : { ...row, input: row.input });
    }
    return Promise.resolve(out);
  }

  cacheRates(rates: ReadonlyMap<string, Rates | undefined>, tableVersion: string): Promise<void> {
    const put = this.db.prepare(
      `INSERT OR REPLACE INTO price_cache (model, table_version, input, cache_read, cache_write, output)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const [model, r] of rates)
        put.run(
          model,
          tableVersion,
          r?.input ?? null,
          r?.cacheRead ?? null,
          r?.cacheWrite ?? null,
          r?.output ?? null,
        );
    })();
    return Promise.resolve();
  }
}
