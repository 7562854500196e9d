import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { CheckoutService } from './checkout.service.js';
import { OrderService } from './orders.service.js';
import { ORDER_TOKENS } from './ports.js';

/**
 * Orders: the order, status-history and idempotency-key repositories from the store, checkout and
 * `OrderService` (`engine.orders`). Status history is shared: payments record theirs in it too.
 */
export const orderModule = new ContainerModule(({ bind }) => {
  bind(ORDER_TOKENS.OrderRepository).toDynamicValue(fromStore('orders'));
  bind(ORDER_TOKENS.StatusHistoryRepository).toDynamicValue(fromStore('statusHistory'));
  bind(ORDER_TOKENS.IdempotencyRepository).toDynamicValue(fromStore('idempotencyKeys'));
  bind(ORDER_TOKENS.CheckoutService).to(CheckoutService).inSingletonScope();
  bind(ORDER_TOKENS.OrderService).to(OrderService).inSingletonScope();
});
