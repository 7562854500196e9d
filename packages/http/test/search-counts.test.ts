import request from 'supertest';
import type { KnexStore } from '@emporia/adapters';
import { BUILT_IN_ROLES, newId, userContext, type Context } from '@emporia/core';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

// A search's `count` is exact, or an estimate labelled `count_is_estimate: true` when the search
// matches more than 1,000 products (counting every hit of a common word costs more than the page).

const staff = (env: TestEnv): Context =>
  userContext(
    { id: newId(), email: 'staff@example.test', role: 'staff', permissions: BUILT_IN_ROLES.staff.permissions },
    { clock: env.clock },
  );

interface Listed {
  id: string;
  name: string;
  description: string;
  price: number;
  in_stock: boolean;
  variants: Array<{ sku: string }>;
}

/** Every published hit of `q` (with `extra` filters or sort), in the order a cursor walks them. */
async function walk(env: TestEnv, q: string, extra: Record<string, string> = {}): Promise<Listed[]> {
  const hits: Listed[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await request(env.app)
      .get('/api/products')
      .query({ q, limit: 100, ...extra, ...(cursor ? { cursor } : {}) })
      .expect(200);
    hits.push(...(res.body.results as Listed[]));
    if (!res.body.next_cursor) return hits;
    cursor = res.body.next_cursor;
  }
}

/** Every published hit of `q`, walked by cursor: the exact number to hold the count to. */
async function exactHits(env: TestEnv, q: string): Promise<number> {
  return (await walk(env, q)).length;
}

