import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { CartService } from './cart.service.js';
import { CART_TOKENS } from './ports.js';

/** Cart: the cart repository from the store and `CartService` (`engine.cart`). */
export const cartModule = new ContainerModule(({ bind }) => {
  bind(CART_TOKENS.CartRepository).toDynamicValue(fromStore('carts'));
  bind(CART_TOKENS.CartService).to(CartService).inSingletonScope();
});
