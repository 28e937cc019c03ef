import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PriceCache } from '../ledger/ports.js';
import type { PriceLookup, Rates } from '../core/token-report.js';

/**
 * API-equivalent prices from @pydantic/genai-prices' bundled (offline) table. Rates are taken
 * from a small request so long-context tiers never inflate an aggregate; an unknown model gets
 * no price rather than a guessed one. The table is large, so rates are cached in the ledger per
 * model and installed table version, and the table is loaded only for models not seen before.
 */

const PACKAGE = '@pydantic/genai-prices';

function tableVersion(): string {
  try {
    const file = fileURLToPath(import.meta.resolve(PACKAGE));
    const st = statSync(file);
    return `${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return 'unknown';
  }
}

async function computeRates(models: string[]): Promise<Map<string, Rates | undefined>> {
  const { calcPrice } = await import('@pydantic/genai-prices');
  const N = 1000;
  const price = (usage: Record<string, number>, model: string): number | undefined => {
    try {
      return calcPrice(usage, model)?.total_price;
    } catch {
      return undefined;
    }
  };
  const out = new Map<string, Rates | undefined>();
  for (const model of models) {
    const input = price({ input_tokens: N }, model);
    const output = price({ output_tokens: N }, model);
    if (input === undefined || output === undefined) {
      out.set(model, undefined);
      continue;
    }
    const cacheRead = price({ input_tokens: N, cache_read_tokens: N }, model) ?? input;
    const cacheWrite = price({ input_tokens: N, cache_write_tokens: N }, model) ?? input;
    out.set(model, {
      input: input / N,
      cacheRead: cacheRead / N,
      cacheWrite: cacheWrite / N,
      output: output / N,
    });
  }
  return out;
}

export async function loadPrices(
  cache: PriceCache,
  models: Iterable<string>,
): Promise<PriceLookup> {
  const version = tableVersion();
  const wanted = [...new Set(models)];
  const rates = await cache.cachedRates(wanted, version);
  const missing = wanted.filter((model) => !rates.has(model));
  if (missing.length > 0) {
    const computed = await computeRates(missing);
    await cache.cacheRates(computed, version);
    for (const [model, r] of computed) rates.set(model, r);
  }
  return (model) => rates.get(model);
}
