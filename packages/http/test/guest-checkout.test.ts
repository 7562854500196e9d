import type { Server } from 'node:http';
import type { KnexStore } from '@emporia/adapters';
import { systemContext, type Mailer, type MailMessage } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

const GUEST_CHECKOUTS_PER_HOUR = 14;
const STOREFRONT_URL = 'https://shop.example';

/** Every mail the engine handed to its mailer. */
const sent: MailMessage[] = [];
const mailer: Mailer = {
  async send(message) {
    sent.push(message);
    return { id: `<${sent.length}@test>` };
  },
};

describeEachDatabase(
  'guest checkout',
  (env) => {
    let server: Server;
    beforeAll(() => {
      server = env().app.listen(0);
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    /** A fresh guest cart holding one mug; its token. */
    async function guestCart(): Promise<string> {
      const mug = await publishedProduct(env(), { price: 1500, stock: 50 });
      const res = await request(server).post('/api/cart/items').send({ product_id: mug.id, quantity: 2 });
      return res.headers['x-cart-token'] as string;
    }

    it('places an order without an account and reads it with the order token only', async () => {
      const token = await guestCart();
      const noEmail = await request(server).post('/api/orders').set('X-Cart-Token', token).send({});
      expect(noEmail.status).toBe(400);
      expect(noEmail.body.errors).toEqual([expect.objectContaining({ path: 'email' })]);

      const placed = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', token)
        .send({ email: 'Guest@Example.test' });
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({
        status: 'pending',
        user_id: null,
        guest_email: 'guest@example.test',
        total: 3000,
        order_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const { id, number, order_token: orderToken } = placed.body;
      // The cart is spent.
      expect((await request(server).get('/api/cart').set('X-Cart-Token', token)).body.items).toEqual([]);

      const read = await request(server).get(`/api/orders/${id}`).set('X-Order-Token', orderToken);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id, number, total: 3000 });
      expect(read.body.order_token).toBeUndefined();
      expect((await request(server).get(`/api/orders/${number}`).set('X-Order-Token', orderToken)).status).toBe(200);
      // A wrong token reads like an order that does not exist; none at all asks for a login.
      const wrong = await request(server).get(`/api/orders/${id}`).set('X-Order-Token', 'x'.repeat(43));
      expect(wrong.status).toBe(404);
      const unknown = await request(server)
        .get('/api/orders/0192f0a0-0000-7000-8000-00000000beef')
        .set('X-Order-Token', orderToken);
      expect(unknown.status).toBe(404);
      expect(wrong.body.detail.replace(id, '?')).toBe(
        unknown.body.detail.replace('0192f0a0-0000-7000-8000-00000000beef', '?'),
      );
      expect((await request(server).get(`/api/orders/${id}`)).status).toBe(401);
      // Another order's token opens only that order.
      const other = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', await guestCart())
        .send({ email: 'b@example.test' });
      expect((await request(server).get(`/api/orders/${id}`).set('X-Order-Token', other.body.order_token)).status).toBe(
        404,
      );

      // Registering with the e-mail hands the orders over once the address is verified (claimGuestOrders).
      const owner = await userWithToken(env(), 'customer', { email: 'guest@example.test' });
      expect((await request(server).get('/api/orders').set(owner.headers)).body.count).toBe(0);
      expect(await env().engine.orders.claimGuestOrders(systemContext(), owner.user.id, 'GUEST@example.test')).toBe(1);
      const mine = await request(server).get('/api/orders').set(owner.headers);
      expect(mine.body.results.map((o: { id: string }) => o.id)).toEqual([id]);
      await expect(env().engine.orders.claimGuestOrders(owner.ctx, owner.user.id, 'b@example.test')).rejects.toThrow(
        /permission|forbidden/i,
      );
    });

    it('mails the guest a link carrying the order token, which no event payload holds', async () => {
      const email = `mailed-${Math.random().toString(36).slice(2, 10)}@example.test`;
      const placed = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', await guestCart())
        .send({ email });
      expect(placed.status).toBe(201);
      const { id, number, order_token: answered } = placed.body;
      await env().engine.jobs.createRunner().runUntilIdle();
      const mails = sent.filter((m) => m.to === email);
      expect(mails.map((m) => m.subject)).toEqual([`Order ${number} received`]);
      const link = new RegExp(`${STOREFRONT_URL}/orders/${number}#token=([A-Za-z0-9_-]{43})`);
      const mailed = link.exec(mails[0].text)?.[1];
      expect(mailed).toBe(answered);
      expect(mails[0].html).toContain(`href="${STOREFRONT_URL}/orders/${number}#token=${mailed}"`);
      const read = await request(server).get(`/api/orders/${number}`).set('X-Order-Token', mailed!);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(id);

      // The events (what webhooks and live streams carry) and their deliveries never hold it.
      const knex = (env().engine.store as KnexStore).knex;
      const events = await knex('outbox_events').select('type', 'payload');
      const ofOrder = events.filter((e: { payload: unknown }) => JSON.stringify(e.payload).includes(id));
      expect(ofOrder.map((e: { type: string }) => e.type)).toContain('order.placed');
      for (const e of events) expect(JSON.stringify(e.payload)).not.toContain(mailed);
      for (const d of await knex('webhook_deliveries')) expect(JSON.stringify(d)).not.toContain(mailed);
    });

    it('keeps a guest’s e-mail on the cart (PATCH /api/cart) for a checkout given none; one given at checkout wins', async () => {
      const token = await guestCart();
      const patch = (body: object, headers: Record<string, string> = { 'X-Cart-Token': token }) =>
        request(server).patch('/api/cart').set(headers).send(body);
      const bad = await patch({ email: 'not an address' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'body.email' })]);
      const set = await patch({ email: '  Cart.Guest@Example.TEST ' });
      expect(set.status).toBe(200);
      expect(set.body.email).toBe('cart.guest@example.test');
      expect((await request(server).get('/api/cart').set('X-Cart-Token', token)).body.email).toBe(
        'cart.guest@example.test',
      );
      // A later PATCH of something else leaves it; null clears it, and checkout then asks for one.
      expect((await patch({ billing_address: null })).body.email).toBe('cart.guest@example.test');
      expect((await patch({ email: null })).body.email).toBeNull();
      const none = await request(server).post('/api/orders').set('X-Cart-Token', token).send({});
      expect(none.status).toBe(400);
      expect(none.body.errors).toEqual([expect.objectContaining({ path: 'email' })]);
      // The failed checkout took nothing: the cart still holds its lines.
      expect((await request(server).get('/api/cart').set('X-Cart-Token', token)).body.item_count).toBe(2);

      await patch({ email: 'cart.guest@example.test' });
      const placed = await request(server).post('/api/orders').set('X-Cart-Token', token).send({});
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ user_id: null, guest_email: 'cart.guest@example.test' });
      expect(placed.body.order_token).toEqual(expect.any(String));

      const other = await guestCart();
      await patch({ email: 'on.cart@example.test' }, { 'X-Cart-Token': other });
      const given = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', other)
        .send({ email: 'At.Checkout@example.test' });
      expect(given.status).toBe(201);
      expect(given.body.guest_email).toBe('at.checkout@example.test');

      // A customer's cart uses the account's e-mail.
      const customer = await userWithToken(env(), 'customer');
      const own = await patch({ email: 'else@example.test' }, customer.headers);
      expect(own.status).toBe(400);
      expect(own.body.errors).toEqual([expect.objectContaining({ path: 'email' })]);
      expect((await request(server).get('/api/cart').set(customer.headers)).body.email).toBeNull();
    });

    it('replays a guest checkout by Idempotency-Key, scoped to the cart token', async () => {
      const token = await guestCart();
      const send = (cartToken: string, body: object = { email: 'replay@example.test' }) =>
        request(server)
          .post('/api/orders')
          .set('X-Cart-Token', cartToken)
          .set('Idempotency-Key', 'guest-key-1')
          .send(body);
      const first = await send(token);
      expect(first.status).toBe(201);
      const again = await send(token);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await send(token, { email: 'other@example.test' })).status).toBe(422);
      // The same key from another guest cart is another request.
      const elsewhere = await send(await guestCart());
      expect(elsewhere.status).toBe(201);
      expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
      expect(elsewhere.body.id).not.toBe(first.body.id);
    });

    it('limits guest checkouts per client address (429 with Retry-After)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < GUEST_CHECKOUTS_PER_HOUR; i++) {
        const token = await guestCart();
        statuses.push(
          (await request(server).post('/api/orders').set('X-Cart-Token', token).send({ email: 'r@example.test' }))
            .status,
        );
        if (statuses.at(-1) === 429) break;
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((s) => s === 201 || s === 400)).toBe(true);
      const limited = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', await guestCart())
        .send({ email: 'r@example.test' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // A logged-in checkout is not a guest checkout: it is not counted.
      const customer = await userWithToken(env(), 'customer');
      const mug = await publishedProduct(env(), { stock: 5 });
      const own = await request(server)
        .post('/api/orders')
        .set(customer.headers)
        .send({ items: [{ product_id: mug.id, quantity: 1 }] });
      expect(own.status).toBe(201);
    });
  },
  { guestCheckoutsPerHour: GUEST_CHECKOUTS_PER_HOUR, storefrontUrl: STOREFRONT_URL },
  { notifications: { mailer } },
);
