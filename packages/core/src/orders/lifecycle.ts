import { StateMachine, type StatusStore, type TransitionRule } from '../shared/state-machine.js';
import type { OrderRecord } from './ports.js';
import type { OrderStatus } from './schemas.js';

/** The order lifecycle as data: pending → paid → shipped → delivered; pending|paid → cancelled. */
export const ORDER_TRANSITIONS: readonly TransitionRule<OrderStatus>[] = [
  { from: ['pending'], to: 'paid' },
  { from: ['paid'], to: 'shipped' },
  { from: ['shipped'], to: 'delivered' },
  { from: ['pending', 'paid'], to: 'cancelled' },
];

/**
 * The order state machine (`engine.orders.lifecycle`): `before(hook)` adds a veto and `after(hook)`
 * a side effect to every transition, both inside the transition's transaction; `next(status)` lists
 * the moves allowed from a status. Each returns a function that removes the hook.
 */
export type OrderLifecycle = StateMachine<OrderStatus, OrderRecord>;

export function createOrderLifecycle(store: () => StatusStore): OrderLifecycle {
  return new StateMachine<OrderStatus, OrderRecord>('order', ORDER_TRANSITIONS, store);
}
