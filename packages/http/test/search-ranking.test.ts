import request from 'supertest';
import { systemContext, type Product } from '@emporia/core';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

// The ranking contract of `q` on a small fixture: a name match outranks a description-only match,
// of two equal text matches the more popular ranks first, every result holds every term, counts
// are exact (a rare word), and no input can reach the engine's query syntax.

interface Listed {
  id: string;
  name: string;
  description: string;
  price: number;
  in_stock: boolean;
  variants: Array<{ sku: string }>;
}

const text = (p: Listed) => `${p.name} ${p.description} ${p.variants.map((v) => v.sku).join(' ')}`.toLowerCase();

describeEachDatabase('search ranking', (envOf) => {
  const system = (env: TestEnv) => systemContext({ clock: env.clock });
  let plain: Product;
  let popular: Product;
  let newer: Product;
  let teapot: Product;

  const product = (env: TestEnv, name: string, description: string, sku: string, price: number, stock = 50) =>
    env.engine.catalog.createProduct(system(env), { name, description, status: 'published', price, stock, sku });
  const search = async (env: TestEnv, query: Record<string, string | number>) =>
    (await request(env.app).get('/api/products').query(query).expect(200)).body as {
      count?: number;
      count_is_estimate?: boolean;
      results: Listed[];
      next_cursor?: string | null;
    };

  beforeAll(async () => {
    const env = envOf();
    await env.engine.catalog.seed(system(env), { products: 40, seed: 3 });
    plain = await product(env, 'Quillon Desk Lamp', 'warm light for a desk', 'QDL-1', 3900);
    await product(env, 'Reading Light', 'an arm shaped like a quillon', 'RDL-1', 2900);
    // Two equal text matches (same words, same lengths): the older one becomes the popular one.
    popular = await product(env, 'Vantor Kettle', 'brushed steel', 'VNT-A1', 5100);
    newer = await product(env, 'Vantor Kettle', 'brushed steel', 'VNT-B1', 4700);
    teapot = await product(env, 'Vantor Teapot', 'brushed steel, sold out', 'VNT-C1', 1900, 0);
  });

  it('ranks a name match above a description-only match, in page and cursor mode', async () => {
    const env = envOf();
    for (const query of [{ q: 'quillon' }, { q: 'quillon', limit: 10 }] as Array<Record<string, string | number>>) {
      const body = await search(env, query);
      expect(body.results.map((p) => p.name)).toEqual(['Quillon Desk Lamp', 'Reading Light']);
    }
    expect((await search(env, { q: 'quillon' })).results[0].id).toBe(plain.id);
  });

  it('counts a rare word exactly, and every result holds every term (prefixes for type-ahead)', async () => {
    const env = envOf();
    for (const q of ['vantor', 'vant', 'VANTOR kettle', 'brushed vant']) {
      const body = await search(env, { q });
      expect(body.count_is_estimate).toBeUndefined();
      expect(body.count).toBe(body.results.length);
      expect(body.results.length).toBeGreaterThan(0);
      const terms = q.toLowerCase().split(' ');
      for (const p of body.results) for (const t of terms) expect(text(p)).toMatch(new RegExp(`\\b${t}`));
    }
    expect((await search(env, { q: 'vantor kettle' })).count).toBe(2);
  });

  it('ranks the more popular of two equal text matches first once the popularity is rebuilt', async () => {
    const env = envOf();
    const ids = async (query: Record<string, string | number>) =>
      (await search(env, query)).results.map((p) => p.id).slice(0, 2);
    // Before any sale the newer one wins the tie.
    expect(await ids({ q: 'vantor kettle' })).toEqual([newer.id, popular.id]);
    const shopper = await userWithToken(env, 'customer');
    for (let i = 0; i < 3; i++) {
      await env.engine.orders.placeOrder(shopper.ctx, { items: [{ variant_id: popular.variants[0].id, quantity: 1 }] });
    }
    await env.engine.recommendations.rebuild(system(env));
    expect(await ids({ q: 'vantor kettle' })).toEqual([popular.id, newer.id]);
    expect(await ids({ q: 'vantor kettle', limit: 5 })).toEqual([popular.id, newer.id]);
    expect(await ids({ q: 'vantor kettle', page: 1, page_size: 1 })).toEqual([popular.id]);
  });

  it('ranks a product that sold out below an in-stock equal text match, and back when restocked', async () => {
    const env = envOf();
    const older = await product(env, 'Quorvex Mug', 'glazed clay', 'QRV-A1', 1500);
    const younger = await product(env, 'Quorvex Mug', 'glazed clay', 'QRV-B1', 1500);
    const ids = async (query: Record<string, string | number>) => (await search(env, query)).results.map((p) => p.id);
    const modes: Array<Record<string, string | number>> = [{ q: 'quorvex' }, { q: 'quorvex', limit: 5 }];
    for (const mode of modes) expect(await ids(mode)).toEqual([younger.id, older.id]);
    // The stock flip alone (no reindex, no popularity rebuild) moves the static score.
    await env.engine.inventory.setStock(system(env), younger.id, younger.variants[0].id, 0, 'sold out');
    for (const mode of modes) expect(await ids(mode)).toEqual([older.id, younger.id]);
    await env.engine.inventory.setStock(system(env), younger.id, younger.variants[0].id, 4, 'restock');
    for (const mode of modes) expect(await ids(mode)).toEqual([younger.id, older.id]);
  });

  it('filters and sorts the hits of a search (in stock, by price) without dropping or adding any', async () => {
    const env = envOf();
    for (const window of [{}, { limit: 10 }] as Array<Record<string, number>>) {
      const body = await search(env, { q: 'vantor', in_stock: 'true', sort: 'price', ...window });
      expect(body.results.map((p) => p.price)).toEqual([4700, 5100]);
      expect(body.results.every((p) => p.in_stock)).toBe(true);
    }
    const all = await search(env, { q: 'vantor', sort: '-price' });
    expect(all.results.map((p) => p.price)).toEqual([5100, 4700, 1900]);
    expect(all.count).toBe(3);
    // Stock and price changes reach the filtered, sorted search at once.
    await env.engine.catalog.updateVariant(system(env), teapot.id, teapot.variants[0].id, { price: 5300 });
    await env.engine.inventory.setStock(system(env), teapot.id, teapot.variants[0].id, 3, 'restock');
    await env.engine.inventory.setStock(system(env), newer.id, newer.variants[0].id, 0, 'sold out');
    const after = await search(env, { q: 'vantor', in_stock: 'true', sort: '-price', min_price: 5000 });
    expect(after.results.map((p) => p.id)).toEqual([teapot.id, popular.id]);
    expect(after.count).toBe(2);
  });

  it('answers hostile input with a clean 400 or results that hold the words, never a 500', async () => {
    const env = envOf();
    const hostile = [
      '"',
      "'",
      '*',
      'vantor*',
      '"vantor',
      '-vantor',
      'vantor OR quillon',
      'vantor AND NOT kettle',
      'NEAR(vantor kettle)',
      'name:vantor',
      'vantor:* & !kettle',
      '+vantor -kettle',
      '(((',
      "'; drop table products; --",
      '%_\\',
      'vantor\u0000kettle',
      '\u0000',
      'x'.repeat(10_000),
      `vantor ${'y'.repeat(600)}`,
      '🔥🔥',
      'Ωmega çafé ß',
      'ｖａｎｔｏｒ',
      '\u202evantor',
    ];
    for (const q of hostile) {
      const res = await request(env.app).get('/api/products').query({ q });
      expect([200, 400], `q=${JSON.stringify(q.slice(0, 40))}`).toContain(res.status);
      if (res.status === 400) {
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        continue;
      }
      const words = q
        .normalize('NFKD')
        .replace(/\p{M}/gu, '')
        .toLowerCase()
        .match(/[\p{L}\p{N}]+/gu) as string[];
      for (const p of res.body.results as Listed[]) {
        const t = text(p).normalize('NFKD').replace(/\p{M}/gu, '');
        for (const w of words.slice(0, 8)) expect(t).toContain(w);
      }
    }
    // Operators are words like any other: `vantor OR quillon` needs all three words, so nothing.
    expect((await search(env, { q: 'vantor OR quillon' })).results).toEqual([]);
    expect((await search(env, { q: 'vantor*' })).results.length).toBe(3);
  });
});
