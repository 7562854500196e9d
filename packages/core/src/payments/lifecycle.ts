import { StateMachine, type StatusStore, type TransitionRule } from '../shared/state-machine.js';
import type { PaymentRecord, RefundRecord } from './ports.js';
import type { PaymentStatus, RefundStatus } from './schemas.js';

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

/** A refund is decided once: pending → completed | failed (a `manual` refund at once). */
export const REFUND_TRANSITIONS: readonly TransitionRule<RefundStatus>[] = [
  { from: ['pending'], to: 'completed' },
  { from: ['pending'], to: 'failed' },
];

/** The refund state machine (`engine.payments.refundLifecycle`): hooks as on the order lifecycle. */
export type RefundLifecycle = StateMachine<RefundStatus, RefundRecord>;

export function createRefundLifecycle(store: () => StatusStore): RefundLifecycle {
  return new StateMachine<RefundStatus, RefundRecord>('refund', REFUND_TRANSITIONS, store);
}
