import { randomBytes } from 'node:crypto';
import { UnauthorizedError, anonymousContext, systemContext, type Actor } from '@emporia/core';
import { createRouter, type Authenticate } from '@emporia/http';
import express, { type Express } from 'express';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { withContract } from '../../../test/support/contract.js';
import { publishedProduct } from './checkout-fixtures.js';

/**
 * The host's own login: a header stands in for its session cookie. It maps the host's user to the
 * Emporia user it linked at sign-up; Emporia's JWTs play no part.
 */
const HOST_SESSION = 'x-host-session';
const hostAuthenticate: Authenticate = async (req, engine): Promise<Actor> => {
  const session = req.get(HOST_SESSION);
  if (!session) return { kind: 'anonymous' };
  if (session === 'expired') throw new UnauthorizedError('Your session has expired; log in again');
  return engine.identity.actorForUser(anonymousContext({ clock: engine.clock }), session);
};

describeEachDatabase('embedding: createRouter mounted in a host app', (env) => {
  let host: Express;
  let customerId: string;
  beforeAll(async () => {
    host = express();
    host.get('/', (_req, res) => {
      res.send('host home');
    });
    host.use('/shop', createRouter(env().engine, { authenticate: hostAuthenticate }));
    host.use('/store', createRouter(env().engine, { mountPath: '/public/store', docs: false }));
    // Answers under /shop are checked against the OpenAPI document like env().app's.
    host = withContract(host, env().contract, '/shop');
    const user = await env().engine.identity.createUser(systemContext(), {
      email: `host-${randomBytes(4).toString('hex')}@example.test`,
      password: TEST_PASSWORD,
      name: 'Host customer',
      role: 'customer',
    });
    customerId = user.id;
  });

  it('serves the API under the prefix and leaves the host routes and paths alone', async () => {
    const mug = await publishedProduct(env(), { name: 'Prefixed mug' });
    expect((await request(host).get('/')).text).toBe('host home');
    const list = await request(host).get('/shop/api/products').query({ q: 'prefixed' });
    expect(list.status).toBe(200);
    expect(list.body.results.map((p: { id: string }) => p.id)).toEqual([mug.id]);
    const detail = await request(host).get(`/shop/api/products/${mug.slug}`);
    expect(detail.body.id).toBe(mug.id);
    // Nothing of Emporia is served outside the prefix.
    expect((await request(host).get('/api/products')).status).toBe(404);
  });

  it('puts the prefix in the OpenAPI servers entry and in the docs pages', async () => {
    const doc = await request(host).get('/shop/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.servers).toEqual([{ url: '/shop', 'x-internal': false }]);
    const swagger = await request(host).get('/shop/api/docs/init.js');
    expect(swagger.text).toContain('"/shop/api/openapi.json"');
    const docs = await request(host).get('/shop/api/docs');
    expect(docs.text).toContain('/shop/api/docs/assets/swagger-ui-bundle.js');
    expect((await request(host).get('/shop/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await request(host).get('/shop/api/redoc')).text).toContain('spec-url="/shop/api/openapi.json"');
  });

  it('lets an explicit mountPath win (behind a proxy that strips a prefix) and can leave the docs out', async () => {
    const doc = await request(host).get('/store/api/openapi.json');
    expect(doc.body.servers).toEqual([{ url: '/public/store', 'x-internal': false }]);
    expect((await request(host).get('/store/api/docs')).status).toBe(404);
  });

  it("takes the host's authentication: its session buys as the linked Emporia user", async () => {
    const mug = await publishedProduct(env(), { price: 900, stock: 5 });
    const added = await request(host)
      .post('/shop/api/cart/items')
      .set(HOST_SESSION, customerId)
      .send({ product_id: mug.id, quantity: 2 });
    expect(added.status).toBe(201);
    expect(added.body.user_id).toBe(customerId);
    const placed = await request(host).post('/shop/api/orders').set(HOST_SESSION, customerId).send();
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ user_id: customerId, total: 1800, status: 'pending' });
    const mine = await request(host).get('/shop/api/orders').set(HOST_SESSION, customerId);
    expect(mine.body.results.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    // An Emporia access token means nothing here: the host decides who is logged in.
    const { access } = await env().engine.identity.login(systemContext(), {
      email: (await env().engine.identity.getUser(systemContext(), customerId)).email,
      password: TEST_PASSWORD,
    });
    const withToken = await request(host).get('/shop/api/orders').set('Authorization', `Bearer ${access}`);
    expect(withToken.status).toBe(401);
  });

  it("answers the host's authentication failures and unknown users as problem+json 401s with a request id", async () => {
    const expired = await request(host).get('/shop/api/orders').set(HOST_SESSION, 'expired');
    expect(expired.status).toBe(401);
    expect(expired.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(expired.body).toMatchObject({
      detail: 'Your session has expired; log in again',
      instance: '/shop/api/orders',
    });
    expect(expired.body.request_id).toBe(expired.headers['x-request-id']);
    expect(expired.body.request_id).toMatch(/^[\w-]{36}$/);
    const unknown = await request(host).get('/shop/api/cart').set(HOST_SESSION, '0190f0e0-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(401);
  });

  it('keeps a request id the host already set', async () => {
    const tagged = express();
    tagged.use((_req, res, next) => {
      res.setHeader('X-Request-Id', 'host-req-1');
      next();
    });
    tagged.use('/shop', createRouter(env().engine));
    const res = await request(tagged).get('/shop/api/products/no-such-product');
    expect(res.status).toBe(404);
    expect(res.body.request_id).toBe('host-req-1');
  });
});
