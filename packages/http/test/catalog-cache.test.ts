import type { Server } from 'node:http';
import type { KnexStore } from '@emporia/adapters';
import { createCatalogCache, MemoryCatalogCache } from '@emporia/adapters';
import { parseConfig, systemContext, type CatalogCache } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { dropRedisPrefix, REDIS_SKIP_REASON, testRedisPrefix, testRedisUrl } from '../../../test/support/redis.js';

// One process with the in-process cache: anonymous catalog GETs are served from it, and every
// write through the engine drops what it made stale before its own answer leaves.
describeEachDatabase(
  'catalog cache (memory)',
  (env) => {
    let staff: TestUser;
    let customer: TestUser;
    // One server, so every request names the same host (it is part of a cached list's links).
    let server: Server;
    const api = () => request(server);

    /** Statements the database ran during `work`. */
    async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
      const knex = (env().engine.store as KnexStore).knex;
      const seen: string[] = [];
      const onQuery = (q: { sql: string }) => seen.push(q.sql);
      knex.on('query', onQuery);
      try {
        await work();
      } finally {
        knex.off('query', onQuery);
      }
      // The process's realtime reader polls the outbox on its own schedule; it is not the request's.
      return seen.filter((sql) => !sql.includes('outbox_events'));
    }

    async function catalogEvents(productId: string): Promise<string[]> {
      const events = await env().engine.store.repositories.outboxDispatch.since(
        systemContext(),
        '00000000-0000-0000-0000-000000000000',
        1000,
      );
      return events
        .filter((e) => (e.payload as { product_id?: string }).product_id === productId && e.type.startsWith('product.'))
        .map((e) => e.type);
    }

    async function product(name: string, stock: number) {
      const res = await api()
        .post('/api/products')
        .set(staff.headers)
        .send({ name, price: 1500, stock, status: 'published' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; slug: string; variants: Array<{ id: string }> };
    }

    beforeAll(async () => {
      server = env().app.listen(0);
      staff = await userWithToken(env(), 'staff');
      customer = await userWithToken(env(), 'customer');
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('serves a repeated anonymous GET without a statement, and 304 for its ETag', async () => {
      const p = await product('Cache Teapot', 3);
      const first = await api().get(`/api/products/${p.slug}`);
      expect(first.status).toBe(200);
      let again: request.Response | undefined;
      expect(await statementsOf(async () => (again = await api().get(`/api/products/${p.slug}`)))).toEqual([]);
      expect(again?.body).toEqual(first.body);
      expect(again?.headers.etag).toBe(first.headers.etag);
      const revalidated = await api()
        .get(`/api/products/${p.slug}`)
        .set('If-None-Match', first.headers.etag as string);
      expect(revalidated.status).toBe(304);
      // The list's first page and the categories are kept as well.
      for (const url of ['/api/products?sort=name', '/api/categories']) {
        expect((await api().get(url)).status).toBe(200);
        expect(await statementsOf(() => api().get(url)), url).toEqual([]);
      }
      // Past the cached pages, every request reads.
      expect(await statementsOf(() => api().get('/api/products?page=4&page_size=1'))).not.toEqual([]);
    });

    it('shows an update on the next GET, by slug, by id and in the list', async () => {
      const p = await product('Cache Jug', 3);
      const list = `/api/products?q=${encodeURIComponent('Cache Jug')}`;
      for (const url of [`/api/products/${p.slug}`, `/api/products/${p.id}`, list]) {
        expect((await api().get(url)).status).toBe(200);
      }
      const renamed = await api().patch(`/api/products/${p.id}`).set(staff.headers).send({ name: 'Cache Jug Blue' });
      expect(renamed.status).toBe(200);
      expect((await api().get(`/api/products/${p.slug}`)).body.name).toBe('Cache Jug Blue');
      expect((await api().get(`/api/products/${p.id}`)).body.name).toBe('Cache Jug Blue');
      expect((await api().get(list)).body.results.map((r: { name: string }) => r.name)).toEqual(['Cache Jug Blue']);

      const priced = await api()
        .patch(`/api/products/${p.id}/variants/${p.variants[0].id}`)
        .set(staff.headers)
        .send({ price: 1700 });
      expect(priced.status).toBe(200);
      expect((await api().get(`/api/products/${p.slug}`)).body.price).toBe(1700);

      const category = await api().post('/api/categories').set(staff.headers).send({ name: 'Cache Shelf' });
      expect(category.status).toBe(201);
      expect((await api().get(`/api/categories/${category.body.slug}`)).body.name).toBe('Cache Shelf');
      await api().patch(`/api/categories/${category.body.id}`).set(staff.headers).send({ name: 'Cache Shelf 2' });
      expect((await api().get(`/api/categories/${category.body.slug}`)).body.name).toBe('Cache Shelf 2');
      expect((await api().get('/api/categories')).body.map((c: { name: string }) => c.name)).toContain('Cache Shelf 2');

      // Deleting a category moves its products (reassign_to) without product events: their answers follow.
      const filed = await api()
        .patch(`/api/products/${p.id}`)
        .set(staff.headers)
        .send({ category_id: category.body.id });
      expect(filed.status).toBe(200);
      expect((await api().get(`/api/products/${p.slug}`)).body.category_id).toBe(category.body.id);
      const removed = await api().delete(`/api/categories/${category.body.id}?reassign_to=root`).set(staff.headers);
      expect(removed.status).toBe(204);
      expect((await api().get(`/api/products/${p.slug}`)).body.category_id).toBeNull();
      expect((await api().delete(`/api/products/${p.id}`).set(staff.headers)).status).toBe(204);
      expect((await api().get(`/api/products/${p.slug}`)).status).toBe(404);
      expect((await api().get(list)).body.results).toEqual([]);
    });

    it('flips in_stock when the last unit sells and back on cancel, with one event each and none otherwise', async () => {
      const p = await product('Cache Last Mug', 2);
      const url = `/api/products/${p.slug}`;
      expect((await api().get(url)).body.in_stock).toBe(true);
      const order = (quantity: number) =>
        api()
          .post('/api/orders')
          .set(customer.headers)
          .send({ items: [{ variant_id: p.variants[0].id, quantity }] });

      const first = await order(1);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      // Still in stock: the sale records no catalog event and the cached answer may stay.
      expect(await catalogEvents(p.id)).toEqual(['product.created']);
      expect((await api().get(url)).body.in_stock).toBe(true);

      const last = await order(1);
      expect(last.status).toBe(201);
      expect(await catalogEvents(p.id)).toEqual(['product.created', 'product.in_stock_changed']);
      expect((await api().get(url)).body.in_stock).toBe(false);
      const inStockList = await api().get(`/api/products?in_stock=true&q=${encodeURIComponent('Cache Last Mug')}`);
      expect(inStockList.body.results).toEqual([]);

      const cancelled = await api().post(`/api/orders/${last.body.id}/cancel`).set(customer.headers);
      expect(cancelled.status).toBe(200);
      expect((await api().get(url)).body.in_stock).toBe(true);
      expect(await catalogEvents(p.id)).toEqual([
        'product.created',
        'product.in_stock_changed',
        'product.in_stock_changed',
      ]);
    });

    it('shows what a CSV import creates: its products and the categories it makes', async () => {
      const categories = async () =>
        ((await api().get('/api/categories')).body as Array<{ slug: string }>).map((c) => c.slug);
      const list = '/api/products?q=Cacheimport';
      expect(await categories()).not.toContain('cacheimport-tools');
      expect((await api().get(list)).body.results).toEqual([]);
      const outcome = await env().engine.catalog.importBatch(staff.ctx, [
        {
          line: 2,
          record: {
            sku: 'CI-1',
            name: 'Cacheimport Spade',
            price: '900',
            status: 'published',
            category: 'cacheimport-tools',
          },
        },
      ]);
      expect(outcome.errors).toEqual([]);
      expect(await categories()).toContain('cacheimport-tools');
      expect((await api().get(list)).body.results.map((r: { name: string }) => r.name)).toEqual(['Cacheimport Spade']);
    });

    it('keeps staff answers out of the cache', async () => {
      const draft = await api()
        .post('/api/products')
        .set(staff.headers)
        .send({ name: 'Cache Draft', price: 900, status: 'draft' });
      expect(draft.status).toBe(201);
      expect((await api().get(`/api/products/${draft.body.slug}`).set(staff.headers)).status).toBe(200);
      expect((await api().get(`/api/products/${draft.body.slug}`)).status).toBe(404);
      const staffList = await api().get('/api/products?q=Cache+Draft').set(staff.headers);
      expect(staffList.body.results).toHaveLength(1);
      expect((await api().get('/api/products?q=Cache+Draft')).body.results).toEqual([]);
    });
  },
  { catalogCache: 'memory' },
);

// The race every cache must not lose: a read that took its version before a write's invalidation
// (so it may have read the old rows) is refused when it stores after it.
function raceSuite(name: string, make: () => CatalogCache | Promise<CatalogCache>) {
  describe(`catalog cache versions (${name})`, () => {
    let cache: CatalogCache;
    beforeAll(async () => {
      cache = await make();
    });
    afterAll(() => cache.close());
    const answer = (body: string) => ({ body, etag: `"${body}"` });

    it('refuses a store read before an invalidation, and drops one stored before it', async () => {
      const before = await cache.version();
      await cache.invalidate(['product:a']);
      expect(await cache.set('slow read', answer('old'), ['product:a'], before)).toBe(false);
      expect(await cache.get('slow read')).toBeNull();

      const fresh = await cache.version();
      expect(await cache.set('read', answer('new'), ['product:a', 'product-list'], fresh)).toBe(true);
      expect(await cache.get('read')).toEqual(answer('new'));
      // Another tag's invalidation leaves it alone; its own drops it.
      await cache.invalidate(['product:b']);
      expect(await cache.get('read')).toEqual(answer('new'));
      expect(await cache.set('other', answer('b'), ['product:c'], fresh)).toBe(true);
      await cache.invalidate(['product-list']);
      expect(await cache.get('read')).toBeNull();
      expect(await cache.get('other')).toEqual(answer('b'));
    });
  });
}

raceSuite('memory', () => new MemoryCatalogCache({ maxEntries: 100, ttlSeconds: 60 }));
raceSuite('memory, tag versions pushed out', () => new MemoryCatalogCache({ maxEntries: 1, ttlSeconds: 60 }));

describe('memory catalog cache, bounded by bytes', () => {
  const answer = (n: number) => ({ body: `[${'x'.repeat(1000)}${n}]`, etag: `"${n}"` });

  it('drops the least recently used answers once their bytes pass the bound, whatever their count', async () => {
    const cache = new MemoryCatalogCache({ maxEntries: 1000, maxBytes: 4096, ttlSeconds: 60 });
    const version = await cache.version();
    for (let n = 0; n < 10; n++) expect(await cache.set(`k${n}`, answer(n), ['product-list'], version)).toBe(true);
    const kept = [];
    for (let n = 0; n < 10; n++) if (await cache.get(`k${n}`)) kept.push(n);
    // ~1 KB each under a 4 KB bound: the three newest stay.
    expect(kept).toEqual([7, 8, 9]);
    await cache.close();
  });

  it('refuses an answer larger than the whole bound and keeps no older answer under its key', async () => {
    const cache = new MemoryCatalogCache({ maxEntries: 1000, maxBytes: 4096, ttlSeconds: 60 });
    const version = await cache.version();
    expect(await cache.set('big', answer(1), ['product-list'], version)).toBe(true);
    const huge = { body: 'y'.repeat(5000), etag: '"huge"' };
    expect(await cache.set('big', huge, ['product-list'], version)).toBe(false);
    expect(await cache.get('big')).toBeNull();
    await cache.close();
  });

  it('takes its bound from CATALOG_CACHE_MB', async () => {
    const config = parseConfig({ CATALOG_CACHE: 'memory', CATALOG_CACHE_MB: '1' });
    const cache = (await createCatalogCache(config))!;
    const version = await cache.version();
    const page = { body: 'z'.repeat(300_000), etag: '"page"' };
    for (let n = 0; n < 5; n++) await cache.set(`p${n}`, page, ['product-list'], version);
    let kept = 0;
    for (let n = 0; n < 5; n++) if (await cache.get(`p${n}`)) kept += 1;
    expect(kept).toBe(3);
    expect(() => parseConfig({ CATALOG_CACHE_MB: '0' })).toThrow();
    await cache.close();
  });
});

const prefix = testRedisPrefix('catalog-cache');
if (testRedisUrl) {
  const url = testRedisUrl;
  raceSuite('redis', async () => {
    const config = parseConfig({
      REDIS_URL: url,
      REDIS_PREFIX: prefix,
      CATALOG_CACHE: 'redis',
      CATALOG_CACHE_TTL: '60',
    });
    return (await createCatalogCache(config))!;
  });
  afterAll(() => dropRedisPrefix(url, prefix));
} else describe.skip(`catalog cache versions (redis) — ${REDIS_SKIP_REASON}`, () => {});
