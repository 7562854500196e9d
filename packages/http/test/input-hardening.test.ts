import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '@emporia/http';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

type Json = Record<string, unknown>;

/** Every object schema below `schema` (following component refs) that does not close its fields. */
function openObjects(
  schema: unknown,
  components: Record<string, Json>,
  path: string,
  seen = new Set<string>(),
): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const id = s.$ref.split('/').pop() as string;
    if (seen.has(id)) return [];
    seen.add(id);
    return openObjects(components[id], components, `${path}→${id}`, seen);
  }
  const found: string[] = [];
  if (s.type === 'object' && s.properties && s.additionalProperties !== false) found.push(path);
  for (const [k, v] of Object.entries(s)) {
    if (k === 'additionalProperties' && v && typeof v === 'object' && !(v as Json).properties) continue;
    if (Array.isArray(v)) v.forEach((x, i) => found.push(...openObjects(x, components, `${path}.${k}[${i}]`, seen)));
    else if (v && typeof v === 'object') found.push(...openObjects(v, components, `${path}.${k}`, seen));
  }
  return found;
}

describe('strict request bodies', () => {
  it('declares every JSON request body closed: an unknown field is refused, never ignored', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, Json>>; components: Json };
    const components = doc.components.schemas as Record<string, Json>;
    const open: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
        const schema = body?.['application/json']?.schema;
        // The payment provider's callback is the provider's document, verified by signature, not ours.
        if (!schema || path === '/api/payments/webhooks/{provider}') continue;
        open.push(...openObjects(schema, components, `${method.toUpperCase()} ${path}`));
      }
    }
    expect(open).toEqual([]);
  });
});

describeEachDatabase('strict request bodies', (env) => {
  let customer: TestUser;
  let staff: TestUser;
  beforeAll(async () => {
    [customer, staff] = await Promise.all([userWithToken(env(), 'customer'), userWithToken(env(), 'staff')]);
  });

  const expectUnknown = (res: request.Response, field: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.stringify(res.body.errors)).toContain(field);
  };

  it('refuses unknown fields on cart items, orders and payments', async () => {
    const product = await publishedProduct(env());
    const variant_id = product.variants[0].id;
    const app = env().app;
    expectUnknown(
      await request(app)
        .post('/api/cart/items')
        .set(customer.headers)
        .send({ variant_id, quantity: 1, user_id: staff.user.id }),
      'user_id',
    );
    expectUnknown(
      await request(app)
        .post('/api/orders')
        .set(customer.headers)
        .send({ items: [{ variant_id, quantity: 1 }], status: 'paid', user_id: staff.user.id }),
      'status',
    );
    expectUnknown(
      await request(app)
        .post('/api/orders')
        .set(customer.headers)
        .send({ items: [{ variant_id, quantity: 1, unit_price: 1 }] }),
      'unit_price',
    );
    expectUnknown(
      await request(app).post(`/api/orders/${randomUUID()}/payments`).set(customer.headers).send({ amount: 1 }),
      'amount',
    );
  });

  it('refuses unknown fields on catalog writes, the category PATCH and product create included', async () => {
    const app = env().app;
    const category = await request(app).post('/api/categories').set(staff.headers).send({ name: 'Mugs' });
    expect(category.status).toBe(201);
    expectUnknown(
      await request(app).patch(`/api/categories/${category.body.id}`).set(staff.headers).send({ foo: 1 }),
      'foo',
    );
    expectUnknown(
      await request(app).post('/api/products').set(staff.headers).send({ name: 'Cup', price: 100, weight: 300 }),
      'weight',
    );
    expectUnknown(
      await request(app)
        .post('/api/products')
        .set(staff.headers)
        .send({ name: 'Cup', variants: [{ sku: 'CUP-1', price: 100, colour: 'red' }] }),
      'colour',
    );
    const product = await publishedProduct(env());
    expectUnknown(
      await request(app)
        .post(`/api/products/${product.id}/variants/${product.variants[0].id}/stock`)
        .set(staff.headers)
        .send({ delta: 1, reason: 'count', actor_id: customer.user.id }),
      'actor_id',
    );
  });
});

