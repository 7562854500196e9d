import type { Context, PaymentProvider, PaymentStart, RefundStart, RefundStarted } from '@emporia/core';

/**
 * Cash, bank transfer, card terminal: staff confirm the payment by hand; no callbacks. A refund is
 * staff paying the money back the same way, so it completes at once.
 */
export class ManualPaymentProvider implements PaymentProvider {
  readonly name = 'manual';
  readonly confirmedByStaff = true;

  async start(_ctx: Context, payment: PaymentStart): Promise<{ reference: string; checkout_url: null }> {
    // The order number is what a customer writes on a bank transfer; the payment id keeps it unique.
    return { reference: `${payment.order_number}-${payment.payment_id}`, checkout_url: null };
  }

  async refund(_ctx: Context, refund: RefundStart): Promise<RefundStarted> {
    return { reference: `${refund.order_number}-${refund.refund_id}`, status: 'completed' };
  }
}
