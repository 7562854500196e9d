import type { Server } from 'node:http';
import { KnexStore } from '@emporia/adapters';
import { RefundLimitError, signWebhook, type MailMessage } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from './checkout-fixtures.js';

const SECRET = testConfig().paymentWebhookSecret!;
/** What the engine mailed, in order. */
const mails: MailMessage[] = [];
const mailer = { send: async (m: MailMessage) => (mails.push(m), { id: String(mails.length) }) };

describeEachDatabase(
  'refunds',
  (env) => {
    let server: Server;
    let alice: TestUser;
    let staff: TestUser;
    let variantId: string;
    beforeAll(async () => {
      server = env().app.listen(0);
      [alice, staff] = await Promise.all([userWithToken(env(), 'customer'), userWithToken(env(), 'staff')]);
      variantId = (await publishedProduct(env(), { price: 1999, stock: 1000 })).variants[0].id;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    function deliver(payload: Record<string, unknown>, secret = SECRET) {
      const raw = JSON.stringify(payload);
      const t = Math.floor(env().clock.now().getTime() / 1000);
      return request(server)
        .post('/api/payments/webhooks/hosted')
        .set('Content-Type', 'application/json')
        .set('Emporia-Signature', signWebhook(secret, raw, t))
        .send(raw);
    }

    /** A paid order of `quantity` units: manual (staff confirm) or hosted (signed success callback). */
    async function paidOrder(quantity: number, provider: 'manual' | 'hosted' = 'manual') {
      const placed = await request(server)
        .post('/api/orders')
        .set(alice.headers)
        .send({ items: [{ variant_id: variantId, quantity }] });
      expect(placed.status).toBe(201);
      const payment = await request(server)
        .post(`/api/orders/${placed.body.id}/payments`)
        .set(alice.headers)
        .send({ provider });
      expect(payment.status).toBe(201);
      if (provider === 'manual') {
        expect((await request(server).post(`/api/payments/${payment.body.id}/confirm`).set(staff.headers)).status).toBe(
          200,
        );
      } else {
        const { reference, amount } = payment.body;
        expect((await deliver({ reference, status: 'succeeded', amount })).status).toBe(200);
      }
      return {
        order: placed.body as { id: string; number: string; total: number },
        paymentId: payment.body.id as string,
      };
    }

    const refund = (orderId: string, body: Record<string, unknown>, user = staff) =>
      request(server).post(`/api/orders/${orderId}/refunds`).set(user.headers).send(body);
    const orderStatus = async (orderId: string) =>
      (await request(server).get(`/api/orders/${orderId}`).set(staff.headers)).body.status as string;
    const refundedAmount = async (paymentId: string) =>
      (await request(server).get(`/api/payments/${paymentId}`).set(staff.headers)).body.refunded_amount as number;

    it('refunds by items (restocking each unit once), then by amount, then the rest, and never past the payment', async () => {
      const { order, paymentId } = await paidOrder(3);
      expect(order.total).toBe(5997);
      const stock = await stockOf(env(), variantId);

      expect((await refund(order.id, { amount: 100 }, alice)).status).toBe(403);
      expect((await refund(order.id, { amount: 100, items: [{ variant_id: variantId, quantity: 1 }] })).status).toBe(
        400,
      );
      expect((await refund(order.id, { amount: 100, restock: true })).status).toBe(400);
      expect((await refund(order.id, { amount: 100, typo: 1 })).status).toBe(400);
      const notALine = await refund(order.id, { items: [{ variant_id: paymentId, quantity: 1 }] });
      expect(notALine.status).toBe(400);
      expect(notALine.body.errors[0].path).toBe('items.0.variant_id');

      const byItems = await refund(order.id, {
        items: [{ variant_id: variantId, quantity: 2 }],
        restock: true,
        reason: 'damaged in transit',
      });
      expect(byItems.status).toBe(201);
      expect(byItems.body).toMatchObject({
        status: 'completed',
        amount: 3998,
        provider: 'manual',
        reason: 'damaged in transit',
        restock: true,
        created_by: staff.user.id,
        lines: [{ variant_id: variantId, quantity: 2, amount: 3998 }],
      });
      expect(byItems.body.history.map((h: { to: string }) => h.to)).toEqual(['completed']);
      expect(await stockOf(env(), variantId)).toBe(stock + 2);
      expect(await orderStatus(order.id)).toBe('partially_refunded');

      // Only one unit is left to refund (and to restock); the cap counts what is refunded.
      expect((await refund(order.id, { items: [{ variant_id: variantId, quantity: 2 }], restock: true })).status).toBe(
        409,
      );
      const tooMuch = await refund(order.id, { amount: 2000 });
      expect(tooMuch.status).toBe(409);
      expect(tooMuch.body.type).toMatch(/refund-exceeds-payment$/);
      expect(await stockOf(env(), variantId)).toBe(stock + 2);

      expect((await refund(order.id, { amount: 999 })).body).toMatchObject({ status: 'completed', amount: 999 });
      const rest = await refund(order.id, {});
      expect(rest.body).toMatchObject({ status: 'completed', amount: 1000 });
      expect(await orderStatus(order.id)).toBe('refunded');
      expect(await refundedAmount(paymentId)).toBe(5997);
      expect((await refund(order.id, {})).status).toBe(409);

      const list = await request(server).get(`/api/orders/${order.id}/refunds`).set(alice.headers);
      expect(list.status).toBe(200);
      expect(list.body.results.map((r: { amount: number }) => r.amount)).toEqual([3998, 999, 1000]);
      const one = await request(server).get(`/api/refunds/${rest.body.id}`).set(alice.headers);
      expect(one.body).toMatchObject({ id: rest.body.id, order_id: order.id });

      const knex = (env().engine.store as KnexStore).knex;
      const events = await knex('outbox_events').where('type', 'refund.completed');
      expect(events.filter((e: { payload: string }) => String(e.payload).includes(order.id))).toHaveLength(3);
      await env().engine.jobs.createRunner().runUntilIdle();
      const refundMails = mails.filter((m) => m.to === alice.user.email && m.subject.startsWith('Refund of'));
      expect(refundMails.map((m) => m.subject).sort()).toEqual(
        ['$10.00', '$39.98', '$9.99'].map((amount) => `Refund of ${amount} for order ${order.number}`),
      );

      // Refund statuses follow refunds only; a pending order has nothing to refund.
      const placed = await request(server)
        .post('/api/orders')
        .set(alice.headers)
        .send({ items: [{ variant_id: variantId, quantity: 1 }] });
      expect(
        (await request(server).patch(`/api/orders/${placed.body.id}`).set(staff.headers).send({ status: 'refunded' }))
          .status,
      ).toBe(400);
      expect((await refund(placed.body.id, { amount: 1 })).status).toBe(409);
    });

    it('keeps a hosted refund pending until the signed callback: a failure gives the amount back', async () => {
      const { order, paymentId } = await paidOrder(1, 'hosted');
      const first = await refund(order.id, { amount: 500 });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ status: 'pending', provider: 'hosted' });
      expect(first.body.reference).toMatch(/^hr_/);
      expect(await refundedAmount(paymentId)).toBe(500);

      const reference = first.body.reference as string;
      expect((await deliver({ type: 'refund', reference, status: 'failed', amount: 500 }, 'wrong-secret')).status).toBe(
        400,
      );
      expect((await deliver({ type: 'refund', reference, status: 'failed', amount: 501 })).status).toBe(400);
      const failed = await deliver({ type: 'refund', reference, status: 'failed', amount: 500 });
      expect(failed.body).toEqual({ refund_id: first.body.id, payment_id: paymentId, status: 'failed', changed: true });
      expect(await refundedAmount(paymentId)).toBe(0);
      expect(await orderStatus(order.id)).toBe('paid');

      const second = await refund(order.id, { amount: 700 });
      const done = {
        type: 'refund',
        reference: second.body.reference,
        status: 'succeeded',
        amount: 700,
        event_id: 'evt_r1',
      };
      expect((await deliver(done)).body).toMatchObject({ status: 'completed', changed: true });
      expect((await deliver(done)).body).toMatchObject({ status: 'completed', changed: false });
      expect(await orderStatus(order.id)).toBe('partially_refunded');
      // The rest of a partially refunded order still ships.
      const shipped = await request(server)
        .patch(`/api/orders/${order.id}`)
        .set(staff.headers)
        .send({ status: 'shipped' });
      expect(shipped.body).toMatchObject({ status: 'shipped', next_statuses: ['delivered'] });
      const view = await request(server).get(`/api/refunds/${second.body.id}`).set(staff.headers);
      expect(view.body.history).toMatchObject([
        { from: 'pending', to: 'completed', actor: 'system', note: 'hosted webhook evt_r1' },
      ]);
    });

    it('never refunds more than was captured under 10 concurrent refunds', async () => {
      const { order, paymentId } = await paidOrder(2);
      const each = Math.ceil(order.total / 4);
      const answers = await Promise.all(Array.from({ length: 10 }, () => refund(order.id, { amount: each })));
      const accepted = answers.filter((a) => a.status === 201);
      expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
      expect(accepted.length).toBe(Math.floor(order.total / each));
      expect(accepted.reduce((sum, a) => sum + (a.body.amount as number), 0)).toBeLessThanOrEqual(order.total);
      expect(await refundedAmount(paymentId)).toBe(accepted.length * each);
      // The library throws the typed error.
      await expect(env().engine.payments.refundOrder(staff.ctx, order.id, { amount: order.total })).rejects.toThrow(
        RefundLimitError,
      );
    });
    it('refunds once per Idempotency-Key: a replay answers the same refund, another body is 422, racing requests refund once', async () => {
      const { order, paymentId } = await paidOrder(3);
      const keyed = (key: string, body: Record<string, unknown>, orderId = order.id) =>
        refund(orderId, body).set('Idempotency-Key', key);
      const first = await keyed('refund-1', { amount: 500, reason: 'late' });
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same key and body (fields in another order): the same refund, nothing refunded twice.
      const again = await keyed('refund-1', { reason: 'late', amount: 500 });
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await refundedAmount(paymentId)).toBe(500);
      // Another body, or another order, with the key: 422, and still one refund.
      const other = await keyed('refund-1', { amount: 600, reason: 'late' });
      expect(other.status).toBe(422);
      expect(other.headers['content-type']).toMatch(/application\/problem\+json/);
      const { order: second } = await paidOrder(1);
      expect((await keyed('refund-1', { amount: 500, reason: 'late' }, second.id)).status).toBe(422);
      expect(await refundedAmount(paymentId)).toBe(500);
      // A bad key is a 400; a refused refund leaves its key free for a corrected retry.
      expect((await keyed('bad key', { amount: 1 })).status).toBe(400);
      expect((await keyed('refund-2', { amount: order.total })).status).toBe(409);
      expect((await keyed('refund-2', { amount: 100 })).status).toBe(201);
      // Ten requests racing with one key: one refund; the rest replay it or are told it is running.
      const racing = await Promise.all(Array.from({ length: 10 }, () => keyed('refund-3', { amount: 700 })));
      expect(racing.every((a) => a.status === 201 || a.status === 409)).toBe(true);
      expect(new Set(racing.filter((a) => a.status === 201).map((a) => a.body.id)).size).toBe(1);
      expect(await refundedAmount(paymentId)).toBe(1300);
      const listed = await request(server).get(`/api/orders/${order.id}/refunds`).set(staff.headers);
      expect(listed.body.results.map((r: { amount: number }) => r.amount)).toEqual([500, 100, 700]);
      // The library takes the key too, scoped per actor: another staff user's same key is their own.
      const replayed: string[] = [];
      const lib = await env().engine.payments.refundOrder(
        staff.ctx,
        order.id,
        { amount: 700 },
        { idempotencyKey: 'refund-3', onReplay: () => replayed.push('yes') },
      );
      expect(lib.id).toBe(racing.find((a) => a.status === 201)!.body.id);
      expect(replayed).toEqual(['yes']);
      const colleague = await userWithToken(env(), 'staff');
      const theirs = await refund(order.id, { amount: 700 }, colleague).set('Idempotency-Key', 'refund-3');
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(lib.id);
      expect(await refundedAmount(paymentId)).toBe(2000);
    });
  },
  {},
  { notifications: { mailer } },
);
