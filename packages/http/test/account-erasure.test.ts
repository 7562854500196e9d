import type { KnexStore } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

describeEachDatabase('account erasure', (env) => {
  let admin: TestUser;
  const knex = () => (env().engine.store as KnexStore).knex;
  const api = () => request(env().app);

  beforeAll(async () => {
    admin = await userWithToken(env(), 'admin');
  });

  it('anonymises a customer with orders, keeps the orders, revokes every token at once; a second DELETE is 404', async () => {
    const me = await userWithToken(env(), 'customer', { name: 'Ada Lovelace' });
    const login = await api().post('/api/auth/token').send({ email: me.user.email, password: TEST_PASSWORD });
    const mug = await publishedProduct(env(), { price: 1250, stock: 5 });
    const order = await api()
      .post('/api/orders')
      .set(me.headers)
      .send({ items: [{ variant_id: mug.variants[0].id, quantity: 2 }] });
    expect(order.status).toBe(201);
    await api().post('/api/cart/items').set(me.headers).send({ product_id: mug.id, quantity: 1 }).expect(201);
    const home = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB', phone: '+44 20 0000' };
    await api().post('/api/users/me/addresses').set(me.headers).send(home).expect(201);
    // As a shipped order would have snapshotted it.
    const snapshot = { ...home, company: null, line2: null, postal_code: 'SW1Y 4JH', region: 'London' };
    await knex()('orders')
      .where({ id: order.body.id })
      .update({ shipping_address: JSON.stringify(snapshot), billing_address: JSON.stringify(snapshot) });

    expect((await api().delete('/api/users/me').set(me.headers)).status).toBe(204);

    // The access token is refused at once, the refresh token is gone, the password opens nothing.
    expect((await api().get('/api/users/me').set(me.headers)).status).toBe(401);
    expect((await api().post('/api/auth/token/refresh').send({ refresh: login.body.refresh })).status).toBe(401);
    const relogin = await api().post('/api/auth/token').send({ email: me.user.email, password: TEST_PASSWORD });
    expect(relogin.status).toBe(401);

    const row = await knex()('users').where({ id: me.user.id }).first();
    expect(row).toMatchObject({ email: `erased+${me.user.id}@invalid`, name: '', role: 'customer' });
    expect(Boolean(row.is_active)).toBe(false);
    expect(row.erased_at).not.toBeNull();
    expect(row.password_hash).not.toMatch(/argon2/);
    expect(Number((await knex()('refresh_tokens').where({ user_id: me.user.id }).count({ n: '*' }))[0].n)).toBe(0);
    expect(await knex()('carts').where({ user_id: me.user.id })).toHaveLength(0);
    expect(await knex()('addresses').where({ user_id: me.user.id })).toHaveLength(0);

    // The order stays for accounting: number, lines, totals and status.
    const kept = await api().get(`/api/orders/${order.body.id}`).set(admin.headers);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      number: order.body.number,
      status: 'pending',
      total: 2500,
      user_id: me.user.id,
      items: [expect.objectContaining({ sku: mug.variants[0].sku, quantity: 2 })],
    });
    // Its addresses lose the person and keep where the tax was charged.
    const erasedAddress = {
      name: '',
      line1: '',
      city: '',
      postal_code: null,
      phone: null,
      region: 'London',
      country: 'GB',
    };
    expect(kept.body.shipping_address).toMatchObject(erasedAddress);
    expect(kept.body.billing_address).toMatchObject(erasedAddress);
    expect(JSON.stringify(kept.body)).not.toMatch(/Lovelace|James|SW1Y|\+44/);

    const [event] = await knex()('outbox_events').where({ type: 'user.erased', user_id: me.user.id });
    expect(event).toBeDefined();
    expect(String(event.payload)).not.toMatch(/Ada|@example/);
    expect(JSON.parse(String(event.payload))).toMatchObject({ user_id: me.user.id, outcome: 'anonymised' });

    // Gone for everyone: a second erasure, a read and the list; the e-mail is free again.
    expect((await api().delete(`/api/users/${me.user.id}`).set(admin.headers)).status).toBe(404);
    expect((await api().get(`/api/users/${me.user.id}`).set(admin.headers)).status).toBe(404);
    const listed = await api().get('/api/users').query({ email: me.user.id }).set(admin.headers);
    expect(listed.body.count).toBe(0);
    const again = await api().post('/api/auth/register').send({ email: me.user.email, password: TEST_PASSWORD });
    expect(again.status).toBe(201);
  });

  it('deletes a user without orders outright; staff without user:manage may not, admins may', async () => {
    const target = await userWithToken(env(), 'customer');
    const staff = await userWithToken(env(), 'staff');
    expect((await api().delete(`/api/users/${target.user.id}`).set(staff.headers)).status).toBe(403);
    expect((await api().delete(`/api/users/${target.user.id}`).set(admin.headers)).status).toBe(204);
    expect(await knex()('users').where({ id: target.user.id })).toHaveLength(0);
    const [event] = await knex()('outbox_events').where({ type: 'user.erased', user_id: target.user.id });
    expect(JSON.parse(String(event.payload))).toMatchObject({ outcome: 'deleted' });
    expect((await api().get('/api/users/me').set(target.headers)).status).toBe(401);
    expect((await api().delete(`/api/users/${target.user.id}`).set(admin.headers)).status).toBe(404);
  });

  it('never erases the last active admin (409); the library says how it erased', async () => {
    const admins = await knex()('users').where({ role: 'admin', is_active: true });
    expect(admins).toHaveLength(1);
    const res = await api().delete('/api/users/me').set(admin.headers);
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const second = await userWithToken(env(), 'admin');
    const result = await env().engine.identity.eraseUser(systemContext({ clock: env().engine.clock }), second.user.id);
    expect(result).toMatchObject({ user_id: second.user.id, outcome: 'deleted' });
  });
});
