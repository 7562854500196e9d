import { inject, injectable } from 'inversify';
import type { SaleVariant } from '../catalog/inventory.service.js';
import type { Config } from '../shared/config.js';
import type { Context } from '../shared/context.js';
import { TOKENS } from '../shared/tokens.js';
import { TAX_TOKENS, type TaxCalculator, type TaxDestination } from '../tax/ports.js';
import { priceCart, type PriceBreakdown, type PricingPromotion, type PricingShipping } from './pipeline.js';

/** What is priced besides the lines: where it goes, its shipping price and the promotions that apply. */
export interface PricingOptions {
  /** The shipping address; unset: the shop's own country (`STORE_COUNTRY`), or untaxed without one. */
  destination?: TaxDestination | null;
  /** The chosen method's flat price and free-over threshold. */
  shipping?: PricingShipping | null;
  promotions?: readonly PricingPromotion[];
}

/**
 * Feeds the pricing pipeline: variants and quantities, the destination's tax rates from the
 * TaxCalculator and `PRICES_INCLUDE_TAX`. Cart answers and checkout both price through it.
 */
@injectable()
export class PricingService {
  constructor(
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(TAX_TOKENS.TaxCalculator) private readonly tax: TaxCalculator,
  ) {}

  /** The breakdown of these lines (in their order) with the options. */
  async price(
    ctx: Context,
    lines: ReadonlyArray<{ variant: SaleVariant; quantity: number }>,
    options: PricingOptions = {},
  ): Promise<PriceBreakdown> {
    const destination =
      options.destination ?? (this.config.storeCountry ? { country: this.config.storeCountry } : null);
    const taxRates = await this.tax.ratesFor(ctx, destination);
    return priceCart({
      lines: lines.map(({ variant, quantity }) => ({
        key: variant.id,
        product_id: variant.product_id,
        category_ids: variant.category_id ? [variant.category_id] : [],
        unit_price: variant.price,
        quantity,
        tax_class: variant.tax_class,
      })),
      shipping: options.shipping ?? null,
      promotions: options.promotions ?? [],
      taxRates,
      pricesIncludeTax: this.config.pricesIncludeTax,
    });
  }
}
