import type { PriceLookup, Rates } from './report.js';

/**
 * API-equivalent prices from @pydantic/genai-prices' bundled (offline) table. Rates are taken
 * from a small request so long-context tiers never inflate an aggregate; an unknown model gets
 * no price rather than a guessed one.
 */
export async function loadPrices(): Promise<PriceLookup> {
  const { calcPrice } = await import('@pydantic/genai-prices');
  const cache = new Map<string, Rates | undefined>();
  const N = 1000;
  const price = (usage: Record<string, number>, model: string): number | undefined => {
    try {
      return calcPrice(usage, model)?.total_price;
    } catch {
      return undefined;
    }
  };
  return (model) => {
    if (cache.has(model)) return cache.get(model);
    const input = price({ input_tokens: N }, model);
    const output = price({ output_tokens: N }, model);
    let rates: Rates | undefined;
    if (input !== undefined && output !== undefined) {
      const cacheRead = price({ input_tokens: N, cache_read_tokens: N }, model) ?? input;
      const cacheWrite = price({ input_tokens: N, cache_write_tokens: N }, model) ?? input;
      rates = {
        input: input / N,
        cacheRead: cacheRead / N,
        cacheWrite: cacheWrite / N,
        output: output / N,
      };
    }
    cache.set(model, rates);
    return rates;
  };
}
