import type { Server } from 'node:http';
import { PromotionNotApplicableError, systemContext } from '@emporia/core';
import request from 'supertest';
import type { Knex } from 'knex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from './checkout-fixtures.js';

let codes = 0;
const code = (prefix: string) => `${prefix}${++codes}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

describeEachDatabase('promotions', (env) => {
  let server: Server;
  let customer: TestUser;
  let staff: TestUser;
  let buyers: TestUser[];
  beforeAll(async () => {
    server = env().app.listen(0);
    [customer, staff, ...buyers] = await Promise.all([
      userWithToken(env(), 'customer'),
      userWithToken(env(), 'staff'),
      ...Array.from({ length: 4 }, () => userWithToken(env(), 'customer')),
    ]);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const system = () => systemContext({ clock: env().clock });
  const cartOf = (user: TestUser) => request(server).get('/api/cart').set(user.headers);

  it('lets staff keep codes (CRUD, PUT and PATCH) behind promotion:manage, and refuses bad input', async () => {
    const created = await request(server)
      .post('/api/promotions')
      .set(staff.headers)
      .send({ code: 'spring-25', kind: 'percentage', value: 2500, usage_limit: 10 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 'SPRING-25',
      kind: 'percentage',
      value: 2500,
      usage_limit: 10,
      usage_limit_per_customer: null,
      is_active: true,
      times_used: 0,
      category_ids: [],
    });
    const id = created.body.id;
    const duplicate = await request(server)
      .post('/api/promotions')
      .set(staff.headers)
      .send({ code: 'Spring-25', kind: 'fixed', value: 100 });
    expect(duplicate.status).toBe(409);
    for (const bad of [
      { code: 'X1', kind: 'fixed', value: 100 }, // too short
      { code: 'HALFOFF', kind: 'percentage', value: 10_001 },
      { code: 'SHIPIT', kind: 'free_shipping', value: 5 },
      { code: 'WINDOW', kind: 'fixed', value: 5, starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' },
      { code: 'TYPO', kind: 'fixed', value: 5, usage_limt: 3 },
      { code: 'NUL\u0000', kind: 'fixed', value: 5 },
    ]) {
      const res = await request(server).post('/api/promotions').set(staff.headers).send(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await request(server).get('/api/promotions').set(customer.headers)).status).toBe(403);
    expect(
      (
        await request(server)
          .post('/api/promotions')
          .set(customer.headers)
          .send({ code: 'MINE', kind: 'fixed', value: 1 })
      ).status,
    ).toBe(403);

    const patched = await request(server).patch(`/api/promotions/${id}`).set(staff.headers).send({ value: 2000 });
    expect(patched.body).toMatchObject({ code: 'SPRING-25', value: 2000, usage_limit: 10 });
    // A PATCH is checked as the whole it makes: a percentage of 150 % is refused.
    expect(
      (await request(server).patch(`/api/promotions/${id}`).set(staff.headers).send({ value: 15_000 })).status,
    ).toBe(400);
    expect((await request(server).put(`/api/promotions/${id}`).set(staff.headers).send({ value: 1 })).status).toBe(400);
    const put = await request(server).put(`/api/promotions/${id}`).set(staff.headers).send({
      code: 'SPRING-25',
      kind: 'fixed',
      value: 500,
      min_subtotal: null,
      starts_at: null,
      ends_at: null,
      usage_limit: null,
      usage_limit_per_customer: 1,
      category_ids: [],
      product_ids: [],
      is_active: false,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ kind: 'fixed', value: 500, usage_limit: null, is_active: false });
    const list = await request(server).get('/api/promotions').set(staff.headers);
    expect(list.body.results.map((p: { id: string }) => p.id)).toContain(id);
    expect((await request(server).delete(`/api/promotions/${id}`).set(staff.headers)).status).toBe(204);
    expect((await request(server).get(`/api/promotions/${id}`).set(staff.headers)).status).toBe(404);
  });

  it('shows a code’s discount live in the cart, refuses one that does not apply with the reason, and snapshots it', async () => {
    const mug = await publishedProduct(env(), { price: 2000, stock: 20 });
    const book = await publishedProduct(env(), { price: 1000, stock: 20 });
    const now = env().clock.now().getTime();
    const ten = code('TEN');
    const big = code('BIG');
    const old = code('OLD');
    const mugs = code('MUGS');
    await env().engine.promotions.createPromotion(system(), { code: ten, kind: 'percentage', value: 1000 });
    await env().engine.promotions.createPromotion(system(), {
      code: big,
      kind: 'fixed',
      value: 500,
      min_subtotal: 10_000,
    });
    await env().engine.promotions.createPromotion(system(), {
      code: old,
      kind: 'fixed',
      value: 100,
      ends_at: new Date(now - 1000).toISOString(),
    });
    await env().engine.promotions.createPromotion(system(), {
      code: mugs,
      kind: 'fixed',
      value: 300,
      product_ids: [mug.id],
    });

    await request(server).post('/api/cart/items').set(customer.headers).send({ product_id: mug.id, quantity: 2 });
    await request(server).post('/api/cart/items').set(customer.headers).send({ product_id: book.id, quantity: 1 });
    const refusals = async (c: string) => {
      const res = await request(server).post('/api/cart/promotions').set(customer.headers).send({ code: c });
      expect(res.status, c).toBe(409);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      return res.body.reason;
    };
    expect(await refusals(big)).toBe('minimum_not_met');
    expect(await refusals(old)).toBe('expired');
    expect(await refusals('NOSUCHCODE')).toBe('unknown');

    const applied = await request(server)
      .post('/api/cart/promotions')
      .set(customer.headers)
      .send({ code: ten.toLowerCase() });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      subtotal: 5000,
      discount_total: 500,
      total: 4500,
      discounts: [{ code: ten, amount: 500 }],
    });
    expect(applied.body.items.map((i: { discount_total: number }) => i.discount_total)).toEqual([400, 100]);
    // A targeted code takes its amount off the mugs only (after the percentage).
    const both = await request(server).post('/api/cart/promotions').set(customer.headers).send({ code: mugs });
    expect(both.body).toMatchObject({ discount_total: 800, total: 4200 });
    expect(both.body.items.map((i: { discount_total: number }) => i.discount_total)).toEqual([700, 100]);
    expect((await request(server).delete(`/api/cart/promotions/${mugs}`).set(customer.headers)).status).toBe(204);
    expect((await request(server).delete(`/api/cart/promotions/${mugs}`).set(customer.headers)).status).toBe(404);
    expect((await cartOf(customer)).body.discounts).toEqual([{ code: ten, amount: 500 }]);

    // Staff switch the code off meanwhile: the cart stops showing it and checkout refuses with the reason.
    const [promo] = (await env().engine.promotions.listPromotions(system())).filter((p) => p.code === ten);
    await env().engine.promotions.updatePromotion(system(), promo.id, { is_active: false });
    expect((await cartOf(customer)).body.discount_total).toBe(0);
    const refused = await request(server).post('/api/orders').set(customer.headers).send();
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: expect.stringMatching(/promotion-not-applicable$/),
      reason: 'inactive',
    });
    expect((await cartOf(customer)).body.items).toHaveLength(2); // rolled back: the cart is intact
    await env().engine.promotions.updatePromotion(system(), promo.id, { is_active: true });

    const placed = await request(server).post('/api/orders').set(customer.headers).send();
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      subtotal: 5000,
      discount_total: 500,
      total: 4500,
      discounts: [{ code: ten, amount: 500 }],
    });
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(1);
    // Later changes never alter the placed order; cancelling it gives its use back, once.
    await env().engine.promotions.updatePromotion(system(), promo.id, { value: 5000 });
    const cancelled = await request(server).post(`/api/orders/${placed.body.id}/cancel`).set(customer.headers);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', discount_total: 500, total: 4500 });
    expect((await request(server).post(`/api/orders/${placed.body.id}/cancel`).set(customer.headers)).status).toBe(409);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(0);
  });

  it('never lets 20 racing checkouts use a code limited to 5 more than 5 times', async () => {
    const mug = await publishedProduct(env(), { price: 1000, stock: 100 });
    const five = code('FIVE');
    const promo = await env().engine.promotions.createPromotion(system(), {
      code: five,
      kind: 'fixed',
      value: 100,
      usage_limit: 5,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        env().engine.orders.placeOrder(buyers[i % buyers.length].ctx, {
          items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
          promotion_codes: [five],
        }),
      ),
    );
    const placed = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && o.reason instanceof PromotionNotApplicableError,
    ) as PromiseRejectedResult[];
    expect(placed).toHaveLength(5);
    expect(refused).toHaveLength(15);
    expect(new Set(refused.map((r) => (r.reason as PromotionNotApplicableError).reason))).toEqual(
      new Set(['usage_limit_reached']),
    );
    for (const p of placed) expect(p.value.order.discounts).toEqual([{ code: five, amount: 100 }]);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(5);
    // The refused checkouts rolled back whole: only the five orders took stock.
    expect(await stockOf(env(), mug.variants[0].id)).toBe(95);
  });

  it('holds each customer to the per-customer limit, also when their checkouts race', async () => {
    const mug = await publishedProduct(env(), { price: 1000, stock: 100 });
    const once = code('ONCE');
    const promo = await env().engine.promotions.createPromotion(system(), {
      code: once,
      kind: 'percentage',
      value: 5000,
      usage_limit_per_customer: 1,
    });
    const [alice, bob] = buyers;
    const order = (user: TestUser) =>
      env().engine.orders.placeOrder(user.ctx, {
        items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
        promotion_codes: [once],
      });
    const outcomes = await Promise.allSettled([order(alice), order(alice), order(alice), order(bob)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    const reasons = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) => (o.reason as PromotionNotApplicableError).reason);
    expect(reasons).toEqual(['customer_limit_reached', 'customer_limit_reached']);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(2);
    // The cart says so too, before checkout.
    await request(server).post('/api/cart/items').set(alice.headers).send({ product_id: mug.id });
    const again = await request(server).post('/api/cart/promotions').set(alice.headers).send({ code: once });
    expect(again.body.reason).toBe('customer_limit_reached');
  });
  it('holds one customer to a per-customer limit of 2 when six checkouts race, with no total limit on the code', async () => {
    const mug = await publishedProduct(env(), { price: 1000, stock: 100 });
    const twice = code('TWICE');
    const promo = await env().engine.promotions.createPromotion(system(), {
      code: twice,
      kind: 'fixed',
      value: 100,
      usage_limit_per_customer: 2,
    });
    const [, , carol, dave] = buyers;
    const order = (user: TestUser) =>
      env().engine.orders.placeOrder(user.ctx, {
        items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
        promotion_codes: [twice],
      });
    const outcomes = await Promise.allSettled([...Array.from({ length: 6 }, () => order(carol)), order(dave)]);
    const placed = outcomes.filter((o) => o.status === 'fulfilled');
    expect(placed.map((o) => o.value.order.user_id).sort()).toEqual(
      [carol.user.id, carol.user.id, dave.user.id].sort(),
    );
    const reasons = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) => (o.reason as PromotionNotApplicableError).reason);
    expect(reasons).toEqual(Array.from({ length: 4 }, () => 'customer_limit_reached'));
    // The uses of a code without a total limit are its redemptions.
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(3);
    expect(await stockOf(env(), mug.variants[0].id)).toBe(97);
    // A cancelled order gives its use back once: carol may use the code once more, not twice.
    const carols = placed.filter((o) => o.value.order.user_id === carol.user.id);
    await env().engine.orders.cancelOrder(carol.ctx, carols[0].value.order.id);
    await expect(env().engine.orders.cancelOrder(carol.ctx, carols[0].value.order.id)).rejects.toThrow();
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(2);
    const again = await Promise.allSettled([order(carol), order(carol)]);
    expect(again.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(3);
    // Given a total limit later, the code counts on from its redemptions: one use is left of 4.
    await env().engine.promotions.updatePromotion(system(), promo.id, { usage_limit: 4 });
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(3);
    const last = await Promise.allSettled([order(dave), order(buyers[0]), order(buyers[1])]);
    expect(last.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(4);
  });

  it('checks out with a code that has no total limit without waiting on the promotion’s row', async () => {
    // PostgreSQL shows it: a checkout that counted the use on the row would wait for this lock (and
    // the test would time out). SQLite has one writer anyway; MySQL's foreign-key check of the
    // redemption takes a shared lock on the row, which an increment's lock would block.
    if (env().dialect !== 'postgres') return;
    const mug = await publishedProduct(env(), { price: 1000, stock: 10 });
    const open = code('OPEN');
    const promo = await env().engine.promotions.createPromotion(system(), { code: open, kind: 'fixed', value: 100 });
    const placed = await env().engine.store.unitOfWork.run(system(), async (tx) => {
      // What a concurrent checkout's conditional increment would hold until its commit.
      await (tx.tx as unknown as Knex.Transaction).raw('select id from promotions where id = ? for no key update', [
        promo.id,
      ]);
      return env().engine.orders.placeOrder(buyers[0].ctx, {
        items: [{ variant_id: mug.variants[0].id, quantity: 1 }],
        promotion_codes: [open],
      });
    });
    expect(placed.order.discounts).toEqual([{ code: open, amount: 100 }]);
    expect((await env().engine.promotions.getPromotion(system(), promo.id)).times_used).toBe(1);
  });
});
