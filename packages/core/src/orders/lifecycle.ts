import { StateMachine, type StatusStore, type TransitionRule } from '../shared/state-machine.js';
import type { OrderRecord } from './ports.js';
import type { OrderStatus } from './schemas.js';

/**
 * The order lifecycle as data: pending → paid → shipped → delivered; pending|paid → cancelled.
 * Refunds move a paid, shipped or delivered order to `partially_refunded` or `refunded` when a
 * refund completes (`refunded` once completed refunds reach what was paid); a partially refunded
 * order can still ship and be delivered (the rest of it), and be refunded in full. `refunded` is
 * final. A cancelled order keeps its status when its payment is refunded (its stock is back already).
 */
export const ORDER_TRANSITIONS: readonly TransitionRule<OrderStatus>[] = [
  { from: ['pending'], to: 'paid' },
  { from: ['paid', 'partially_refunded'], to: 'shipped' },
  { from: ['shipped', 'partially_refunded'], to: 'delivered' },
  { from: ['pending', 'paid'], to: 'cancelled' },
  { from: ['paid', 'shipped', 'delivered'], to: 'partially_refunded' },
  { from: ['paid', 'shipped', 'delivered', 'partially_refunded'], to: 'refunded' },
];

/** Statuses only a completed refund moves an order to (staff refund; they do not set them). */
export const REFUND_ORDER_STATUSES: readonly OrderStatus[] = ['partially_refunded', 'refunded'];

/**
 * The order state machine (`engine.orders.lifecycle`): `before(hook)` adds a veto and `after(hook)`
 * a side effect to every transition, both inside the transition's transaction; `next(status)` lists
 * the moves allowed from a status. Each returns a function that removes the hook.
 */
export type OrderLifecycle = StateMachine<OrderStatus, OrderRecord>;

export function createOrderLifecycle(store: () => StatusStore): OrderLifecycle {
  return new StateMachine<OrderStatus, OrderRecord>('order', ORDER_TRANSITIONS, store);
}
