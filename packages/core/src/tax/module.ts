import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { TAX_TOKENS } from './ports.js';
import { RateTableTaxCalculator } from './rate-table.js';
import { TaxService } from './tax.service.js';

/**
 * Tax: the rate table from the store, the built-in rate-table `TaxCalculator` (unless the
 * embedder bound one of its own first) and `TaxService` (`engine.tax`).
 */
export const taxModule = new ContainerModule(({ bind, isBound }) => {
  bind(TAX_TOKENS.TaxRateRepository).toDynamicValue(fromStore('taxRates'));
  if (!isBound(TAX_TOKENS.TaxCalculator)) bind(TAX_TOKENS.TaxCalculator).to(RateTableTaxCalculator).inSingletonScope();
  bind(TAX_TOKENS.TaxService).to(TaxService).inSingletonScope();
});
