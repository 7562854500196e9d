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
      await request(app).post('/api/products').set(staff.headers).send({ name: 'Cup', price: 100, weight_grams: 300 }),
      'weight_grams',
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
