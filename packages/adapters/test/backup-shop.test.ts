import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { restoreBackup, writeBackup } from '@emporia/adapters';
import { anonymousContext, systemContext, type Engine } from '@emporia/core';
import { userWithToken } from '../../../test/support/auth.js';
import { createTestEnv } from '../../../test/support/engine.js';
import { testDialects, type TestDialect } from '../../../test/support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-backup-shop-'));
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each dialect to every other one, and SQLite onto itself. */
const pairs: Array<[TestDialect, TestDialect]> = testDialects().flatMap((from) =>
  testDialects()
    .filter((to) => to !== from || from === 'sqlite')
    .map((to): [TestDialect, TestDialect] => [from, to]),
);

const nextOrderNumber = (engine: Engine) =>
  engine.store.unitOfWork.run(systemContext(), (tx) => engine.store.repositories.orders.nextNumber(tx));

describe.each(pairs)('a shop moved %s → %s', (from, to) => {
  it('keeps nested categories, promotions, guest orders and refunds, rebuilds product search and continues order numbers', async () => {
    const source = await createTestEnv(from);
    closers.push(source.close);
    const ctx = systemContext({ clock: source.clock });
    const tools = await source.engine.catalog.createCategory(ctx, { name: 'Tools', slug: 'tools' });
    const hammers = await source.engine.catalog.createCategory(ctx, {
      name: 'Hammers',
      slug: 'hammers',
      parent_id: tools.id,
    });
    const hammer = await source.engine.catalog.createProduct(ctx, {
      name: 'Quantum Hammer',
      slug: 'quantum-hammer',
      status: 'published',
      category_id: hammers.id,
      price: 1999,
      stock: 5,
    });
    await source.engine.catalog.createProduct(ctx, { name: 'Plain Saw', status: 'published', price: 500 });
    const buyer = await userWithToken(source, 'customer');
    const { order } = await source.engine.orders.placeOrder(buyer.ctx, {
      items: [{ variant_id: hammer.variants[0].id, quantity: 2 }],
    });
    const payment = await source.engine.payments.createPayment(buyer.ctx, order.id, { provider: 'manual' });
    await source.engine.payments.confirmPayment(ctx, payment.id);
    await source.engine.payments.refundOrder(ctx, order.id, {
      items: [{ variant_id: hammer.variants[0].id, quantity: 1 }],
      restock: true,
    });
    // A code redeemed by a guest order: promotions, redemptions and guest orders move too.
    const code = await source.engine.promotions.createPromotion(ctx, {
      code: 'MOVE10',
      kind: 'percentage',
      value: 1000,
      usage_limit_per_customer: 1,
    });
    const guest = anonymousContext({ clock: source.clock });
    const { issuedToken } = await source.engine.cart.addItem(guest, { product_id: hammer.id, quantity: 1 });
    await source.engine.cart.applyPromotion(guest, { code: 'move10' }, { cartToken: issuedToken });
    const placed = await source.engine.orders.placeOrder(
      guest,
      { email: 'mover@example.test' },
      { cartToken: issuedToken },
    );
    // The guest pays with the order token: a payment without a user moves too.
    const guestPayment = await source.engine.payments.createPayment(
      guest,
      placed.order.id,
      { provider: 'manual' },
      { orderToken: placed.orderToken! },
    );
    // A guest cart waiting for checkout keeps the e-mail its guest gave.
    const waiting = await source.engine.cart.addItem(guest, { product_id: hammer.id, quantity: 1 });
    await source.engine.cart.updateCart(guest, { email: 'waiting@example.test' }, { cartToken: waiting.issuedToken });
    const zone = await source.engine.shipping.createZone(ctx, { name: 'EU', countries: ['DE', 'FR'] });
    await source.engine.shipping.createMethod(ctx, { zone_id: zone.id, name: 'Post', price: 490, free_over: 5000 });
    await nextOrderNumber(source.engine);
    const last = await nextOrderNumber(source.engine);

    const file = join(dir, `${from}-${to}.bak`);
    const header = await writeBackup(source.url, file);
    expect(header.counters.order_number).toBe(last);
    expect(header.tables.map((t) => t.name)).not.toContain('products_fts_rows');
    expect(header.tables.map((t) => t.name)).not.toContain('product_counts');

    const target = await createTestEnv(to);
    closers.push(target.close);
    await restoreBackup(target.url, file);

    const shipping = async (engine: Engine) =>
      (await engine.shipping.listMethods(ctx)).map((m) => [m.zone_id, m.name, m.price, m.free_over, m.is_active]);
    expect(await shipping(target.engine)).toEqual([[zone.id, 'Post', 490, 5000, true]]);
    expect((await target.engine.shipping.getZone(ctx, zone.id)).countries).toEqual(['DE', 'FR']);

    const found = await target.engine.catalog.listProducts(ctx, { q: 'quantum' });
    expect(found.results.map((p) => p.id)).toEqual([hammer.id]);
    const inTools = await target.engine.catalog.listProducts(ctx, { category: 'tools' });
    expect(inTools.results.map((p) => p.id)).toEqual([hammer.id]);
    // Totals come from the per-category summary, which the restore rebuilds rather than copies.
    expect(inTools.kind === 'page' && inTools.count).toBe(1);
    const everything = await target.engine.catalog.listProducts(ctx, {});
    expect(everything.kind === 'page' && everything.count).toBe(2);
    expect(await target.engine.catalog.getProduct(ctx, 'quantum-hammer')).toEqual(
      await source.engine.catalog.getProduct(ctx, 'quantum-hammer'),
    );
    expect(await target.engine.payments.listRefunds(ctx, order.id)).toEqual(
      await source.engine.payments.listRefunds(ctx, order.id),
    );
    expect((await target.engine.orders.getOrder(ctx, order.id)).status).toBe('partially_refunded');
    expect(await nextOrderNumber(target.engine)).toBe(last + 1);
    expect(await target.engine.promotions.getPromotion(ctx, code.id)).toEqual({ ...code, times_used: 1 });
    const moved = await target.engine.orders.getOrderWithToken(ctx, placed.order.number, placed.orderToken!);
    expect(moved).toMatchObject({ user_id: null, guest_email: 'mover@example.test', discount_total: 200 });
    expect(
      await target.engine.payments.getPayment(guest, guestPayment.id, { orderToken: placed.orderToken! }),
    ).toMatchObject({ id: guestPayment.id, user_id: null, status: 'pending' });
    // The redemption came along: the guest's one use of the code is spent on the new database too.
    const again = anonymousContext({ clock: target.clock });
    const kept = await target.engine.cart.getCart(again, { cartToken: waiting.issuedToken });
    expect(kept.cart).toMatchObject({ email: 'waiting@example.test', item_count: 1 });
    const cart = await target.engine.cart.addItem(again, { product_id: hammer.id, quantity: 1 });
    await expect(
      target.engine.orders.placeOrder(
        again,
        { email: 'mover@example.test', promotion_codes: ['MOVE10'] },
        { cartToken: cart.issuedToken },
      ),
    ).rejects.toMatchObject({ reason: 'customer_limit_reached' });
  });
});
