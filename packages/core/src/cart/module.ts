import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { CartService } from './cart.service.js';
import { IDENTITY_TOKENS } from '../identity/ports.js';
import { CartPersonalDataEraser } from './personal-data.js';
import { CART_TOKENS } from './ports.js';

/** Cart: the cart repository from the store, `CartService` (`engine.cart`) and its personal-data eraser. */
export const cartModule = new ContainerModule(({ bind }) => {
  bind(CART_TOKENS.CartRepository).toDynamicValue(fromStore('carts'));
  bind(CART_TOKENS.CartService).to(CartService).inSingletonScope();
  bind(IDENTITY_TOKENS.PersonalDataEraser).to(CartPersonalDataEraser).inSingletonScope();
});
