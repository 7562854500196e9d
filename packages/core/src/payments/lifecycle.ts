import { StateMachine, type StatusStore, type TransitionRule } from '../shared/state-machine.js';
import type { PaymentRecord } from './ports.js';
import type { PaymentStatus } from './schemas.js';

/** A payment is decided once: pending → succeeded | failed. */
export const PAYMENT_TRANSITIONS: readonly TransitionRule<PaymentStatus>[] = [
  { from: ['pending'], to: 'succeeded' },
  { from: ['pending'], to: 'failed' },
];

/**
 * The payment state machine (`engine.payments.lifecycle`), pending → succeeded | failed: add
 * `before` (veto) and `after` (side effect) hooks as on the order lifecycle.
 */
export type PaymentLifecycle = StateMachine<PaymentStatus, PaymentRecord>;

export function createPaymentLifecycle(store: () => StatusStore): PaymentLifecycle {
  return new StateMachine<PaymentStatus, PaymentRecord>('payment', PAYMENT_TRANSITIONS, store);
}