describeEachDatabase('search counts', (envOf) => {
  beforeAll(async () => {
    const env = envOf();
    await env.engine.catalog.seed(staff(env), { products: 2500, seed: 7 });
    await env.engine.catalog.createProduct(staff(env), {
      name: 'Zyzzyva Lamp',
      description: 'made of brass',
      status: 'published',
      price: 4200,
      sku: `ZYZ-${newId().slice(-6)}`,
    });
  });

  it('labels the count of a word most products hold as an estimate, close to the exact number', async () => {
    const env = envOf();
    const exact = await exactHits(env, 'made');
    expect(exact).toBeGreaterThan(1000);
    const res = await request(env.app).get('/api/products').query({ q: 'made', page_size: 5 }).expect(200);
    expect(res.body.results).toHaveLength(5);
    if (res.body.count_is_estimate) {
      expect(res.body.count_is_estimate).toBe(true);
      expect(res.body.count).toBeGreaterThan(exact * 0.7);
      expect(res.body.count).toBeLessThan(exact * 1.3);
    } else {
      // PostgreSQL estimates from the planner's statistics: before ANALYZE they may say "few", and
      // the count is then exact.
      expect(env.dialect).not.toBe('sqlite');
      expect(res.body.count).toBe(exact);
    }
    if (env.dialect === 'sqlite') expect(res.body.count_is_estimate).toBe(true);
  });

  it('ranks a name match above description-only matches when more hits than the candidates match', async () => {
    const env = envOf();
    const kettle = await env.engine.catalog.createProduct(staff(env), {
      name: 'Made Kettle',
      description: 'copper',
      status: 'published',
      price: 3100,
      // In stock: a ranked search walks in-stock products first (an out-of-stock one comes last).
      stock: 5,
      sku: `KET-${newId().slice(-6)}`,
    });
    const res = await request(env.app).get('/api/products').query({ q: 'made', page_size: 20 }).expect(200);
    expect(res.body.results[0].id).toBe(kettle.id);
    expect(res.body.results).toHaveLength(20);
    const page2 = await request(env.app).get('/api/products').query({ q: 'made', page_size: 20, page: 2 }).expect(200);
    const first = new Set(res.body.results.map((p: { id: string }) => p.id));
    expect(page2.body.results.some((p: { id: string }) => first.has(p.id))).toBe(false);
  });

  it('walks every hit of a common word once by ranked cursor, beginning with page 1 of the ranking', async () => {
    const env = envOf();
    for (const filter of [{}, { in_stock: 'true' }] as Array<Record<string, string>>) {
      const ranked = await walk(env, 'made', filter);
      // The same hits by name (the general query, every hit ordered by a column).
      const byName = await walk(env, 'made', { ...filter, sort: 'name' });
      expect(byName.length).toBeGreaterThan(600);
      const ids = ranked.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(byName.map((p) => p.id).sort());
      for (const p of ranked) {
        expect(`${p.name} ${p.description} ${p.variants.map((v) => v.sku).join(' ')}`.toLowerCase()).toMatch(/\bmade/);
        if (filter.in_stock) expect(p.in_stock).toBe(true);
      }
      const page1 = await request(env.app)
        .get('/api/products')
        .query({ q: 'made', page_size: 50, ...filter })
        .expect(200);
      expect(ids.slice(0, 50)).toEqual(page1.body.results.map((p: Listed) => p.id));
    }
  });

  it('answers a hand-made ranked cursor with hits of the word, never a 500', async () => {
    const env = envOf();
    const cursor = (key: number, id: string) =>
      Buffer.from(JSON.stringify(['relevance', key, id])).toString('base64url');
    for (const [key, id] of [
      [-1e300, 'x'],
      [-99.5, 'zzzz'],
      [-1, ''],
      [-4503599627370496, 'z'],
      [1e300, 'z'],
      [0, 'z'],
    ] as Array<[number, string]>) {
      const res = await request(env.app)
        .get('/api/products')
        .query({ q: 'made', limit: 5, cursor: cursor(key, id) })
        .expect(200);
      for (const p of res.body.results as Listed[])
        expect(`${p.name} ${p.description}`.toLowerCase()).toMatch(/\bmade/);
    }
  });

  it('counts a rare word exactly, without the label', async () => {
    const env = envOf();
    const res = await request(env.app).get('/api/products').query({ q: 'zyzzyva' }).expect(200);
    expect(res.body).toMatchObject({ count: 1 });
    expect(res.body).not.toHaveProperty('count_is_estimate');
    expect(res.body.results.map((p: { name: string }) => p.name)).toEqual(['Zyzzyva Lamp']);
  });

  it('sorts the hits of a common word or prefix by price: every hit once by cursor, the count labelled', async () => {
    const env = envOf();
    let labelled = 0;
    const holds = (p: Listed, word: string) =>
      `${p.name} ${p.description} ${p.variants.map((v) => v.sku).join(' ')}`
        .toLowerCase()
        .match(new RegExp(`\\b${word}`));
    for (const [q, filter] of [
      ['made', { sort: 'price', in_stock: 'true' }],
      ['mad', { sort: '-price' }],
      ['made', { sort: 'price', min_price: '2000', max_price: '6000' }],
      ['made the', { sort: 'price', in_stock: 'false' }],
      // Two words common alone that seldom share a product: a walk comes back short, the hits are read.
      ['linen walnut', { sort: 'price', in_stock: 'true' }],
    ] as Array<[string, Record<string, string>]>) {
      const label = `q=${q} ${JSON.stringify(filter)}`;
      const sorted = await walk(env, q, filter);
      const byName = await walk(env, q, { ...filter, sort: 'name' });
      const ids = sorted.map((p) => p.id);
      expect(new Set(ids).size, label).toBe(ids.length);
      expect([...ids].sort(), label).toEqual(byName.map((p) => p.id).sort());
      const descending = filter.sort.startsWith('-');
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1].price, sorted[i].price];
        expect(descending ? a >= b : a <= b, label).toBe(true);
      }
      for (const p of sorted) {
        for (const word of q.split(' ')) expect(holds(p, word), label).toBeTruthy();
        if (filter.in_stock) expect(p.in_stock, label).toBe(filter.in_stock === 'true');
        if (filter.min_price) expect(p.price, label).toBeGreaterThanOrEqual(Number(filter.min_price));
        if (filter.max_price) expect(p.price, label).toBeLessThanOrEqual(Number(filter.max_price));
      }
      // Numbered pages are the cursor walk's slices, and the count is exact or a close labelled estimate.
      for (const page of [1, 3]) {
        const res = await request(env.app)
          .get('/api/products')
          .query({ q, page_size: 20, page, ...filter })
          .expect(200);
        expect(
          res.body.results.map((p: Listed) => p.id),
          label,
        ).toEqual(ids.slice((page - 1) * 20, page * 20));
        if (res.body.count_is_estimate) {
          expect(res.body.count, label).toBeGreaterThan(ids.length * 0.7);
          expect(res.body.count, label).toBeLessThan(ids.length * 1.3);
        } else expect(res.body.count, label).toBe(ids.length);
        // SQLite walks the price index for a word this common and estimates the count.
        if (env.dialect === 'sqlite' && ids.length > 1300) expect(res.body.count_is_estimate, label).toBe(true);
        if (res.body.count_is_estimate) labelled++;
      }
    }
    if (env.dialect === 'sqlite') expect(labelled).toBeGreaterThan(0);
    // Hand-made cursors of a price walk: hits of the word, never a 500.
    const cursor = (key: unknown, id: string) => Buffer.from(JSON.stringify(['price', key, id])).toString('base64url');
    for (const [key, id] of [
      [-1e300, 'x'],
      [1e300, ''],
      [4200.5, 'zzzz'],
      ['4200', 'a'],
    ] as Array<[unknown, string]>) {
      const res = await request(env.app)
        .get('/api/products')
        .query({ q: 'made', sort: 'price', in_stock: 'true', limit: 5, cursor: cursor(key, id) });
      expect([200, 400]).toContain(res.status);
      for (const p of (res.body.results ?? []) as Listed[]) expect(holds(p, 'made')).toBeTruthy();
    }
    const rare = await request(env.app).get('/api/products').query({ q: 'zyz', sort: 'price', in_stock: 'false' });
    expect(rare.body).toMatchObject({ count: 1, results: [{ name: 'Zyzzyva Lamp' }] });
    expect(rare.body).not.toHaveProperty('count_is_estimate');
  });

  it('matches a prefix as the shopper types it (type-ahead), every result holding the word', async () => {
    const env = envOf();
    for (const q of ['zyz', 'zyzzy']) {
      const res = await request(env.app).get('/api/products').query({ q }).expect(200);
      expect(res.body.results.map((p: { name: string }) => p.name)).toEqual(['Zyzzyva Lamp']);
    }
    const res = await request(env.app).get('/api/products').query({ q: 'mad', page_size: 50 }).expect(200);
    expect(res.body.results).toHaveLength(50);
    for (const p of res.body.results as Array<{
      name: string;
      description: string;
      variants: Array<{ sku: string }>;
    }>) {
      expect(`${p.name} ${p.description} ${p.variants.map((v) => v.sku).join(' ')}`.toLowerCase()).toMatch(/\bmad/);
    }
  });

  it("answers a common word's ranked page with its estimated count in one statement, and again without counting", async () => {
    const env = envOf();
    const knex = (env.engine.store as KnexStore).knex;
    const pages: Array<{ statements: number; body: { count: number; count_is_estimate?: true } }> = [];
    for (let i = 0; i < 2; i++) {
      let statements = 0;
      const onQuery = () => statements++;
      knex.on('query', onQuery);
      try {
        const res = await request(env.app).get('/api/products').query({ q: 'made', page: 4 }).expect(200);
        pages.push({ statements, body: res.body });
      } finally {
        knex.off('query', onQuery);
      }
    }
    // SQLite estimates in the page's own statement; PostgreSQL and MySQL/MariaDB ask the
    // optimizer apart, then keep the estimate.
    if (env.dialect === 'sqlite') expect(pages[0].statements).toBe(1);
    expect(pages[1].statements).toBe(1);
    expect(pages[1].body.count).toBe(pages[0].body.count);
    expect(pages[1].body.count_is_estimate).toBe(pages[0].body.count_is_estimate);
  });

  it('keeps no exact count, and matches a whole word that begins another both ways', async () => {
    const env = envOf();
    const create = (name: string) =>
      env.engine.catalog.createProduct(staff(env), {
        name,
        description: 'made of pewter',
        status: 'published',
        price: 2900,
        sku: `QUI-${newId().slice(-6)}`,
      });
    const names = async (q: string) => {
      const res = await request(env.app).get('/api/products').query({ q }).expect(200);
      expect(res.body).not.toHaveProperty('count_is_estimate');
      expect(res.body.count).toBe(res.body.results.length);
      return (res.body.results as Array<{ name: string }>).map((p) => p.name).sort();
    };
    await create('Quillon Stand');
    expect(await names('quillon')).toEqual(['Quillon Stand']);
    await create('Quillonary Box');
    // "quillon" is a word of its own and the beginning of another: both hold it as a prefix.
    expect(await names('quillon')).toEqual(['Quillon Stand', 'Quillonary Box']);
    expect(await names('quillonary')).toEqual(['Quillonary Box']);
    expect(await names('quillon pewter')).toEqual(['Quillon Stand', 'Quillonary Box']);
  });
});
