import type { Server } from 'node:http';
import { KnexStore } from '@emporia/adapters';
import { InvalidSignatureError, signWebhook, verifyWebhook } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

const SECRET = testConfig().paymentWebhookSecret!;

describe('webhook signatures', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const t = now.getTime() / 1000;
  const body = '{"reference":"hp_1","status":"succeeded","amount":100}';

  it('accepts its own signature within the 5-minute tolerance', () => {
    expect(signWebhook(SECRET, body, t)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => verifyWebhook(SECRET, body, signWebhook(SECRET, body, t - 299), now)).not.toThrow();
    expect(() => verifyWebhook(SECRET, Buffer.from(body), signWebhook(SECRET, body, t + 299), now)).not.toThrow();
    // Several v1 entries (a rotated secret): any match is enough.
    const both = `${signWebhook('old-secret', body, t)},v1=${signWebhook(SECRET, body, t).split('v1=')[1]}`;
    expect(() => verifyWebhook(SECRET, body, both, now)).not.toThrow();
  });

  it.each([
    ['missing header', undefined],
    ['garbage', 'hello'],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['stale timestamp', signWebhook(SECRET, body, t - 301)],
    ['future timestamp', signWebhook(SECRET, body, t + 301)],
    ['other secret', signWebhook('not-the-secret', body, t)],
    ['other body', signWebhook(SECRET, body.replace('100', '1'), t)],
    ['other timestamp', signWebhook(SECRET, body, t).replace(`t=${t}`, `t=${t - 1}`)],
  ])('rejects %s', (_case, header) => {
    expect(() => verifyWebhook(SECRET, body, header, now)).toThrow(InvalidSignatureError);
  });
});

