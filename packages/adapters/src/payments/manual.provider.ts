import type { Context, PaymentProvider, PaymentStart } from '@emporia/core';

/** Cash, bank transfer, card terminal: staff confirm the payment by hand; no callbacks. */
export class ManualPaymentProvider implements PaymentProvider {
  readonly name = 'manual';
  readonly confirmedByStaff = true;

  async start(_ctx: Context, payment: PaymentStart): Promise<{ reference: string; checkout_url: null }> {
    // The order number is what a customer writes on a bank transfer; the payment id keeps it unique.
    return { reference: `${payment.order_number}-${payment.payment_id}`, checkout_url: null };
  }
}
