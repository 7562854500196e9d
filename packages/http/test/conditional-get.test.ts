import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

// Catalog GETs carry a strong ETag of their exact body; If-None-Match with it is a 304, and any
// change to what the body would say (a rename, a stock movement) makes the old tag stale.
describeEachDatabase('conditional catalog GETs', (env) => {
  let staff: TestUser;
  let product: { id: string; slug: string; variants: Array<{ id: string }> };
  const api = () => request(env().app);

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    const res = await api()
      .post('/api/products')
      .set(staff.headers)
      .send({ name: 'Etag Kettle', price: 2500, stock: 1, sku: 'ETAG-1', status: 'published' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    product = res.body;
  });

  it('answers 304 without a body while the tag is current, 200 with a new tag after a change', async () => {
    const first = await api().get(`/api/products/${product.slug}`);
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers.vary).toMatch(/Authorization/);

    const again = await api().get(`/api/products/${product.slug}`).set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    // A weak form of the same tag and a list holding it match too (RFC 9110 §13.1.2).
    const weak = await api().get(`/api/products/${product.slug}`).set('If-None-Match', `"other", W/${etag}`);
    expect(weak.status).toBe(304);

    const renamed = await api().patch(`/api/products/${product.id}`).set(staff.headers).send({ name: 'Etag Kettle 2' });
    expect(renamed.status).toBe(200);
    const stale = await api().get(`/api/products/${product.slug}`).set('If-None-Match', etag);
    expect(stale.status).toBe(200);
    expect(stale.body.name).toBe('Etag Kettle 2');
    expect(stale.headers.etag).not.toBe(etag);
  });

  it('makes the tag stale when stock moves, so in_stock is never revalidated stale', async () => {
    const before = await api().get(`/api/products/${product.id}`);
    expect(before.body.in_stock).toBe(true);
    const moved = await api()
      .post(`/api/products/${product.id}/variants/${product.variants[0].id}/stock`)
      .set(staff.headers)
      .send({ delta: -1, reason: 'count' });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    const after = await api()
      .get(`/api/products/${product.id}`)
      .set('If-None-Match', before.headers.etag as string);
    expect(after.status).toBe(200);
    expect(after.body.in_stock).toBe(false);
  });

  it('tags lists and categories, and never tags an error', async () => {
    for (const url of ['/api/products?page_size=5', '/api/categories']) {
      const first = await api().get(url);
      expect(first.status).toBe(200);
      const again = await api()
        .get(url)
        .set('If-None-Match', first.headers.etag as string);
      expect(again.status, url).toBe(304);
    }
    const missing = await api().get('/api/products/no-such-product').set('If-None-Match', '*');
    expect(missing.status).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
  });
});
