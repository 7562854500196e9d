import { ContainerModule } from 'inversify';
import { PricingService } from './pricing.service.js';

/** Pricing: `PricingService`, which cart answers and checkout price through (needs the tax module). */
export const pricingModule = new ContainerModule(({ bind }) => {
  bind(PricingService).toSelf().inSingletonScope();
});
