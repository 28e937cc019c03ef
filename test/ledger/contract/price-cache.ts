import { describe, expect, it } from 'vitest';
import { withLedger, type LedgerFactory } from './factory.js';

const RATES = { input: 1e-6, cacheRead: 1e-7, cacheWrite: 1.25e-6, output: 8e-6 };

/** The behaviour every price cache keeps: rates per model and table version. */
export function priceCacheContract(fresh: LedgerFactory): void {
  describe('price cache', () => {
    it('returns only the models cached for this table version, unpriced ones included', async () => {
      await withLedger(fresh, async (ledger) => {
        expect(await ledger.prices.cachedRates(['gpt-5'], 'v1')).toEqual(new Map());
        await ledger.prices.cacheRates(
          new Map([
            ['gpt-5', RATES],
            ['home-made', undefined],
          ]),
          'v1',
        );
        const cached = await ledger.prices.cachedRates(['gpt-5', 'home-made', 'other'], 'v1');
        expect([...cached]).toEqual([
          ['gpt-5', RATES],
          ['home-made', undefined],
        ]);
        expect(await ledger.prices.cachedRates(['gpt-5'], 'v2')).toEqual(new Map());
      });
    });

    it('replaces a model’s rates for the same version', async () => {
      await withLedger(fresh, async (ledger) => {
        await ledger.prices.cacheRates(new Map([['gpt-5', RATES]]), 'v1');
        await ledger.prices.cacheRates(new Map([['gpt-5', { ...RATES, output: 9e-6 }]]), 'v1');
        expect((await ledger.prices.cachedRates(['gpt-5'], 'v1')).get('gpt-5')?.output).toBe(9e-6);
      });
    });
  });
}
