import type { Server } from 'node:http';
import { KnexStore } from '@emporia/adapters';
import { signWebhook } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from './checkout-fixtures.js';

const SECRET = testConfig().paymentWebhookSecret!;

describeEachDatabase('checkout', (env) => {
  let server: Server;
  let customer: TestUser;
  let staff: TestUser;
  beforeAll(async () => {
    // One listening server for every request: hundreds of parallel supertest calls share it.
    server = env().app.listen(0);
    customer = await userWithToken(env(), 'customer');
    staff = await userWithToken(env(), 'staff');
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('runs the storefront flow: guest cart, merge on login, checkout, hosted payment, shipping', async () => {
    const mug = await publishedProduct(env(), { price: 1250, stock: 10 });
    const shirt = await publishedProduct(env(), {
      variants: [
        { price: 2000, stock: 5 },
        { price: 2500, stock: 5 },
      ],
    });
    const [small, large] = shirt.variants;

    // A guest fills a cart; the server issues the token on the first answer.
    const guest = await request(server).post('/api/cart/items').send({ product_id: mug.id, quantity: 2 });
    expect(guest.status).toBe(201);
    const token = guest.headers['x-cart-token'];
    expect(token).toMatch(/^[\w-]{40,}$/);
    const again = await request(server)
      .post('/api/cart/items')
      .set('X-Cart-Token', token)
      .send({ variant_id: large.id, quantity: 1 });
    expect(again.headers['x-cart-token']).toBeUndefined();
    expect(again.body.items).toHaveLength(2);
    expect(again.body.subtotal).toBe(2 * 1250 + 2500);

    // The customer already has a mug line; logging in with the guest token merges the carts.
    await request(server)
      .post('/api/cart/items')
      .set(customer.headers)
      .send({ variant_id: mug.variants[0].id, quantity: 1 });
    const merged = await request(server).get('/api/cart').set(customer.headers).set('X-Cart-Token', token);
    expect(merged.status).toBe(200);
    expect(merged.body.user_id).toBe(customer.user.id);
    const lines = Object.fromEntries(
      merged.body.items.map((i: { variant_id: string; quantity: number }) => [i.variant_id, i.quantity]),
    );
    expect(lines).toEqual({ [mug.variants[0].id]: 3, [large.id]: 1 });
    expect(merged.body).toMatchObject({
      subtotal: 3 * 1250 + 2500,
      total: 3 * 1250 + 2500,
      currency: 'USD',
      checkout_ready: true,
    });
    // The guest token is spent: it opens a fresh, empty cart now.
    const spent = await request(server).get('/api/cart').set('X-Cart-Token', token);
    expect(spent.body.items).toEqual([]);
    expect(spent.headers['x-cart-token']).toBeDefined();

    const placed = await request(server).post('/api/orders').set(customer.headers).send();
    expect(placed.status).toBe(201);
    const order = placed.body;
    expect(order).toMatchObject({
      number: expect.stringMatching(/^EM-\d{6,}$/),
      status: 'pending',
      subtotal: 6250,
      total: 6250,
      currency: 'USD',
      user_id: customer.user.id,
      history: [],
    });
    expect(order.items).toEqual(
      expect.arrayContaining([
        {
          variant_id: mug.variants[0].id,
          product_id: mug.id,
          sku: mug.variants[0].sku,
          name: mug.name,
          unit_price: 1250,
          quantity: 3,
          discount_total: 0,
          tax_total: 0,
          line_total: 3750,
        },
        expect.objectContaining({
          variant_id: large.id,
          sku: large.sku,
          unit_price: 2500,
          quantity: 1,
          line_total: 2500,
        }),
      ]),
    );
    expect(await stockOf(env(), mug.variants[0].id)).toBe(7);
    expect(await stockOf(env(), large.id)).toBe(4);
    expect(await stockOf(env(), small.id)).toBe(5);
    expect((await request(server).get('/api/cart').set(customer.headers)).body.items).toEqual([]);

    // A price change later does not touch the order's snapshot.
    const read = await request(server).get(`/api/orders/${order.id}`).set(customer.headers);
    expect(read.body.items).toEqual(order.items);

    const payment = await request(server)
      .post(`/api/orders/${order.id}/payments`)
      .set(customer.headers)
      .send({ provider: 'hosted' });
    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({ status: 'pending', amount: 6250, currency: 'USD', provider: 'hosted' });
    expect(payment.body.checkout_url).toContain(payment.body.reference);

    const body = JSON.stringify({
      reference: payment.body.reference,
      status: 'succeeded',
      amount: 6250,
      event_id: 'evt_1',
    });
    const t = Math.floor(env().clock.now().getTime() / 1000);
    const hook = await request(server)
      .post('/api/payments/webhooks/hosted')
      .set('Content-Type', 'application/json')
      .set('Emporia-Signature', signWebhook(SECRET, body, t))
      .send(body);
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ payment_id: payment.body.id, status: 'succeeded', changed: true });

    const paid = await request(server).get(`/api/orders/${order.id}`).set(customer.headers);
    expect(paid.body.status).toBe('paid');
    expect(paid.body.history).toEqual([
      expect.objectContaining({ from: 'pending', to: 'paid', actor: 'system', note: 'hosted webhook evt_1' }),
    ]);

    for (const status of ['shipped', 'delivered']) {
      const moved = await request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status });
      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe(status);
    }
    const final = await request(server).get(`/api/orders/${order.id}`).set(customer.headers);
    expect(final.body.history.map((h: { to: string }) => h.to)).toEqual(['paid', 'shipped', 'delivered']);
    expect(final.body.history[1]).toMatchObject({ from: 'paid', actor: 'user', actor_id: staff.user.id });

    const knex = (env().engine.store as KnexStore).knex;
    const events = await knex('outbox_events')
      .whereIn('type', ['order.placed', 'order.status_changed', 'payment.completed'])
      .orderBy('id');
    const mine = events.filter((e: { payload: string }) => String(e.payload).includes(order.id));
    expect(mine.map((e: { type: string }) => e.type)).toEqual([
      'order.placed',
      'order.status_changed',
      'payment.completed',
      'order.status_changed',
      'order.status_changed',
    ]);
  });

  it('takes stock all or nothing and names every short SKU', async () => {
    const a = await publishedProduct(env(), { stock: 5 });
    const b = await publishedProduct(env(), { stock: 1 });
    const c = await publishedProduct(env(), { stock: 0 });
    const res = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .send({
        items: [
          { variant_id: a.variants[0].id, quantity: 2 },
          { product_id: b.id, quantity: 2 },
          { product_id: c.id, quantity: 1 },
        ],
      });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.type).toBe('https://emporia.dev/problems/out-of-stock');
    expect([...res.body.skus].sort()).toEqual([b.variants[0].sku, c.variants[0].sku].sort());
    expect(await stockOf(env(), a.variants[0].id)).toBe(5);
    expect(await stockOf(env(), b.variants[0].id)).toBe(1);
  });

  it('answers bad checkout input with 400 and anonymous callers with 401', async () => {
    const empty = await userWithToken(env(), 'customer');
    const noCart = await request(server).post('/api/orders').set(empty.headers).send({});
    expect(noCart.status).toBe(400);
    expect(noCart.body.errors[0].path).toBe('items');
    const zero = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .send({ items: [{ variant_id: '0192f0a0-0000-7000-8000-0000000000aa', quantity: 0 }] });
    expect(zero.status).toBe(400);
    expect(zero.body.errors.map((e: { path: string }) => e.path)).toContain('body.items.0.quantity');
    const unknown = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .send({ items: [{ variant_id: '0192f0a0-0000-7000-8000-0000000000aa', quantity: 1 }] });
    expect(unknown.status).toBe(400);
    const both = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .send({ items: [{ quantity: 1 }] });
    expect(both.status).toBe(400);
    expect((await request(server).post('/api/orders').send({})).status).toBe(401);
  });

  it('replays an Idempotency-Key: same body same answer, other body 422, rejected input not stored', async () => {
    const mug = await publishedProduct(env(), { stock: 10 });
    const items = [{ variant_id: mug.variants[0].id, quantity: 2 }];
    const first = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-1')
      .send({ items });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const replay = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-1')
      .send({ items });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await stockOf(env(), mug.variants[0].id)).toBe(8);

    const other = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-1')
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: 3 }] });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('https://emporia.dev/problems/idempotency-key-reused');

    // Keys are per user: another customer's k-1 is a new request.
    const someoneElse = await userWithToken(env(), 'customer');
    const theirs = await request(server)
      .post('/api/orders')
      .set(someoneElse.headers)
      .set('Idempotency-Key', 'k-1')
      .send({ items });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);

    // Rejected by validation (in the router or the service): not stored, the corrected retry runs.
    const bad = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-2')
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: -1 }] });
    expect(bad.status).toBe(400);
    const tooMany = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-2')
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: 1000 }] });
    expect(tooMany.status).toBe(400);
    const fixed = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-2')
      .send({ items });
    expect(fixed.status).toBe(201);

    // Out of stock is an answer: replayed as the same 409, nothing taken.
    const short = [{ variant_id: mug.variants[0].id, quantity: 50 }];
    const no = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-3')
      .send({ items: short });
    const noAgain = await request(server)
      .post('/api/orders')
      .set(customer.headers)
      .set('Idempotency-Key', 'k-3')
      .send({ items: short });
    expect([no.status, noAgain.status]).toEqual([409, 409]);
    expect(noAgain.body.skus).toEqual(no.body.skus);
    expect(await stockOf(env(), mug.variants[0].id)).toBe(4);

    // Kept 24 hours: after that the key is free again.
    env().clock.advance(24 * 3600 * 1000 + 1000);
    const later = await userWithToken(env(), 'customer');
    const fresh1 = await request(server)
      .post('/api/orders')
      .set(later.headers)
      .set('Idempotency-Key', 'k-4')
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: 1 }] });
    env().clock.advance(24 * 3600 * 1000 + 1000);
    const fresh2 = await request(server)
      .post('/api/orders')
      .set(await tokenFor(later))
      .set('Idempotency-Key', 'k-4')
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: 1 }] });
    expect(fresh1.status).toBe(201);
    expect(fresh2.status).toBe(201);
    expect(fresh2.body.id).not.toBe(fresh1.body.id);

    // Expired keys are swept by the purge (staff or a system job), live ones stay.
    const knex = (env().engine.store as KnexStore).knex;
    const scope = `user:${later.user.id}`;
    expect(await knex('idempotency_keys').where({ scope })).toHaveLength(1);
    await expect(env().engine.orders.purgeExpiredIdempotencyKeys(customer.ctx)).rejects.toThrow(/permission/);
    expect(await env().engine.orders.purgeExpiredIdempotencyKeys(staff.ctx)).toBeGreaterThan(0);
    expect(await knex('idempotency_keys').where({ scope })).toHaveLength(1);
    expect(await knex('idempotency_keys').where('expires_at', '<=', env().clock.now().toISOString())).toHaveLength(0);
  });

  async function tokenFor(user: TestUser): Promise<{ Authorization: string }> {
    const { access } = await env().engine.identity.login(user.ctx, {
      email: user.user.email,
      password: 'correct horse battery staple',
    });
    return { Authorization: `Bearer ${access}` };
  }

  it('answers 409 while a request with the key runs, and takes over a claim abandoned past the request timeout, placing exactly one order', async () => {
    const mug = await publishedProduct(env(), { stock: 10 });
    const buyer = await userWithToken(env(), 'customer');
    const items = [{ variant_id: mug.variants[0].id, quantity: 1 }];
    const done = await request(server)
      .post('/api/orders')
      .set(buyer.headers)
      .set('Idempotency-Key', 'k-done')
      .send({ items });
    expect(done.status).toBe(201);
    // A claim for the same body whose request is still running (or died before committing).
    const knex = (env().engine.store as KnexStore).knex;
    const row = await knex('idempotency_keys')
      .where({ scope: `user:${buyer.user.id}`, key: 'k-done' })
      .first();
    await knex('idempotency_keys').insert({
      ...row,
      id: '0192f0a0-0000-7000-8000-00000000abcd',
      key: 'k-running',
      status: 'in_progress',
      response_status: null,
      response_body: null,
      created_at: env().clock.now().toISOString(),
    });
    const busy = await request(server)
      .post('/api/orders')
      .set(buyer.headers)
      .set('Idempotency-Key', 'k-running')
      .send({ items });
    expect(busy.status).toBe(409);
    expect(busy.body.type).toBe('https://emporia.dev/problems/conflict');
    expect(await stockOf(env(), mug.variants[0].id)).toBe(9);
    // Just inside REQUEST_TIMEOUT (+ grace) the request may still be running; past it, it cannot.
    env().clock.advance(env().engine.config.requestTimeout * 1000 + 4_000);
    const still = await request(server)
      .post('/api/orders')
      .set(await tokenFor(buyer))
      .set('Idempotency-Key', 'k-running')
      .send({ items });
    expect(still.status).toBe(409);
    env().clock.advance(2_000);
    const token = await tokenFor(buyer);
    const taken = await request(server)
      .post('/api/orders')
      .set(token)
      .set('Idempotency-Key', 'k-running')
      .send({ items });
    expect(taken.status).toBe(201);
    expect(await stockOf(env(), mug.variants[0].id)).toBe(8);
    const replay = await request(server)
      .post('/api/orders')
      .set(token)
      .set('Idempotency-Key', 'k-running')
      .send({ items });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(taken.body.id);
    expect(await stockOf(env(), mug.variants[0].id)).toBe(8);
  });

  it('checks a cart out once when checkouts of it race, even without an Idempotency-Key', async () => {
    const mug = await publishedProduct(env(), { stock: 20 });
    const buyer = await userWithToken(env(), 'customer');
    await request(server).post('/api/cart/items').set(buyer.headers).send({ product_id: mug.id, quantity: 3 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => request(server).post('/api/orders').set(buyer.headers).send()),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400, 400, 400, 400, 400]);
    expect(await stockOf(env(), mug.variants[0].id)).toBe(17);
    expect((await request(server).get('/api/cart').set(buyer.headers)).body.items).toEqual([]);
  });

  it('places exactly one order for 10 parallel requests with one Idempotency-Key', async () => {
    const mug = await publishedProduct(env(), { stock: 100 });
    const buyer = await userWithToken(env(), 'customer');
    const items = [{ variant_id: mug.variants[0].id, quantity: 1 }];
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(server).post('/api/orders').set(buyer.headers).set('Idempotency-Key', 'same-key').send({ items }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const orderIds = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
    expect(orderIds.size).toBe(1);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body.type).toBe('https://emporia.dev/problems/conflict');
    }
    expect(await stockOf(env(), mug.variants[0].id)).toBe(99);
    const mine = await request(server).get('/api/orders').set(buyer.headers);
    expect(mine.body.count).toBe(1);
    // After the race, the key replays the one order.
    const replay = await request(server)
      .post('/api/orders')
      .set(buyer.headers)
      .set('Idempotency-Key', 'same-key')
      .send({ items });
    expect(replay.status).toBe(201);
    expect(orderIds.has(replay.body.id)).toBe(true);
  });

  it('sells a stock of 50 to exactly 50 of 200 concurrent checkouts; the rest get clean 409s', async () => {
    const mug = await publishedProduct(env(), { stock: 50 });
    const buyers = await Promise.all(Array.from({ length: 4 }, () => userWithToken(env(), 'customer')));
    const items = [{ variant_id: mug.variants[0].id, quantity: 1 }];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(server)
          .post('/api/orders')
          .set(buyers[i % 4].headers)
          .send({ items }),
      ),
    );
    const count = (s: number) => answers.filter((a) => a.status === s).length;
    expect(count(201)).toBe(50);
    expect(count(409)).toBe(150);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toMatchObject({ type: 'https://emporia.dev/problems/out-of-stock', skus: [mug.variants[0].sku] });
    }
    expect(await stockOf(env(), mug.variants[0].id)).toBe(0);
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.number)).size).toBe(50);
  });

  it('does not deadlock when carts share two variants in opposite orders', async () => {
    const shirt = await publishedProduct(env(), {
      variants: [
        { price: 1000, stock: 40 },
        { price: 1000, stock: 40 },
      ],
    });
    const [v1, v2] = shirt.variants;
    const buyer = await userWithToken(env(), 'customer');
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        request(server)
          .post('/api/orders')
          .set(buyer.headers)
          .send({
            items:
              i % 2 === 0
                ? [
                    { variant_id: v1.id, quantity: 1 },
                    { variant_id: v2.id, quantity: 1 },
                  ]
                : [
                    { variant_id: v2.id, quantity: 1 },
                    { variant_id: v1.id, quantity: 1 },
                  ],
          }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(40);
    expect(statuses.filter((s) => s === 409)).toHaveLength(20);
    expect(await stockOf(env(), v1.id)).toBe(0);
    expect(await stockOf(env(), v2.id)).toBe(0);
  });
});
