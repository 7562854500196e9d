import type { Server } from 'node:http';
import { signWebhook, systemContext, type MailMessage } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

const SECRET = testConfig().paymentWebhookSecret!;
/** What the engine mailed, in order. */
const mails: MailMessage[] = [];
const mailer = { send: async (m: MailMessage) => (mails.push(m), { id: String(mails.length) }) };

describeEachDatabase(
  'guest payments',
  (env) => {
    let server: Server;
    let customer: TestUser;
    let staff: TestUser;
    let variantId: string;
    beforeAll(async () => {
      server = env().app.listen(0);
      [customer, staff] = await Promise.all([userWithToken(env(), 'customer'), userWithToken(env(), 'staff')]);
      variantId = (await publishedProduct(env(), { price: 1250, stock: 100 })).variants[0].id;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    /** A guest's pending order of two units: its id and order token. */
    async function guestOrder(email: string): Promise<{ id: string; number: string; token: string; total: number }> {
      const cart = await request(server).post('/api/cart/items').send({ variant_id: variantId, quantity: 2 });
      const placed = await request(server)
        .post('/api/orders')
        .set('X-Cart-Token', cart.headers['x-cart-token'] as string)
        .send({ email });
      expect(placed.status).toBe(201);
      return {
        id: placed.body.id,
        number: placed.body.number,
        token: placed.body.order_token,
        total: placed.body.total,
      };
    }

    function deliver(payload: Record<string, unknown>) {
      const raw = JSON.stringify(payload);
      return request(server)
        .post('/api/payments/webhooks/hosted')
        .set('Content-Type', 'application/json')
        .set('Emporia-Signature', signWebhook(SECRET, raw, Math.floor(env().clock.now().getTime() / 1000)))
        .send(raw);
    }

    const pay = (orderRef: string, token?: string, body: Record<string, unknown> = { provider: 'hosted' }) => {
      const req = request(server).post(`/api/orders/${orderRef}/payments`);
      return (token === undefined ? req : req.set('X-Order-Token', token)).send(body);
    };

    it('lets a guest start and complete a hosted payment for their own order with its order token only', async () => {
      mails.length = 0;
      const order = await guestOrder('payer@example.test');
      const other = await guestOrder('someone@example.test');

      // No login and no token: 401. A wrong token, or another order's, reads like no such order: 404.
      expect((await pay(order.id)).status).toBe(401);
      const wrong = await pay(order.id, 'x'.repeat(43));
      expect(wrong.status).toBe(404);
      expect(wrong.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await pay(order.id, other.token)).status).toBe(404);
      // A customer's order has no token: none opens it.
      const own = await request(server)
        .post('/api/orders')
        .set(customer.headers)
        .send({ items: [{ variant_id: variantId, quantity: 1 }] });
      expect((await pay(own.body.id, order.token)).status).toBe(404);
      expect((await pay(order.id, order.token, { provider: 'nope' })).status).toBe(400);

      const started = await pay(order.number, order.token);
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({
        order_id: order.id,
        user_id: null,
        provider: 'hosted',
        status: 'pending',
        amount: order.total,
        checkout_url: expect.stringContaining(started.body.reference),
      });
      // The guest reads the payment with the order's token; another order's token or none does not.
      const read = (token?: string) => {
        const req = request(server).get(`/api/payments/${started.body.id}`);
        return token === undefined ? req : req.set('X-Order-Token', token);
      };
      expect((await read(order.token)).body).toMatchObject({ id: started.body.id, status: 'pending' });
      expect((await read(other.token)).status).toBe(404);
      expect((await read()).status).toBe(401);
      expect((await request(server).get(`/api/payments/${started.body.id}`).set(customer.headers)).status).toBe(404);

      // The gateway's signed callback completes it: the payment succeeds and the order is paid.
      const { reference, amount } = started.body;
      const paid = await deliver({ reference, status: 'succeeded', amount });
      expect(paid.body).toEqual({ payment_id: started.body.id, status: 'succeeded', changed: true });
      expect((await read(order.token)).body.status).toBe('succeeded');
      const orderRead = await request(server).get(`/api/orders/${order.id}`).set('X-Order-Token', order.token);
      expect(orderRead.body.status).toBe('paid');
      // Paid once: another payment is refused.
      expect((await pay(order.id, order.token)).status).toBe(409);
      // The payment's e-mail goes to the address the guest checked out with.
      await env().engine.jobs.createRunner().runUntilIdle();
      expect(mails.filter((m) => m.to === 'payer@example.test').map((m) => m.subject)).toEqual(
        expect.arrayContaining([expect.stringContaining(order.number)]),
      );
      expect(mails.filter((m) => m.to === 'payer@example.test')).toHaveLength(2);

      // Staff see it, and refund it like any other.
      const refunded = await request(server).post(`/api/orders/${order.id}/refunds`).set(staff.headers).send({});
      expect(refunded.status).toBe(201);

      // A verified sign-up with the e-mail takes the order over, and its payment with it.
      const owner = await userWithToken(env(), 'customer', { email: 'payer@example.test' });
      await env().engine.orders.claimGuestOrders(systemContext(), owner.user.id, 'payer@example.test');
      const mine = await request(server).get('/api/payments').set(owner.headers);
      expect(mine.body.results.map((p: { id: string; user_id: string }) => [p.id, p.user_id])).toEqual([
        [started.body.id, owner.user.id],
      ]);
    });

    it('lets the library pay for a guest order with its token', async () => {
      const order = await guestOrder('library@example.test');
      const anonymous = systemContext();
      const guest = { ...anonymous, actor: { kind: 'anonymous' as const } };
      await expect(
        env().engine.payments.createPayment(guest, order.id, { provider: 'manual' }, { orderToken: 'nope' }),
      ).rejects.toThrow(/not found/);
      const payment = await env().engine.payments.createPayment(
        guest,
        order.id,
        { provider: 'manual' },
        { orderToken: order.token },
      );
      expect(payment).toMatchObject({ user_id: null, provider: 'manual', status: 'pending' });
      expect((await env().engine.payments.getPayment(guest, payment.id, { orderToken: order.token })).id).toBe(
        payment.id,
      );
      // Staff confirm a manual one as for any order.
      expect((await request(server).post(`/api/payments/${payment.id}/confirm`).set(staff.headers)).body.status).toBe(
        'succeeded',
      );
    });
  },
  {},
  { notifications: { mailer } },
);
