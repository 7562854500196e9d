import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { SHIPPING_TOKENS } from './ports.js';
import { ShippingService } from './shipping.service.js';

/** Shipping: zones and methods from the store and `ShippingService` (`engine.shipping`). */
export const shippingModule = new ContainerModule(({ bind }) => {
  bind(SHIPPING_TOKENS.ShippingRepository).toDynamicValue(fromStore('shipping'));
  bind(SHIPPING_TOKENS.ShippingService).to(ShippingService).inSingletonScope();
});