describeEachDatabase('payments', (env) => {
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
    variantId = (await publishedProduct(env(), { price: 1999, stock: 1000 })).variants[0].id;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  async function order(user = alice, quantity = 2) {
    const res = await request(server)
      .post('/api/orders')
      .set(user.headers)
      .send({ items: [{ variant_id: variantId, quantity }] });
    expect(res.status).toBe(201);
    return res.body as { id: string; total: number; status: string };
  }

  async function pay(orderId: string, provider = 'hosted', user = alice) {
    const res = await request(server).post(`/api/orders/${orderId}/payments`).set(user.headers).send({ provider });
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; amount: number; status: string };
  }

  function deliver(payload: Record<string, unknown>, options: { secret?: string; skew?: number; raw?: string } = {}) {
    const raw = options.raw ?? JSON.stringify(payload);
    const t = Math.floor(env().clock.now().getTime() / 1000) + (options.skew ?? 0);
    return request(server)
      .post('/api/payments/webhooks/hosted')
      .set('Content-Type', 'application/json')
      .set('Emporia-Signature', signWebhook(options.secret ?? SECRET, raw, t))
      .send(raw);
  }

  async function state(paymentId: string, orderId: string) {
    const p = await request(server).get(`/api/payments/${paymentId}`).set(staff.headers);
    const o = await request(server).get(`/api/orders/${orderId}`).set(staff.headers);
    return { payment: p.body.status, order: o.body.status };
  }

  async function completedEvents(paymentId: string) {
    const knex = (env().engine.store as KnexStore).knex;
    const rows = await knex('outbox_events').where('type', 'payment.completed');
    return rows.filter((r: { payload: string }) => String(r.payload).includes(paymentId));
  }

  it('creates a payment only for the owner’s pending order, for exactly its total', async () => {
    const o = await order();
    const p = await pay(o.id);
    expect(p).toMatchObject({ amount: o.total, status: 'pending', order_id: o.id, user_id: alice.user.id });
    expect((await request(server).post(`/api/orders/${o.id}/payments`).set(bob.headers).send({})).status).toBe(404);
    expect((await request(server).post(`/api/orders/${o.id}/payments`).set(staff.headers).send({})).status).toBe(403);
    const unknown = await request(server)
      .post(`/api/orders/${o.id}/payments`)
      .set(alice.headers)
      .send({ provider: 'paypal' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('provider');
    await request(server).post(`/api/orders/${o.id}/cancel`).set(alice.headers);
    expect((await request(server).post(`/api/orders/${o.id}/payments`).set(alice.headers).send({})).status).toBe(409);
  });

  it('marks payment succeeded and order paid on a signed success, once, however often it is delivered', async () => {
    const o = await order();
    const p = await pay(o.id);
    const payload = { reference: p.reference, status: 'succeeded', amount: p.amount, event_id: 'evt_a' };
    const first = await deliver(payload);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ payment_id: p.id, status: 'succeeded', changed: true });
    const repeat = await deliver(payload);
    expect(repeat.status).toBe(200);
    expect(repeat.body.changed).toBe(false);
    expect(await state(p.id, o.id)).toEqual({ payment: 'succeeded', order: 'paid' });
    expect(await completedEvents(p.id)).toHaveLength(1);
    // A late contradicting callback cannot undo a decided payment.
    const contradiction = await deliver({ ...payload, status: 'failed' });
    expect(contradiction.status).toBe(409);
    expect(await state(p.id, o.id)).toEqual({ payment: 'succeeded', order: 'paid' });
  });

  it('handles parallel duplicate deliveries with one change and one event', async () => {
    const o = await order();
    const p = await pay(o.id);
    const payload = { reference: p.reference, status: 'succeeded', amount: p.amount };
    const answers = await Promise.all(Array.from({ length: 8 }, () => deliver(payload)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => a.body.changed)).toHaveLength(1);
    expect(await completedEvents(p.id)).toHaveLength(1);
    const payment = await request(server).get(`/api/payments/${p.id}`).set(alice.headers);
    expect(payment.body.history).toEqual([
      expect.objectContaining({ from: 'pending', to: 'succeeded', actor: 'system' }),
    ]);
  });

  it('marks a failed payment failed, leaves the order pending and emits payment.completed', async () => {
    const o = await order();
    const p = await pay(o.id);
    const res = await deliver({ reference: p.reference, status: 'failed', amount: p.amount });
    expect(res.status).toBe(200);
    expect(await state(p.id, o.id)).toEqual({ payment: 'failed', order: 'pending' });
    const [event] = await completedEvents(p.id);
    expect(JSON.parse(event.payload)).toMatchObject({ status: 'failed', amount: p.amount, order_id: o.id });
    // The customer may try again with a new payment.
    const retry = await pay(o.id);
    expect(retry.id).not.toBe(p.id);
  });

  it.each([
    ['a bad signature', { secret: 'someone-else' }, {}],
    ['a stale timestamp', { skew: -301 }, {}],
    ['a future timestamp', { skew: 301 }, {}],
    ['an unknown reference', {}, { reference: 'hp_unknown' }],
    ['a wrong amount', {}, { amount: 1 }],
    ['an invalid status', {}, { status: 'refunded' }],
  ])('answers %s with a 400 problem and changes nothing', async (_case, options, change) => {
    const o = await order();
    const p = await pay(o.id);
    const res = await deliver({ reference: p.reference, status: 'succeeded', amount: p.amount, ...change }, options);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await state(p.id, o.id)).toEqual({ payment: 'pending', order: 'pending' });
    expect(await completedEvents(p.id)).toHaveLength(0);
  });

  it('rejects unsigned or malformed callbacks and unknown providers', async () => {
    const unsigned = await request(server)
      .post('/api/payments/webhooks/hosted')
      .send({ reference: 'x', status: 'succeeded', amount: 1 });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.type).toBe('https://emporia.dev/problems/invalid-signature');
    // A body that is signed but re-serialised differently by a proxy no longer matches.
    const raw = '{"reference":"x", "status":"succeeded","amount":1}';
    const t = Math.floor(env().clock.now().getTime() / 1000);
    const altered = await request(server)
      .post('/api/payments/webhooks/hosted')
      .set('Content-Type', 'application/json')
      .set('Emporia-Signature', signWebhook(SECRET, raw.replace(', ', ','), t))
      .send(raw);
    expect(altered.status).toBe(400);
    expect((await deliver({}, { raw: '[1,2]' })).status).toBe(400);
    expect(await deliver({ reference: 'x', status: 'succeeded', amount: 1 }).then((r) => r.status)).toBe(400);
    const manual = await request(server).post('/api/payments/webhooks/manual').send({});
    expect(manual.status).toBe(404);
    expect((await request(server).post('/api/payments/webhooks/Bad!').send({})).status).toBe(400);
  });

  it('lets staff confirm a manual payment, and only a manual one', async () => {
    const o = await order();
    const manual = await pay(o.id, 'manual');
    expect(manual).toMatchObject({ provider: 'manual', checkout_url: null });
    expect((await request(server).post(`/api/payments/${manual.id}/confirm`).set(alice.headers)).status).toBe(403);
    const confirmed = await request(server).post(`/api/payments/${manual.id}/confirm`).set(staff.headers);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('succeeded');
    expect(confirmed.body.history[0]).toMatchObject({ actor_id: staff.user.id, note: 'confirmed by staff' });
    expect(await state(manual.id, o.id)).toEqual({ payment: 'succeeded', order: 'paid' });
    expect((await request(server).post(`/api/payments/${manual.id}/confirm`).set(staff.headers)).status).toBe(409);
    expect(await completedEvents(manual.id)).toHaveLength(1);

    const other = await order();
    const hosted = await pay(other.id, 'hosted');
    expect((await request(server).post(`/api/payments/${hosted.id}/confirm`).set(staff.headers)).status).toBe(409);
  });

  it('shows customers their own payments and staff all of them', async () => {
    const mine = await pay((await order(bob)).id, 'hosted', bob);
    const theirs = (await pay((await order()).id)) as { id: string; order_id?: string };
    const bobs = await request(server).get('/api/payments').set(bob.headers);
    expect(bobs.status).toBe(200);
    expect(bobs.body.results.map((p: { id: string }) => p.id)).toEqual([mine.id]);
    expect((await request(server).get(`/api/payments/${theirs.id}`).set(bob.headers)).status).toBe(404);
    const all = await request(server).get('/api/payments').query({ limit: 100 }).set(staff.headers);
    const ids = all.body.results.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    const filtered = await request(server)
      .get('/api/payments')
      .query({ status: 'pending', order_id: theirs.order_id })
      .set(staff.headers);
    expect(filtered.body.results.map((p: { id: string }) => p.id)).toEqual([theirs.id]);
    expect((await request(server).get('/api/payments')).status).toBe(401);
  });
});
