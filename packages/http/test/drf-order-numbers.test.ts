import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

describeEachDatabase('orders by number', (env) => {
  let alice: TestUser;
  let bob: TestUser;
  let staff: TestUser;
  let variantId: string;
  const api = () => request(env().app);

  async function place(user: TestUser) {
    const res = await api()
      .post('/api/orders')
      .set(user.headers)
      .send({ items: [{ variant_id: variantId, quantity: 1 }] });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  }

  beforeAll(async () => {
    [alice, bob, staff] = await Promise.all([
      userWithToken(env(), 'customer'),
      userWithToken(env(), 'customer'),
      userWithToken(env(), 'staff'),
    ]);
    variantId = (await publishedProduct(env(), { price: 700, stock: 100 })).variants[0].id;
  });

  it('reads an order by its number, in any case', async () => {
    const order = await place(alice);
    expect(order.number).toMatch(/^EM-\d{6}$/);
    const byNumber = await api().get(`/api/orders/${order.number}`).set(alice.headers);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.id).toBe(order.id);
    const lower = await api().get(`/api/orders/${order.number.toLowerCase()}`).set(alice.headers);
    expect(lower.body.id).toBe(order.id);
  });

  it('keeps another customer’s order a 404 by number too, and an unknown number a 404', async () => {
    const order = await place(alice);
    expect((await api().get(`/api/orders/${order.number}`).set(bob.headers)).status).toBe(404);
    expect((await api().get('/api/orders/EM-999999999').set(alice.headers)).status).toBe(404);
  });

  it('answers a reference that is neither id nor number 400, saying both are taken', async () => {
    const res = await api().get('/api/orders/12345').set(alice.headers);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toBe('must be an order id or number (EM-001001)');
  });

  it('takes the number to change the status, cancel and pay', async () => {
    const paid = await place(alice);
    const moved = await api().patch(`/api/orders/${paid.number}`).set(staff.headers).send({ status: 'paid' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: paid.id, status: 'paid' });
    const cancelled = await place(alice);
    const res = await api().post(`/api/orders/${cancelled.number}/cancel`).set(alice.headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cancelled.id, status: 'cancelled' });
    const toPay = await place(alice);
    const payment = await api().post(`/api/orders/${toPay.number}/payments`).set(alice.headers).send({});
    expect(payment.status).toBe(201);
    expect(payment.body.order_id).toBe(toPay.id);
  });
});
