import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { CheckoutService } from './checkout.service.js';
import { IdempotencyService } from './idempotency.service.js';
import { OrderService } from './orders.service.js';
import { OrderPersonalDataEraser } from './personal-data.js';
import { IDENTITY_TOKENS } from '../identity/ports.js';
import { ORDER_TOKENS } from './ports.js';

/**
 * Orders: the order, status-history and idempotency-key repositories from the store, the
 * `IdempotencyService` checkout and refunds share, checkout and `OrderService` (`engine.orders`). Status history is shared: payments record theirs in it too.
 * Its personal-data eraser keeps a tombstone of a user with orders when the account is erased.
 */
export const orderModule = new ContainerModule(({ bind }) => {
  bind(ORDER_TOKENS.OrderRepository).toDynamicValue(fromStore('orders'));
  bind(ORDER_TOKENS.StatusHistoryRepository).toDynamicValue(fromStore('statusHistory'));
  bind(ORDER_TOKENS.IdempotencyRepository).toDynamicValue(fromStore('idempotencyKeys'));
  bind(ORDER_TOKENS.IdempotencyService).to(IdempotencyService).inSingletonScope();
  bind(ORDER_TOKENS.CheckoutService).to(CheckoutService).inSingletonScope();
  bind(ORDER_TOKENS.OrderService).to(OrderService).inSingletonScope();
  bind(IDENTITY_TOKENS.PersonalDataEraser).to(OrderPersonalDataEraser).inSingletonScope();
});
