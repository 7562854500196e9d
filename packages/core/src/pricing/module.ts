import { ContainerModule } from 'inversify';
import { PricingService } from './pricing.service.js';

/** Injection tokens of the pricing module. */
export const PRICING_TOKENS = {
  PricingService: Symbol.for('emporia.PricingService'),
} as const;

/** Pricing: `PricingService`, which cart answers and checkout price through (needs the tax module). */
export const pricingModule = new ContainerModule(({ bind }) => {
  bind(PRICING_TOKENS.PricingService).to(PricingService).inSingletonScope();
});
