import type { Server } from 'node:http';
import { ConflictError, ORDER_STATUSES, REFUND_ORDER_STATUSES, systemContext, type OrderStatus } from '@emporia/core';
import { ORDER_TRANSITIONS } from '../../core/src/orders/lifecycle.js';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from './checkout-fixtures.js';

/** The statuses staff set by PATCH; the refund statuses follow refunds (refunds.test.ts). */
const STAFF_STATUSES = ORDER_STATUSES.filter((s) => !REFUND_ORDER_STATUSES.includes(s));

/** The moves that lead from pending to each status staff set. */
const PATH_TO: Partial<Record<OrderStatus, OrderStatus[]>> = {
  pending: [],
  paid: ['paid'],
  shipped: ['paid', 'shipped'],
  delivered: ['paid', 'shipped', 'delivered'],
  cancelled: ['cancelled'],
};

describeEachDatabase(
  'orders',
  (env) => {
    let server: Server;
    let alice: TestUser;
    let bob: TestUser;
    let staff: TestUser;
    let variantId: string;
    beforeAll(async () => {
      server = env().app.listen(0);
      [alice, bob, staff] = await Promise.all([
        userWithToken(env(), 'customer'),
        userWithToken(env(), 'customer'),
        userWithToken(env(), 'staff'),
      ]);
      variantId = (await publishedProduct(env(), { price: 500, stock: 10_000 })).variants[0].id;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    async function place(user: TestUser, quantity = 1, id = variantId) {
      const res = await request(server)
        .post('/api/orders')
        .set(user.headers)
        .send({ items: [{ variant_id: id, quantity }] });
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string; status: OrderStatus; total: number };
    }

    async function orderIn(status: OrderStatus) {
      const order = await place(alice);
      for (const to of PATH_TO[status]!) {
        expect(
          (await request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status: to })).status,
        ).toBe(200);
      }
      return order;
    }

    it('allows exactly the transitions of the lifecycle and answers every other one with 409', async () => {
      const allowed = (from: OrderStatus, to: OrderStatus) =>
        ORDER_TRANSITIONS.some((r) => r.to === to && r.from.includes(from));
      for (const from of STAFF_STATUSES) {
        for (const to of ORDER_STATUSES) {
          const order = await orderIn(from);
          const res = await request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status: to });
          if (REFUND_ORDER_STATUSES.includes(to)) {
            expect(res.status, `${from} → ${to}`).toBe(400);
          } else if (allowed(from, to)) {
            expect(res.status, `${from} → ${to}`).toBe(200);
            expect(res.body.status).toBe(to);
          } else {
            expect(res.status, `${from} → ${to}`).toBe(409);
            expect(res.body.type).toBe('https://emporia.dev/problems/invalid-transition');
            expect((await request(server).get(`/api/orders/${order.id}`).set(staff.headers)).body.status).toBe(from);
          }
        }
      }
      const bogus = await request(server)
        .patch(`/api/orders/${(await place(alice)).id}`)
        .set(staff.headers)
        .send({ status: 'lost' });
      expect(bogus.status).toBe(400);
    });

    it('records who moved the order, when, from and to', async () => {
      const order = await place(alice);
      env().clock.advance(60_000);
      const at = env().clock.now().toISOString();
      await request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status: 'paid' });
      const res = await request(server).get(`/api/orders/${order.id}`).set(alice.headers);
      expect(res.body.history).toEqual([
        { from: 'pending', to: 'paid', actor: 'user', actor_id: staff.user.id, note: null, at },
      ]);
    });

    it('keeps orders private: customers read and list their own, another’s is 404; only staff move them', async () => {
      const order = await place(alice);
      expect((await request(server).get(`/api/orders/${order.id}`).set(bob.headers)).status).toBe(404);
      expect((await request(server).post(`/api/orders/${order.id}/cancel`).set(bob.headers)).status).toBe(404);
      expect((await request(server).get(`/api/orders/${order.id}`).set(staff.headers)).status).toBe(200);
      const patch = await request(server).patch(`/api/orders/${order.id}`).set(alice.headers).send({ status: 'paid' });
      expect(patch.status).toBe(403);
      expect((await request(server).get(`/api/orders/${order.id}`)).status).toBe(401);
      expect((await request(server).get('/api/orders/not-a-uuid').set(alice.headers)).status).toBe(400);
      expect(
        (await request(server).get('/api/orders/0192f0a0-0000-7000-8000-0000000000aa').set(staff.headers)).status,
      ).toBe(404);

      // A customer's user_id filter cannot reach another's orders: the list stays their own.
      const bobs = await place(bob);
      const own = await request(server).get('/api/orders').query({ user_id: alice.user.id }).set(bob.headers);
      expect(own.status).toBe(200);
      expect(own.body.count).toBe(1);
      expect(own.body.results.map((o: { id: string; user_id: string }) => [o.id, o.user_id])).toEqual([
        [bobs.id, bob.user.id],
      ]);
    });

    it('lets a customer cancel their own pending order once, and puts the stock back once', async () => {
      const product = await publishedProduct(env(), { stock: 10 });
      const id = product.variants[0].id;
      const order = await place(alice, 4, id);
      expect(await stockOf(env(), id)).toBe(6);
      const cancelled = await request(server).post(`/api/orders/${order.id}/cancel`).set(alice.headers);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect(cancelled.body.history).toEqual([
        expect.objectContaining({ from: 'pending', to: 'cancelled', actor_id: alice.user.id }),
      ]);
      expect(await stockOf(env(), id)).toBe(10);
      const again = await request(server).post(`/api/orders/${order.id}/cancel`).set(alice.headers);
      expect(again.status).toBe(409);
      expect(await stockOf(env(), id)).toBe(10);

      const paid = await place(alice, 1, id);
      await request(server).patch(`/api/orders/${paid.id}`).set(staff.headers).send({ status: 'paid' });
      expect((await request(server).post(`/api/orders/${paid.id}/cancel`).set(alice.headers)).status).toBe(409);
      // Staff may cancel a paid order; its stock comes back too.
      expect((await request(server).post(`/api/orders/${paid.id}/cancel`).set(staff.headers)).status).toBe(200);
      expect(await stockOf(env(), id)).toBe(10);
    });

    it('restores stock exactly once when cancels race', async () => {
      const product = await publishedProduct(env(), { stock: 20 });
      const id = product.variants[0].id;
      const order = await place(alice, 5, id);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2
            ? request(server).post(`/api/orders/${order.id}/cancel`).set(alice.headers)
            : request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status: 'cancelled' }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(11).fill(409)]);
      expect(await stockOf(env(), id)).toBe(20);
      const history = (await request(server).get(`/api/orders/${order.id}`).set(alice.headers)).body.history;
      expect(history).toHaveLength(1);
    });

    it('cancels an order whose product was deleted since: status, history and the stock of what is left', async () => {
      const gone = await publishedProduct(env(), { stock: 3 });
      const kept = await publishedProduct(env(), { stock: 5 });
      const placed = await request(server)
        .post('/api/orders')
        .set(alice.headers)
        .send({
          items: [
            { variant_id: gone.variants[0].id, quantity: 1 },
            { variant_id: kept.variants[0].id, quantity: 2 },
          ],
        });
      expect(placed.status).toBe(201);
      await env().engine.catalog.deleteProduct(systemContext(), gone.id);
      env().clock.advance(1_000);
      const at = env().clock.now().toISOString();

      const res = await request(server).post(`/api/orders/${placed.body.id}/cancel`).set(alice.headers);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(res.body.history).toEqual([
        { from: 'pending', to: 'cancelled', actor: 'user', actor_id: alice.user.id, note: null, at },
      ]);
      // The lines keep their snapshots although one product is gone.
      expect(res.body.items).toEqual(placed.body.items);
      expect((await request(server).get(`/api/orders/${placed.body.id}`).set(alice.headers)).body).toEqual(res.body);
      // The deleted variant has no stock to return; the other gets its two back.
      expect(await stockOf(env(), kept.variants[0].id)).toBe(5);
      expect((await request(server).post(`/api/orders/${placed.body.id}/cancel`).set(alice.headers)).status).toBe(409);
    });

    it('lets staff list all orders filtered by status, user and dates, by page or by cursor', async () => {
      const carol = await userWithToken(env(), 'customer');
      const start = env().clock.now().toISOString();
      const first = await place(carol);
      env().clock.advance(3600_000);
      const middle = env().clock.now().toISOString();
      const second = await place(carol);
      const third = await place(carol);
      await request(server).patch(`/api/orders/${third.id}`).set(staff.headers).send({ status: 'paid' });

      const all = await request(server).get('/api/orders').query({ user_id: carol.user.id }).set(staff.headers);
      expect(all.body.count).toBe(3);
      expect(all.body.results.map((o: { id: string }) => o.id)).toEqual([third.id, second.id, first.id]);
      const paid = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, status: 'paid' })
        .set(staff.headers);
      expect(paid.body.results.map((o: { id: string }) => o.id)).toEqual([third.id]);
      const early = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, created_after: start, created_before: middle })
        .set(staff.headers);
      expect(early.body.results.map((o: { id: string }) => o.id)).toEqual([first.id]);
      const late = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, created_after: middle })
        .set(staff.headers);
      expect(late.body.count).toBe(2);

      const page1 = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, page_size: 2 })
        .set(staff.headers);
      expect(page1.body.results).toHaveLength(2);
      expect(page1.body.next).toContain('page=2');
      const page2 = await request(server)
        .get(new URL(page1.body.next).pathname + new URL(page1.body.next).search)
        .set(staff.headers);
      expect(page2.body.results.map((o: { id: string }) => o.id)).toEqual([first.id]);
      expect(page2.body.next).toBeNull();

      const k1 = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, limit: 2 })
        .set(staff.headers);
      expect(k1.body.results).toHaveLength(2);
      const k2 = await request(server)
        .get('/api/orders')
        .query({ user_id: carol.user.id, limit: 2, cursor: k1.body.next_cursor })
        .set(staff.headers);
      expect(k2.body.results.map((o: { id: string }) => o.id)).toEqual([first.id]);
      expect(k2.body.next_cursor).toBeNull();

      expect(
        (await request(server).get('/api/orders').query({ cursor: 'garbage', limit: 2 }).set(staff.headers)).status,
      ).toBe(400);
      expect((await request(server).get('/api/orders?status[]=paid').set(staff.headers)).status).toBe(400);
      expect(
        (await request(server).get('/api/orders').query({ created_after: 'yesterday' }).set(staff.headers)).status,
      ).toBe(400);
      const mine = await request(server).get('/api/orders').set(carol.headers);
      expect(mine.body.count).toBe(3);
    });

    it('runs hooks an embedding app adds: a veto before, a side effect after', async () => {
      const order = await place(alice);
      const seen: string[] = [];
      const removeVeto = env().engine.orders.lifecycle.before((_ctx, change) => {
        if (change.to === 'shipped' && change.subject.total < 1000) throw new ConflictError('Too small to ship');
      });
      const removeAfter = env().engine.orders.lifecycle.after((_ctx, change) => {
        seen.push(`${change.subject.number}:${change.from}->${change.to}`);
      });
      try {
        await request(server).patch(`/api/orders/${order.id}`).set(staff.headers).send({ status: 'paid' });
        const vetoed = await request(server)
          .patch(`/api/orders/${order.id}`)
          .set(staff.headers)
          .send({ status: 'shipped' });
        expect(vetoed.status).toBe(409);
        expect(vetoed.body.detail).toBe('Too small to ship');
        const read = await request(server).get(`/api/orders/${order.id}`).set(staff.headers);
        expect(read.body.status).toBe('paid');
        expect(read.body.history).toHaveLength(1);
        expect(seen).toEqual([`${order.number}:pending->paid`]);
      } finally {
        removeVeto();
        removeAfter();
      }
    });
  },
  // Tests move the clock by hours; tokens must outlive that.
  { accessTokenTtl: 30 * 86400 },
);
