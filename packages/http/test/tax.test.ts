import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

describeEachDatabase(
  'tax rates and the price breakdown',
  (env) => {
    let server: Server;
    let customer: TestUser;
    let staff: TestUser;
    beforeAll(async () => {
      server = env().app.listen(0);
      customer = await userWithToken(env(), 'customer');
      staff = await userWithToken(env(), 'staff');
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it('lets staff keep rates (CRUD, PUT and PATCH) and refuses customers, duplicates and bad countries', async () => {
      const created = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'MwSt 19%', country: 'de', rate_bps: 1900 });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ country: 'DE', region: null, tax_class: 'standard', rate_bps: 1900 });
      const id = created.body.id;

      const duplicate = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'again', country: 'DE', rate_bps: 1600 });
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers['content-type']).toMatch(/problem\+json/);
      const badCountry = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'x', country: 'XX', rate_bps: 100 });
      expect(badCountry.status).toBe(400);
      const unknownField = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'x', country: 'FR', rate_bps: 100, rate: 1 });
      expect(unknownField.status).toBe(400);
      expect((await request(server).get('/api/tax-rates').set(customer.headers)).status).toBe(403);

      const patched = await request(server).patch(`/api/tax-rates/${id}`).set(staff.headers).send({ rate_bps: 1600 });
      expect(patched.body).toMatchObject({ name: 'MwSt 19%', rate_bps: 1600 });
      const partialPut = await request(server).put(`/api/tax-rates/${id}`).set(staff.headers).send({ rate_bps: 1900 });
      expect(partialPut.status).toBe(400);
      const put = await request(server)
        .put(`/api/tax-rates/${id}`)
        .set(staff.headers)
        .send({ name: 'MwSt', country: 'DE', region: null, tax_class: 'standard', rate_bps: 1900 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: 'MwSt', rate_bps: 1900 });

      const list = await request(server).get('/api/tax-rates?country=DE').set(staff.headers);
      expect(list.body.results.map((r: { id: string }) => r.id)).toEqual([id]);
      const other = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'TVA', country: 'FR', rate_bps: 2000 });
      expect((await request(server).delete(`/api/tax-rates/${other.body.id}`).set(staff.headers)).status).toBe(204);
      expect((await request(server).get(`/api/tax-rates/${other.body.id}`).set(staff.headers)).status).toBe(404);
    });

    it('taxes the cart live by the store country and snapshots the breakdown on the order', async () => {
      const reduced = await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'MwSt 7%', country: 'DE', tax_class: 'reduced', rate_bps: 700 });
      expect(reduced.status).toBe(201);
      const mug = await publishedProduct(env(), { price: 1999, stock: 10 });
      const book = await publishedProduct(env(), { price: 1000, stock: 10 });
      const classed = await request(server)
        .patch(`/api/products/${book.id}`)
        .set(staff.headers)
        .send({ tax_class: 'reduced' });
      expect(classed.body.tax_class).toBe('reduced');

      await request(server).post('/api/cart/items').set(customer.headers).send({ product_id: mug.id, quantity: 2 });
      const cart = await request(server)
        .post('/api/cart/items')
        .set(customer.headers)
        .send({ product_id: book.id, quantity: 1 });
      // Net prices (PRICES_INCLUDE_TAX=false): 3998 × 19 % = 759.62 → 760; 1000 × 7 % = 70.
      expect(cart.body).toMatchObject({
        subtotal: 4998,
        discount_total: 0,
        shipping_total: 0,
        tax_total: 830,
        total: 5828,
        prices_include_tax: false,
        tax_lines: [
          { name: 'MwSt', rate_bps: 1900, amount: 760 },
          { name: 'MwSt 7%', rate_bps: 700, amount: 70 },
        ],
        discounts: [],
      });

      const placed = await request(server).post('/api/orders').set(customer.headers).send();
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ subtotal: 4998, tax_total: 830, total: 5828 });
      expect(
        placed.body.items.map((i: { tax_total: number; line_total: number }) => [i.tax_total, i.line_total]),
      ).toEqual([
        [760, 4758],
        [70, 1070],
      ]);

      // A later rate change alters carts, never a placed order.
      await request(server).patch(`/api/tax-rates/${reduced.body.id}`).set(staff.headers).send({ rate_bps: 0 });
      const read = await request(server).get(`/api/orders/${placed.body.id}`).set(customer.headers);
      expect(read.body).toMatchObject({
        tax_total: 830,
        total: 5828,
        tax_lines: placed.body.tax_lines,
        items: placed.body.items,
      });
    });
  },
  { storeCountry: 'DE' },
);