describeEachDatabase('control characters in text', (env) => {
  let staff: TestUser;
  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
  });

  const expect400 = (res: request.Response) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  };

  it('answers 400 to a NUL in a path or query string, anonymous endpoints included', async () => {
    const app = env().app;
    expect400(await request(app).get('/api/products/a%00b'));
    expect400(await request(app).get('/api/categories/a%00b'));
    expect400(await request(app).get('/api/products?category=a%00'));
    expect400(await request(app).get('/api/products?q=mug%00'));
    expect400(await request(app).get('/api/products?cursor=%00'));
    expect400(await request(app).get('/api/products?q=mug%1b'));
  });

  it('answers 400 to a NUL in a registered name or a login e-mail', async () => {
    const app = env().app;
    const password = 'long enough password';
    expect400(
      await request(app).post('/api/auth/register').send({ email: 'nul@example.test', password, name: 'a\u0000b' }),
    );
    expect400(await request(app).post('/api/auth/register').send({ email: 'n\u0000ul@example.test', password }));
    expect400(await request(app).post('/api/auth/token').send({ email: 'n\u0000ul@example.test', password }));
    expect400(await request(app).post('/api/auth/token').send({ email: 'nul@example.test', password: 'x\u0000y' }));
  });

  it('refuses control characters in single-line text and keeps tab and newlines in descriptions', async () => {
    const app = env().app;
    expect400(await request(app).post('/api/products').set(staff.headers).send({ name: 'Cup\u0007', price: 100 }));
    expect400(
      await request(app)
        .post('/api/products')
        .set(staff.headers)
        .send({ name: 'Cup', price: 100, description: 'a\u0000' }),
    );
    expect400(await request(app).post('/api/categories').set(staff.headers).send({ name: 'Tab\tbed' }));
    const ok = await request(app)
      .post('/api/products')
      .set(staff.headers)
      .send({ name: 'Cup', price: 100, description: 'line one\n\tline two\r\n' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.description).toBe('line one\n\tline two\r\n');
  });

  it('refuses them to library callers with a ValidationError, the same rule on every surface', async () => {
    const ctx = staff.ctx;
    await expect(env().engine.catalog.createProduct(ctx, { name: 'a\u0000b', price: 1 })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(env().engine.catalog.getProduct(ctx, 'a\u0000b')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describeEachDatabase('integer limits', (env) => {
  let staff: TestUser;
  let customer: TestUser;
  beforeAll(async () => {
    [staff, customer] = await Promise.all([userWithToken(env(), 'staff'), userWithToken(env(), 'customer')]);
  });
  const MAX_SAFE = Number.MAX_SAFE_INTEGER;

  it('refuses a stock adjustment that would pass the 32-bit column with 409, stock unchanged', async () => {
    const app = env().app;
    const product = await publishedProduct(env(), { stock: 2_147_483_000 });
    const variant = product.variants[0];
    const url = `/api/products/${product.id}/variants/${variant.id}/stock`;
    const over = await request(app).post(url).set(staff.headers).send({ delta: 1_000, reason: 'count' });
    expect(over.status, JSON.stringify(over.body)).toBe(409);
    expect(over.body.type).toBe('https://emporia.dev/problems/amount-too-large');
    expect((await request(app).post(url).set(staff.headers).send({ delta: 647, reason: 'count' })).status).toBe(201);
    const read = await request(app).get(`/api/products/${product.id}`);
    expect(read.body.variants[0].stock).toBe(2_147_483_647);
    expect(
      (
        await request(app)
          .post(url)
          .set(staff.headers)
          .send({ delta: 2 ** 31, reason: 'count' })
      ).status,
    ).toBe(400);
  });

  it('refuses prices and quantities past what every dialect stores with 400', async () => {
    const app = env().app;
    const send = (body: object) => request(app).post('/api/products').set(staff.headers).send(body);
    expect((await send({ name: 'Gold', price: MAX_SAFE + 1 })).status).toBe(400);
    expect((await send({ name: 'Gold', price: 1, stock: 2 ** 31 })).status).toBe(400);
    expect(
      (
        await request(app)
          .post('/api/cart/items')
          .set(customer.headers)
          .send({ product_id: randomUUID(), quantity: 2 ** 31 })
      ).status,
    ).toBe(400);
  });

  it('answers 409 to a line or order total past 2^53, and the cart stays readable', async () => {
    const app = env().app;
    const gold = await publishedProduct(env(), { price: MAX_SAFE, stock: 10 });
    const silver = await publishedProduct(env(), { price: MAX_SAFE, stock: 10 });
    const add = (variant_id: string, quantity: number) =>
      request(app).post('/api/cart/items').set(customer.headers).send({ variant_id, quantity });
    const two = await add(gold.variants[0].id, 2);
    expect(two.status, JSON.stringify(two.body)).toBe(409);
    expect(two.body.type).toBe('https://emporia.dev/problems/amount-too-large');
    expect((await add(gold.variants[0].id, 1)).status).toBe(201);
    // Each line is exact, their sum is not: the cart is still read, not totalled past the limit.
    expect((await add(silver.variants[0].id, 1)).status).toBe(201);
    const cart = await request(app).get('/api/cart').set(customer.headers);
    expect(cart.status, JSON.stringify(cart.body)).toBe(200);
    expect(cart.body.subtotal).toBe(MAX_SAFE);
    expect(cart.body.checkout_ready).toBe(false);
    expect(cart.body.items.map((i: { status: string }) => i.status).sort()).toEqual(['available', 'over_limit']);
    const order = await request(app)
      .post('/api/orders')
      .set(customer.headers)
      .send({ items: [{ variant_id: gold.variants[0].id, quantity: 2 }] });
    expect(order.status, JSON.stringify(order.body)).toBe(409);
    expect(order.body.type).toBe('https://emporia.dev/problems/amount-too-large');
  });

  it('documents every integer input with its bounds and format', () => {
    const doc = openApiDocument() as { components: { schemas: Record<string, { properties: Record<string, Json> }> } };
    const item = doc.components.schemas.AddCartItem.properties;
    expect(item.quantity).toMatchObject({ type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000 });
  });
});

describeEachDatabase('free-form JSON', (env) => {
  let staff: TestUser;
  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
  });

  const nested = (levels: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };

  it('answers 400 to product attributes nested thousands deep, or too large, and takes shallow ones', async () => {
    const app = env().app;
    const create = (attributes: unknown) =>
      request(app).post('/api/products').set(staff.headers).send({ name: 'Deep', price: 1, attributes });
    for (const attributes of [
      nested(4_100),
      nested(11),
      { big: 'x'.repeat(70_000) },
      { 'k\u0000': 1 },
      { k: ['a\u0000'] },
    ]) {
      const res = await create(attributes);
      expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const ok = await create(nested(9));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const patch = await request(app)
      .patch(`/api/products/${ok.body.id}`)
      .set(staff.headers)
      .send({ attributes: nested(4_100) });
    expect(patch.status).toBe(400);
  });
});
