import {
  ForbiddenError,
  IdempotencyKeyMismatchError,
  NotFoundError,
  UnauthorizedError,
  anonymousContext,
  systemContext,
} from '@emporia/core';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct, saleInventory } from './checkout-fixtures.js';

/** The library surface applies the same rules as HTTP: the services check them, not the routes. */
describeEachDatabase('orders as a library', (env) => {
  let alice: TestUser;
  let bob: TestUser;
  let variantId: string;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([userWithToken(env(), 'customer'), userWithToken(env(), 'customer')]);
    variantId = (await publishedProduct(env(), { price: 700, stock: 50 })).variants[0].id;
  });

  it('places, reads, pays and cancels with the same rules as the HTTP API', async () => {
    const { orders, payments, cart } = env().engine;
    const anonymous = anonymousContext({ clock: env().clock });
    await expect(orders.placeOrder(anonymous, { items: [{ variant_id: variantId, quantity: 1 }] })).rejects.toThrow(
      UnauthorizedError,
    );

    await cart.addItem(alice.ctx, { variant_id: variantId, quantity: 2 });
    const { order, replayed } = await orders.placeOrder(alice.ctx, {}, { idempotencyKey: 'lib-1' });
    expect(replayed).toBe(false);
    expect(order).toMatchObject({ status: 'pending', total: 1400, user_id: alice.user.id });
    const again = await orders.placeOrder(alice.ctx, {}, { idempotencyKey: 'lib-1' });
    expect(again).toEqual({ order, orderToken: null, replayed: true });
    await expect(
      orders.placeOrder(alice.ctx, { items: [{ variant_id: variantId, quantity: 1 }] }, { idempotencyKey: 'lib-1' }),
    ).rejects.toThrow(IdempotencyKeyMismatchError);

    await expect(orders.getOrder(bob.ctx, order.id)).rejects.toThrow(NotFoundError);
    await expect(orders.updateStatus(alice.ctx, order.id, { status: 'paid' })).rejects.toThrow(ForbiddenError);
    await expect(payments.createPayment(bob.ctx, order.id, { provider: 'manual' })).rejects.toThrow(NotFoundError);

    const payment = await payments.createPayment(alice.ctx, order.id, { provider: 'manual' });
    const confirmed = await payments.confirmPayment(systemContext({ clock: env().clock }), payment.id);
    expect(confirmed.history).toEqual([expect.objectContaining({ to: 'succeeded', actor: 'system', actor_id: null })]);
    expect((await orders.getOrder(alice.ctx, order.id)).status).toBe('paid');

    const listed = await orders.listOrders(alice.ctx, { page_size: 1 });
    expect(listed).toMatchObject({ kind: 'page', count: 1, page: 1, page_size: 1 });
    expect(listed.results[0].id).toBe(order.id);
    // The system actor (CLI, jobs) reads everyone's orders and payments.
    const system = systemContext({ clock: env().clock });
    expect((await orders.listOrders(system, { user_id: alice.user.id })).results.map((o) => o.id)).toEqual([order.id]);
    expect((await payments.listPayments(system, { order_id: order.id })).results).toHaveLength(1);

    const second = await orders.placeOrder(bob.ctx, { items: [{ variant_id: variantId, quantity: 3 }] });
    await expect(orders.cancelOrder(alice.ctx, second.order.id)).rejects.toThrow(NotFoundError);
    const cancelled = await orders.cancelOrder(bob.ctx, second.order.id);
    expect(cancelled.history).toEqual([
      expect.objectContaining({ from: 'pending', to: 'cancelled', actor_id: bob.user.id }),
    ]);
    const [variant] = await saleInventory(env().engine).getSaleVariants(system, [variantId]);
    expect(variant.stock).toBe(48);
  });
});
