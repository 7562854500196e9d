import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

describeEachDatabase(
  'cart bounds',
  (env) => {
    let customer: TestUser;
    beforeAll(async () => {
      customer = await userWithToken(env(), 'customer');
    });

    it('answers 409 cart-full past MAX_CART_LINES lines, and still raises a quantity already there', async () => {
      const products = await Promise.all([1, 2, 3, 4].map(() => publishedProduct(env())));
      const add = (i: number) =>
        request(env().app)
          .post('/api/cart/items')
          .set(customer.headers)
          .send({ variant_id: products[i].variants[0].id, quantity: 1 });
      for (const i of [0, 1, 2]) expect((await add(i)).status).toBe(201);
      const full = await add(3);
      expect(full.status, JSON.stringify(full.body)).toBe(409);
      expect(full.headers['content-type']).toMatch(/problem\+json/);
      expect(full.body.type).toBe('https://emporia.dev/problems/cart-full');
      const again = await add(0);
      expect(again.status).toBe(201);
      expect(again.body.items).toHaveLength(3);
    });

    it('caps new guest carts per client address with 429 and Retry-After', async () => {
      const from = (ip: string, token?: string) => {
        const r = request(env().app).get('/api/cart').set('X-Forwarded-For', ip);
        return token ? r.set('X-Cart-Token', token) : r;
      };
      const first = await from('203.0.113.9');
      expect(first.status).toBe(200);
      expect((await from('203.0.113.9')).status).toBe(200);
      const limited = await from('203.0.113.9');
      expect(limited.status).toBe(429);
      expect(limited.body.type).toBe('https://emporia.dev/problems/rate-limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // A bogus token would make a new cart too: refused the same way.
      expect((await from('203.0.113.9', 'x'.repeat(43))).status).toBe(429);
      // The guest's own cart is still served, and another address still gets one.
      expect((await from('203.0.113.9', first.headers['x-cart-token'])).status).toBe(200);
      expect((await from('203.0.113.10')).status).toBe(200);
    });
  },
  { maxCartLines: 3, guestCartsPerHour: 2, trustProxy: 1 },
);
