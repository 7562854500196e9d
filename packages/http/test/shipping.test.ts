import type { Server } from 'node:http';
import { systemContext } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

const BERLIN = { name: 'Ada Buyer', line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'de' };
const PARIS = { name: 'Ada Buyer', line1: '1 Rue de Rivoli', city: 'Paris', country: 'FR' };

describeEachDatabase(
  'addresses and shipping',
  (env) => {
    let server: Server;
    let customer: TestUser;
    let other: TestUser;
    let staff: TestUser;
    let zoneId: string;
    const methods: Record<string, string> = {};

    beforeAll(async () => {
      server = env().app.listen(0);
      customer = await userWithToken(env(), 'customer');
      other = await userWithToken(env(), 'customer');
      staff = await userWithToken(env(), 'staff');
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    /** A published product of one variant with a weight, made by staff over HTTP. */
    async function product(price: number, weight_grams: number) {
      const made = await request(server)
        .post('/api/products')
        .set(staff.headers)
        .send({ name: `Box ${price}-${weight_grams}`, status: 'published', price, stock: 50, weight_grams });
      expect(made.status).toBe(201);
      expect(made.body.variants[0].weight_grams).toBe(weight_grams);
      return made.body as { id: string; variants: Array<{ id: string }> };
    }

    it('keeps an address book: ISO countries, one default of each kind, and no one else’s addresses', async () => {
      const bad = await request(server)
        .post('/api/users/me/addresses')
        .set(customer.headers)
        .send({ ...BERLIN, country: 'XX' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('body.country');
      const unknownField = await request(server)
        .post('/api/users/me/addresses')
        .set(customer.headers)
        .send({ ...BERLIN, street: 'x' });
      expect(unknownField.status).toBe(400);

      const home = await request(server)
        .post('/api/users/me/addresses')
        .set(customer.headers)
        .send({ ...BERLIN, is_default_shipping: true, is_default_billing: true });
      expect(home.status).toBe(201);
      expect(home.body).toMatchObject({ country: 'DE', company: null, region: null, is_default_shipping: true });
      const work = await request(server)
        .post('/api/users/me/addresses')
        .set(customer.headers)
        .send({ ...PARIS, company: 'Atelier', is_default_shipping: true });
      const list = await request(server).get('/api/users/me/addresses').set(customer.headers);
      expect(
        list.body.results.map((a: { id: string; is_default_shipping: boolean; is_default_billing: boolean }) => [
          a.id,
          a.is_default_shipping,
          a.is_default_billing,
        ]),
      ).toEqual([
        [home.body.id, false, true],
        [work.body.id, true, false],
      ]);
      const patched = await request(server)
        .patch(`/api/users/me/addresses/${home.body.id}`)
        .set(customer.headers)
        .send({ is_default_shipping: true, company: 'Home office' });
      expect(patched.body).toMatchObject({ is_default_shipping: true, company: 'Home office', city: 'Berlin' });
      const workNow = await request(server).get(`/api/users/me/addresses/${work.body.id}`).set(customer.headers);
      expect(workNow.body.is_default_shipping).toBe(false);
      const partialPut = await request(server)
        .put(`/api/users/me/addresses/${work.body.id}`)
        .set(customer.headers)
        .send({ city: 'Lyon' });
      expect(partialPut.status).toBe(400);

      // Another customer's address is not there for them: reads, writes and carts alike.
      expect((await request(server).get(`/api/users/me/addresses/${home.body.id}`).set(other.headers)).status).toBe(
        404,
      );
      expect((await request(server).delete(`/api/users/me/addresses/${home.body.id}`).set(other.headers)).status).toBe(
        404,
      );
      const stolen = await request(server)
        .patch('/api/cart')
        .set(other.headers)
        .send({ shipping_address: { address_id: home.body.id } });
      expect(stolen.status).toBe(404);
      expect(
        (await request(server).delete(`/api/users/me/addresses/${work.body.id}`).set(customer.headers)).status,
      ).toBe(204);

      // Account erasure's hook: every address of the user goes.
      await env().engine.addresses.createAddress(other.ctx, PARIS);
      await expect(env().engine.addresses.eraseForUser(customer.ctx, other.user.id)).rejects.toThrow(/permission/);
      expect(await env().engine.addresses.eraseForUser(systemContext(), other.user.id)).toBe(1);
      expect((await request(server).get('/api/users/me/addresses').set(other.headers)).body.results).toEqual([]);
    });

    it('lets staff keep zones and methods and refuses customers', async () => {
      expect((await request(server).get('/api/shipping-zones').set(customer.headers)).status).toBe(403);
      const badZone = await request(server)
        .post('/api/shipping-zones')
        .set(staff.headers)
        .send({ name: 'Nowhere', countries: ['ZZ'] });
      expect(badZone.status).toBe(400);
      const zone = await request(server)
        .post('/api/shipping-zones')
        .set(staff.headers)
        .send({ name: 'DACH', countries: ['DE', 'at'] });
      expect(zone.status).toBe(201);
      expect(zone.body).toMatchObject({ countries: ['DE', 'AT'], regions: [] });
      zoneId = zone.body.id;
      const us = await request(server)
        .post('/api/shipping-zones')
        .set(staff.headers)
        .send({ name: 'California', countries: ['US'], regions: ['CA'] });
      const create = async (body: Record<string, unknown>) => {
        const res = await request(server).post('/api/shipping-methods').set(staff.headers).send(body);
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      methods.standard = await create({ zone_id: zoneId, name: 'Standard', price: 490, free_over: 5000 });
      methods.express = await create({ zone_id: zoneId, name: 'Express', price: 990 });
      methods.freight = await create({ zone_id: zoneId, name: 'Freight', price: 2500, min_weight_grams: 10_000 });
      methods.parcel = await create({ zone_id: zoneId, name: 'Parcel', price: 300, max_weight_grams: 2000 });
      methods.california = await create({ zone_id: us.body.id, name: 'Ground', price: 700 });
      const badBand = await request(server)
        .post('/api/shipping-methods')
        .set(staff.headers)
        .send({ zone_id: zoneId, name: 'x', price: 1, min_weight_grams: 10, max_weight_grams: 5 });
      expect(badBand.status).toBe(400);
      const unknownZone = await request(server)
        .post('/api/shipping-methods')
        .set(staff.headers)
        .send({ zone_id: '01890000-0000-7000-8000-000000000000', name: 'x', price: 1 });
      expect(unknownZone.status).toBe(400);
      const listed = await request(server).get(`/api/shipping-methods?zone_id=${zoneId}`).set(staff.headers);
      expect(listed.body.results).toHaveLength(4);
      const put = await request(server)
        .put(`/api/shipping-methods/${methods.california}`)
        .set(staff.headers)
        .send({ zone_id: us.body.id, name: 'Ground', price: 800 });
      expect(put.status).toBe(400);
    });

    it('lists the methods that apply by zone, region and weight band, free over the threshold', async () => {
      const spare = await product(100, 100);
      const reweighed = await request(server)
        .patch(`/api/products/${spare.id}/variants/${spare.variants[0].id}`)
        .set(staff.headers)
        .send({ weight_grams: 700 });
      expect(reweighed.body.weight_grams).toBe(700);
      const shown = await request(server).get(`/api/products/${spare.id}`);
      expect(shown.body.variants[0].weight_grams).toBe(700);
      const light = await product(1000, 500); // 0.5 kg
      const heavy = await product(2000, 6000); // 6 kg
      // No address yet: no methods, and checkout needs one.
      await request(server).post('/api/cart/items').set(customer.headers).send({ product_id: light.id, quantity: 2 });
      expect((await request(server).get('/api/cart/shipping-methods').set(customer.headers)).body.results).toEqual([]);

      const set = await request(server).patch('/api/cart').set(customer.headers).send({ shipping_address: BERLIN });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ weight_grams: 1000, shipping_required: true, checkout_ready: false });
      const names = async () =>
        (await request(server).get('/api/cart/shipping-methods').set(customer.headers)).body.results.map(
          (m: { name: string; price: number }) => [m.name, m.price],
        );
      expect(await names()).toEqual([
        ['Parcel', 300],
        ['Standard', 490],
        ['Express', 990],
      ]);

      // 2 × 0.5 kg + 2 × 6 kg = 13 kg: past Parcel's band, into Freight's; 2000 + 4000 over Standard's 5000.
      await request(server).post('/api/cart/items').set(customer.headers).send({ product_id: heavy.id, quantity: 2 });
      expect(await names()).toEqual([
        ['Standard', 0],
        ['Express', 990],
        ['Freight', 2500],
      ]);

      // A Californian address sees the region's zone only; another state and France see nothing.
      const ca = { name: 'Bo', line1: '1 Main St', city: 'Fresno', region: 'ca', country: 'US' };
      await request(server).patch('/api/cart').set(customer.headers).send({ shipping_address: ca });
      expect(await names()).toEqual([['Ground', 700]]);
      await request(server)
        .patch('/api/cart')
        .set(customer.headers)
        .send({ shipping_address: { ...ca, region: 'NV' } });
      expect(await names()).toEqual([]);
      const notHere = await request(server)
        .patch('/api/cart')
        .set(customer.headers)
        .send({ shipping_address: PARIS, shipping_method_id: methods.standard });
      expect(notHere.status).toBe(409);
      const badCountry = await request(server)
        .patch('/api/cart')
        .set(customer.headers)
        .send({ shipping_address: { ...PARIS, country: 'France' } });
      expect(badCountry.status).toBe(400);
    });

    it('charges the chosen method, taxed, snapshots it on the order and refuses one that no longer applies', async () => {
      await request(server)
        .post('/api/tax-rates')
        .set(staff.headers)
        .send({ name: 'MwSt', country: 'DE', rate_bps: 1900 });
      // The cart of the test before: 6000 of goods, 13 kg. No method chosen: checkout is refused.
      const home = (await request(server).get('/api/users/me/addresses').set(customer.headers)).body.results[0];
      const withAddress = await request(server)
        .patch('/api/cart')
        .set(customer.headers)
        .send({ shipping_address: { address_id: home.id }, shipping_method_id: null });
      expect(withAddress.body.shipping_address).toMatchObject({ city: 'Berlin', company: 'Home office' });
      const noMethod = await request(server).post('/api/orders').set(customer.headers).send();
      expect(noMethod.status).toBe(409);
      expect(noMethod.headers['content-type']).toMatch(/problem\+json/);

      const chosen = await request(server)
        .patch('/api/cart')
        .set(customer.headers)
        .send({ shipping_method_id: methods.express });
      // Net prices: goods 6000 + 19 % = 1140; Express 990 + 19 % = 188.1 → 188.
      expect(chosen.body).toMatchObject({
        subtotal: 6000,
        shipping_total: 990,
        tax_total: 1328,
        total: 8318,
        shipping_method: { id: methods.express, name: 'Express', price: 990 },
        checkout_ready: true,
      });

      // Staff deactivate the method after it was chosen: checkout refuses it, the cart is kept.
      await request(server)
        .patch(`/api/shipping-methods/${methods.express}`)
        .set(staff.headers)
        .send({ is_active: false });
      const stale = await request(server).post('/api/orders').set(customer.headers).send();
      expect(stale.status).toBe(409);
      expect(stale.body.detail).toMatch(/no longer applies/);
      expect((await request(server).get('/api/cart').set(customer.headers)).body.items).toHaveLength(2);
      await request(server)
        .patch(`/api/shipping-methods/${methods.express}`)
        .set(staff.headers)
        .send({ is_active: true });

      const placed = await request(server).post('/api/orders').set(customer.headers).send();
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({
        shipping_total: 990,
        tax_total: 1328,
        total: 8318,
        shipping_method: { id: methods.express, name: 'Express', price: 990 },
        shipping_address: { city: 'Berlin', country: 'DE' },
        billing_address: { city: 'Berlin' },
      });

      // Later edits of the address and the method never alter the placed order.
      await request(server).patch(`/api/users/me/addresses/${home.id}`).set(customer.headers).send({ city: 'Hamburg' });
      await request(server)
        .patch(`/api/shipping-methods/${methods.express}`)
        .set(staff.headers)
        .send({ name: 'Overnight', price: 1990 });
      const read = await request(server).get(`/api/orders/${placed.body.id}`).set(customer.headers);
      expect(read.body).toMatchObject({
        shipping_total: 990,
        total: 8318,
        shipping_method: { name: 'Express', price: 990 },
        shipping_address: { city: 'Berlin' },
      });
    });

    it('keeps a guest’s address and method when the guest logs in and the carts merge', async () => {
      const guest = await request(server).patch('/api/cart').send({ shipping_address: BERLIN });
      const token = guest.headers['x-cart-token'];
      expect(token).toBeTruthy();
      const chosen = await request(server)
        .patch('/api/cart')
        .set('X-Cart-Token', token)
        .send({ shipping_method_id: methods.standard });
      expect(chosen.status).toBe(200);
      const buyer = await userWithToken(env(), 'customer');
      const merged = await request(server).get('/api/cart').set(buyer.headers).set('X-Cart-Token', token);
      expect(merged.body).toMatchObject({
        shipping_address: { city: 'Berlin', country: 'DE' },
        shipping_method_id: methods.standard,
      });
    });
  },
  { storeCountry: 'DE' },
);
