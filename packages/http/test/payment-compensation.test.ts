import { ConflictError, systemContext, type Engine, type PaymentProvider } from '@emporia/core';
import { expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

let engine: Engine | undefined;
let cancelOrderOnStart = false;
const opened: string[] = [];
const cancelled: string[] = [];

/** A provider whose session opens while staff cancel the order: the payment can no longer be recorded. */
const racing: PaymentProvider = {
  name: 'racing',
  confirmedByStaff: false,
  async start(_ctx, payment) {
    if (cancelOrderOnStart) await engine!.orders.cancelOrder(systemContext(), payment.order_id);
    const reference = `rc_${payment.payment_id}`;
    opened.push(reference);
    return { reference, checkout_url: null };
  },
  async cancel(_ctx, reference) {
    cancelled.push(reference);
  },
};

describeEachDatabase(
  'createPayment compensates at the provider',
  (env) => {
    it('cancels the provider session when the payment cannot be recorded, and leaves no payment row', async () => {
      engine = env().engine;
      const buyer = await userWithToken(env(), 'customer');
      const mug = await publishedProduct(env(), { stock: 5 });
      const { order } = await engine.orders.placeOrder(buyer.ctx, {
        items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
      });
      opened.length = 0;
      cancelled.length = 0;
      cancelOrderOnStart = true;
      await expect(engine.payments.createPayment(buyer.ctx, order.id, { provider: 'racing' })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(opened).toHaveLength(1);
      expect(cancelled).toEqual(opened);
      expect((await engine.payments.listPayments(buyer.ctx, { order_id: order.id })).results).toEqual([]);
      expect((await engine.orders.getOrder(buyer.ctx, order.id)).status).toBe('cancelled');
    });

    it('cancels nothing when the payment is recorded', async () => {
      engine = env().engine;
      const buyer = await userWithToken(env(), 'customer');
      const mug = await publishedProduct(env(), { stock: 5 });
      const { order } = await engine.orders.placeOrder(buyer.ctx, {
        items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
      });
      cancelled.length = 0;
      cancelOrderOnStart = false;
      const payment = await engine.payments.createPayment(buyer.ctx, order.id, { provider: 'racing' });
      expect(payment).toMatchObject({ status: 'pending', provider: 'racing' });
      expect(cancelled).toEqual([]);
    });
  },
  {},
  { paymentProviders: [racing] },
);
