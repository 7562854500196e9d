import { inject, injectable } from 'inversify';
import type { PricingTaxRate } from '../pricing/pipeline.js';
import type { Context } from '../shared/context.js';
import { TAX_TOKENS, type TaxCalculator, type TaxDestination, type TaxRateRepository } from './ports.js';

/**
 * The built-in TaxCalculator: the rate table. Per tax class, a rate for the destination's region
 * wins over the country's own; a class with neither is untaxed.
 */
@injectable()
export class RateTableTaxCalculator implements TaxCalculator {
  constructor(@inject(TAX_TOKENS.TaxRateRepository) private readonly rates: TaxRateRepository) {}

  async ratesFor(ctx: Context, destination: TaxDestination | null): Promise<PricingTaxRate[]> {
    if (!destination) return [];
    const region = destination.region?.trim().toLowerCase() ?? '';
    const byClass = new Map<string, PricingTaxRate & { exact: boolean }>();
    for (const r of await this.rates.list(ctx, { country: destination.country.toUpperCase() })) {
      const exact = r.region !== '' && r.region.toLowerCase() === region;
      if (r.region !== '' && !exact) continue;
      const seen = byClass.get(r.tax_class);
      if (seen && (seen.exact || !exact)) continue;
      byClass.set(r.tax_class, { name: r.name, tax_class: r.tax_class, rate_bps: r.rate_bps, exact });
    }
    return [...byClass.values()].map(({ name, tax_class, rate_bps }) => ({ name, tax_class, rate_bps }));
  }
}
