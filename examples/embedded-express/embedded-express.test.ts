import { systemContext } from '@emporia/core';
import type { Express } from 'express';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/engine.js';
import { withContract } from '../../test/support/contract.js';
import { AcmePayProvider, ACME_SIGNATURE_HEADER, acmeSignature } from './acme-pay.provider.js';
import { createHostApp } from './app.js';

const ACME_SECRET = 'acme-test-secret';

/** Signs up on the host app and returns its session cookie. */
async function signUp(host: Express, email: string): Promise<string> {
  const res = await request(host)
    .post('/signup')
    .type('form')
    .send({ email, name: 'Grace', password: 'host password 1' });
  expect(res.status).toBe(303);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0];
  expect(cookie).toMatch(/^host_session=/);
  return cookie.split(';')[0];
}

describeEachDatabase(
  'examples/embedded-express',
  (env) => {
    let host: Express;
    let mugId: string;
    beforeAll(async () => {
      // The API answers under /shop are checked against the OpenAPI document too.
      host = withContract(
        createHostApp({ engine: env().engine, sessionSecret: 'host-session-secret' }),
        env().contract,
        '/shop',
      );
      const mug = await env().engine.catalog.createProduct(systemContext(), {
        name: 'Host mug',
        status: 'published',
        price: 1250,
        stock: 10,
      });
      mugId = mug.id;
    });

    it("serves the host's own pages with Emporia's catalog, and the API under /shop", async () => {
      const home = await request(host).get('/');
      expect(home.status).toBe(200);
      expect(home.text).toContain('Host mug — $12.50');
      expect(home.text).toContain('action="/login"');
      const api = await request(host).get(`/shop/api/products/${mugId}`);
      expect(api.body).toMatchObject({ id: mugId, price: 1250 });
      expect((await request(host).get('/shop/api/openapi.json')).body.servers).toEqual([
        { url: '/shop', 'x-internal': false },
      ]);
    });

    it('logs in with the host session, buys through a host route calling engine.orders, lists it on a host page', async () => {
      const cookie = await signUp(host, 'grace@example.com');
      expect((await request(host).get('/').set('Cookie', cookie)).text).toContain('Signed in as Grace');
      const bought = await request(host)
        .post('/buy')
        .set('Cookie', cookie)
        .type('form')
        .send({ product_id: mugId, quantity: '2' });
      expect(bought.status).toBe(303);
      expect(bought.headers.location).toBe('/account');
      const account = await request(host).get('/account').set('Cookie', cookie);
      expect(account.text).toMatch(/EM-\d+: pending, \$25\.00/);
      // The mounted API sees the same user through the host's session: no Emporia token anywhere.
      const orders = await request(host).get('/shop/api/orders').set('Cookie', cookie);
      expect(orders.status).toBe(200);
      expect(orders.body.results).toHaveLength(1);
      expect(orders.body.results[0]).toMatchObject({ total: 2500, status: 'pending' });
    });

    it('logs out, rejects a forged cookie and a wrong password, and answers host-route errors as problems', async () => {
      await signUp(host, 'linus@example.com');
      const wrong = await request(host)
        .post('/login')
        .type('form')
        .send({ email: 'linus@example.com', password: 'nope' });
      expect(wrong.status).toBe(401);
      const login = await request(host)
        .post('/login')
        .type('form')
        .send({ email: 'linus@example.com', password: 'host password 1' });
      const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? [])[0].split(';')[0];
      expect((await request(host).get('/shop/api/cart').set('Cookie', cookie)).status).toBe(200);
      const [name, value] = cookie.split('=');
      const forged = `${name}=${decodeURIComponent(value).replace(/^[^.]+/, '0190f0e0-0000-7000-8000-000000000000')}`;
      expect((await request(host).get('/shop/api/orders').set('Cookie', forged)).status).toBe(401);
      const anonymousBuy = await request(host).post('/buy').type('form').send({ product_id: mugId });
      expect(anonymousBuy.status).toBe(401);
      expect(anonymousBuy.headers['content-type']).toMatch(/problem\+json/);
      const badBuy = await request(host).post('/buy').set('Cookie', cookie).type('form').send({ quantity: '1' });
      expect(badBuy.status).toBe(400);
      const logout = await request(host).post('/logout').set('Cookie', cookie);
      expect(([] as string[]).concat(logout.headers['set-cookie'] ?? [])[0]).toMatch(/^host_session=;/);
    });

    it('pays with a custom payment provider plugged in through createDefaultEngine', async () => {
      const cookie = await signUp(host, 'ada@example.com');
      const placed = await request(host)
        .post('/shop/api/orders')
        .set('Cookie', cookie)
        .send({ items: [{ product_id: mugId, quantity: 1 }] });
      expect(placed.status).toBe(201);
      const order = placed.body;
      const started = await request(host)
        .post(`/shop/api/orders/${order.id}/payments`)
        .set('Cookie', cookie)
        .send({ provider: 'acme' });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ provider: 'acme', status: 'pending', amount: 1250 });
      expect(started.body.checkout_url).toBe(`https://pay.acme.example/checkout/${started.body.reference}`);

      // Acme calls back in its own format with its own signature.
      const callback = JSON.stringify({
        payment_ref: started.body.reference,
        outcome: 'paid',
        amount_cents: 1250,
        id: 'evt_1',
      });
      const forged = await request(host)
        .post('/shop/api/payments/webhooks/acme')
        .set('Content-Type', 'application/json')
        .set(ACME_SIGNATURE_HEADER, acmeSignature('not-the-secret', callback))
        .send(callback);
      expect(forged.status).toBe(400);
      expect((await request(host).get(`/shop/api/orders/${order.id}`).set('Cookie', cookie)).body.status).toBe(
        'pending',
      );
      const paid = await request(host)
        .post('/shop/api/payments/webhooks/acme')
        .set('Content-Type', 'application/json')
        .set(ACME_SIGNATURE_HEADER, acmeSignature(ACME_SECRET, callback))
        .send(callback);
      expect(paid.status).toBe(200);
      expect(paid.body).toEqual({ payment_id: started.body.id, status: 'succeeded', changed: true });
      expect((await request(host).get(`/shop/api/orders/${order.id}`).set('Cookie', cookie)).body.status).toBe('paid');
      // The shipped providers are still there beside it.
      expect(env().engine.payments.providerNames().sort()).toEqual(['acme', 'hosted', 'manual']);
    });
  },
  {},
  { paymentProviders: [new AcmePayProvider({ secret: ACME_SECRET })] },
);
