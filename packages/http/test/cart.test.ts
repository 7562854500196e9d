import type { Server } from 'node:http';
import { anonymousContext, systemContext } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

describeEachDatabase(
  'cart',
  (env) => {
    let server: Server;
    let alice: TestUser;
    let bob: TestUser;
    beforeAll(async () => {
      server = env().app.listen(0);
      [alice, bob] = await Promise.all([userWithToken(env(), 'customer'), userWithToken(env(), 'customer')]);
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it('creates one cart per customer on first read, even under parallel first reads', async () => {
      const carol = await userWithToken(env(), 'customer');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => request(server).get('/api/cart').set(carol.headers)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers[0].body).toMatchObject({
        user_id: carol.user.id,
        items: [],
        subtotal: 0,
        total: 0,
        item_count: 0,
        checkout_ready: false,
      });
      expect(answers[0].headers['x-cart-token']).toBeUndefined();
    });

    it('takes parallel adds to one cart, each line once (InnoDB deadlocks on the cart row; the add runs again)', async () => {
      // Each add inserts a line (InnoDB locks the cart row shared for the foreign key) and then
      // touches the cart (an exclusive lock): two at once deadlock on MySQL where PostgreSQL waits.
      const dave = await userWithToken(env(), 'customer');
      const products = await Promise.all(Array.from({ length: 4 }, () => publishedProduct(env(), { stock: 5 })));
      const answers = await Promise.all(
        [...products, ...products].map((p) =>
          request(server).post('/api/cart/items').set(dave.headers).send({ variant_id: p.variants[0].id, quantity: 1 }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
      const cart = await request(server).get('/api/cart').set(dave.headers);
      expect(cart.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([2, 2, 2, 2]);
    });

    it('adds by variant or one-variant product, sums repeated adds and computes totals', async () => {
      const mug = await publishedProduct(env(), { price: 1250, stock: 20 });
      await request(server).post('/api/cart/items').set(alice.headers).send({ product_id: mug.id, quantity: 2 });
      const res = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ variant_id: mug.variants[0].id, quantity: 3 });
      expect(res.status).toBe(201);
      const line = res.body.items.find((i: { variant_id: string }) => i.variant_id === mug.variants[0].id);
      expect(line).toMatchObject({
        quantity: 5,
        unit_price: 1250,
        line_total: 6250,
        status: 'available',
        stock: 20,
        product_id: mug.id,
        sku: mug.variants[0].sku,
      });
      expect(res.body.subtotal).toBe(
        res.body.items.reduce((n: number, i: { line_total: number }) => n + i.line_total, 0),
      );

      const patched = await request(server)
        .patch(`/api/cart/items/${line.id}`)
        .set(alice.headers)
        .send({ quantity: 1 });
      expect(patched.status).toBe(200);
      expect(patched.body.items.find((i: { id: string }) => i.id === line.id).quantity).toBe(1);
      expect((await request(server).delete(`/api/cart/items/${line.id}`).set(alice.headers)).status).toBe(204);
      expect((await request(server).delete(`/api/cart/items/${line.id}`).set(alice.headers)).status).toBe(404);
    });

    it('refuses quantities that are not positive whole numbers or above the maximum', async () => {
      const mug = await publishedProduct(env(), { stock: 100 });
      const id = mug.variants[0].id;
      for (const quantity of [0, -1, 1.5, '2', null]) {
        const res = await request(server).post('/api/cart/items').set(alice.headers).send({ variant_id: id, quantity });
        expect(res.status, String(quantity)).toBe(400);
        expect(res.body.errors[0].path).toBe('body.quantity');
      }
      const over = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ variant_id: id, quantity: 6 });
      expect(over.status).toBe(400);
      expect(over.body.errors[0].message).toMatch(/at most 5/);
      await request(server).post('/api/cart/items').set(alice.headers).send({ variant_id: id, quantity: 4 });
      // The cap holds for the line's sum, not just one request.
      const sum = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ variant_id: id, quantity: 2 });
      expect(sum.status).toBe(400);
      const cart = await request(server).get('/api/cart').set(alice.headers);
      expect(cart.body.items.find((i: { variant_id: string }) => i.variant_id === id).quantity).toBe(4);
      const line = cart.body.items.find((i: { variant_id: string }) => i.variant_id === id);
      expect(
        (await request(server).patch(`/api/cart/items/${line.id}`).set(alice.headers).send({ quantity: 6 })).status,
      ).toBe(400);
      const neither = await request(server).post('/api/cart/items').set(alice.headers).send({ quantity: 1 });
      expect(neither.status).toBe(400);
    });

    it('refuses unknown, unpublished and sold-out variants, and products with several variants by product_id', async () => {
      const shirt = await publishedProduct(env(), {
        variants: [
          { price: 100, stock: 1 },
          { price: 100, stock: 1 },
        ],
      });
      const byProduct = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ product_id: shirt.id, quantity: 1 });
      expect(byProduct.status).toBe(400);
      const unknown = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ variant_id: '0192f0a0-0000-7000-8000-0000000000aa' });
      expect(unknown.status).toBe(404);
      const draft = await env().engine.catalog.createProduct(systemContext(), { name: 'Secret', price: 100, stock: 5 });
      expect(
        (await request(server).post('/api/cart/items').set(alice.headers).send({ product_id: draft.id })).status,
      ).toBe(404);
      const short = await request(server)
        .post('/api/cart/items')
        .set(alice.headers)
        .send({ variant_id: shirt.variants[0].id, quantity: 2 });
      expect(short.status).toBe(409);
      expect(short.body.skus).toEqual([shirt.variants[0].sku]);
    });

    it('flags lines whose variant is gone, unpublished or short of stock, and checkout refuses them', async () => {
      const dave = await userWithToken(env(), 'customer');
      const gone = await publishedProduct(env(), { price: 100, stock: 5 });
      const hidden = await publishedProduct(env(), { price: 200, stock: 5 });
      const scarce = await publishedProduct(env(), { price: 300, stock: 5 });
      for (const p of [gone, hidden, scarce]) {
        await request(server).post('/api/cart/items').set(dave.headers).send({ product_id: p.id, quantity: 3 });
      }
      const system = systemContext();
      await env().engine.catalog.deleteProduct(system, gone.id);
      await env().engine.catalog.updateProduct(system, hidden.id, { status: 'draft' });
      await env().engine.inventory.adjustStock(system, scarce.id, scarce.variants[0].id, {
        delta: -4,
        reason: 'breakage',
      });

      const cart = (await request(server).get('/api/cart').set(dave.headers)).body;
      const status = Object.fromEntries(cart.items.map((i: { sku: string; status: string }) => [i.sku, i.status]));
      expect(status).toEqual({
        [gone.variants[0].sku]: 'gone',
        [hidden.variants[0].sku]: 'unpublished',
        [scarce.variants[0].sku]: 'short_of_stock',
      });
      const goneLine = cart.items.find((i: { status: string }) => i.status === 'gone');
      expect(goneLine).toMatchObject({ unit_price: null, line_total: 0, stock: null, name: gone.name });
      expect(cart.subtotal).toBe(3 * 200 + 3 * 300);
      expect(cart.checkout_ready).toBe(false);

      const refused = await request(server).post('/api/orders').set(dave.headers).send({});
      expect(refused.status).toBe(409);
      await request(server).delete(`/api/cart/items/${goneLine.id}`).set(dave.headers);
      const hiddenLine = cart.items.find((i: { status: string }) => i.status === 'unpublished');
      await request(server).delete(`/api/cart/items/${hiddenLine.id}`).set(dave.headers);
      const short = await request(server).post('/api/orders').set(dave.headers).send({});
      expect(short.status).toBe(409);
      expect(short.body.skus).toEqual([scarce.variants[0].sku]);
      const scarceLine = cart.items.find((i: { status: string }) => i.status === 'short_of_stock');
      await request(server).patch(`/api/cart/items/${scarceLine.id}`).set(dave.headers).send({ quantity: 1 });
      expect((await request(server).post('/api/orders').set(dave.headers).send({})).status).toBe(201);
    });

    it('keeps carts apart: another customer’s or guest’s line is 404', async () => {
      const mug = await publishedProduct(env(), { stock: 5 });
      const mine = await request(server).post('/api/cart/items').set(alice.headers).send({ product_id: mug.id });
      const line = mine.body.items.find((i: { variant_id: string }) => i.variant_id === mug.variants[0].id);
      expect(
        (await request(server).patch(`/api/cart/items/${line.id}`).set(bob.headers).send({ quantity: 2 })).status,
      ).toBe(404);
      expect((await request(server).delete(`/api/cart/items/${line.id}`).set(bob.headers)).status).toBe(404);
      expect((await request(server).delete(`/api/cart/items/${line.id}`)).status).toBe(404);

      const guest = await request(server).post('/api/cart/items').send({ product_id: mug.id });
      const token = guest.headers['x-cart-token'];
      const guestLine = guest.body.items[0];
      expect(
        (await request(server).delete(`/api/cart/items/${guestLine.id}`).set('X-Cart-Token', 'not-a-real-token-at-all'))
          .status,
      ).toBe(404);
      expect((await request(server).delete(`/api/cart/items/${guestLine.id}`).set(bob.headers)).status).toBe(404);
      const other = await request(server).get('/api/cart');
      expect(other.body.id).not.toBe(guest.body.id);
      expect((await request(server).get('/api/cart').set('X-Cart-Token', token)).body.id).toBe(guest.body.id);
      expect((await request(server).delete(`/api/cart/items/${guestLine.id}`).set('X-Cart-Token', token)).status).toBe(
        204,
      );
      // A guest checks out with an e-mail (guest-checkout.test.ts); without a cart token it is a 401.
      expect((await request(server).post('/api/orders').set('X-Cart-Token', token).send({})).status).toBe(400);
      expect((await request(server).post('/api/orders').send({})).status).toBe(401);
    });

    it('merges a guest cart through the library too, capping quantities at the maximum', async () => {
      const mug = await publishedProduct(env(), { stock: 50 });
      const erin = await userWithToken(env(), 'customer');
      const anonymous = anonymousContext({ clock: env().clock });
      const guest = await env().engine.cart.addItem(anonymous, { product_id: mug.id, quantity: 4 });
      await env().engine.cart.addItem(erin.ctx, { product_id: mug.id, quantity: 3 });
      const merged = await env().engine.cart.mergeGuestCart(erin.ctx, guest.issuedToken!);
      expect(merged!.items).toEqual([expect.objectContaining({ variant_id: mug.variants[0].id, quantity: 5 })]);
      expect(await env().engine.cart.mergeGuestCart(erin.ctx, guest.issuedToken!)).toBeNull();
    });
  },
  { maxCartQuantity: 5 },
);
