import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymousContext, ConflictError, newId, systemContext, type Product } from '@emporia/core';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startupTasks } from '../src/startup.js';
import { runEmporia } from '../../../test/support/cli.js';
import { createTestEnv, describeEachDatabase } from '../../../test/support/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase('emporia seed', (env) => {
  it('generates a searchable catalog with a category tree and variants, and prints one summary line', async () => {
    const r = runEmporia(['seed', '--products', '1200', '--seed', '7', '--batch-size', '500'], {
      cwd: dir,
      env: { DATABASE_URL: env().url },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Not a terminal: no progress bar, just the summary line.
    const summary = /^Seeded 1200 products \((\d+) variants\) in (\d+) categories in [\d.]+ s\n$/.exec(r.stdout);
    expect(summary).not.toBeNull();

    const { catalog } = env().engine;
    const ctx = systemContext();
    const products: Product[] = [];
    for (let n = 1; n <= 12; n++) {
      const page = await catalog.listProducts(ctx, { page: n, page_size: 100 });
      expect(page.kind === 'page' && page.count).toBe(1200);
      products.push(...page.results);
    }
    expect(new Set(products.map((p) => p.id)).size).toBe(1200);
    expect(products.reduce((n, p) => n + p.variants.length, 0)).toBe(Number(summary![1]));
    // The generator's two-level tree: eight departments and their sub-categories.
    const tree = await catalog.categoryTree(anonymousContext());
    expect(tree.map((c) => [c.name, c.children.length])).toEqual([
      ['Apparel', 4],
      ['Footwear', 3],
      ['Home', 4],
      ['Garden', 3],
      ['Outdoors', 3],
      ['Stationery', 3],
      ['Toys', 3],
      ['Beauty', 2],
    ]);
    expect(tree.length + tree.reduce((n, c) => n + c.children.length, 0)).toBe(Number(summary![2]));
    const multi = products.find((p) => p.variants.length > 1)!;
    expect(multi.price).toBe(Math.min(...multi.variants.map((v) => v.price)));

    // The search index was built with the rows: a material word finds exactly the products that
    // carry it as a word prefix in their name, description or SKUs, as the index matches terms.
    const word = multi.name.split(' ')[1].toLowerCase();
    const carries = (p: Product) =>
      `${p.name} ${p.description} ${p.variants.map((v) => v.sku).join(' ')}`
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .some((w) => w.startsWith(word));
    const expected = products.filter(carries).map((p) => p.id);
    expect(expected.length).toBeGreaterThan(10);
    const found: string[] = [];
    let page = await catalog.listProducts(ctx, { q: word, limit: 100 });
    found.push(...page.results.map((p) => p.id));
    while (page.kind === 'keyset' && page.next_cursor) {
      page = await catalog.listProducts(ctx, { q: word, limit: 100, cursor: page.next_cursor });
      found.push(...page.results.map((p) => p.id));
    }
    expect(found.sort()).toEqual(expected.sort());

    // A sub-category filter finds the published products filed under it, and only those.
    const leaf = tree[0].children[0];
    const inLeaf = await catalog.listProducts(anonymousContext(), { category: leaf.slug, page_size: 100 });
    const filed = products.filter((p) => p.category_id === leaf.id && p.status === 'published').map((p) => p.id);
    expect(filed.length).toBeGreaterThan(0);
    expect(inLeaf.kind === 'page' && inLeaf.count).toBe(filed.length);
    expect(inLeaf.results.map((p) => p.id).sort()).toEqual(filed.sort());
  });

  it('refuses a bad size with one line and exit code 1', () => {
    const r = runEmporia(['seed', '--products', 'lots'], { cwd: dir, env: { DATABASE_URL: env().url } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("emporia: --products: expected a whole number, got 'lots'");
  });
});

// Its own fresh database: the bulk path is taken only into an empty catalog.
describeEachDatabase('catalog seed into an empty shop', (env) => {
  it('builds the indexes and the search index back after a bulk seed, and seeds again into a filled shop', async () => {
    const { catalog } = env().engine;
    const ctx = systemContext();
    await catalog.seed(ctx, { products: 300, seed: 1, batchSize: 100 }); // empty catalog: the bulk path
    await catalog.seed(ctx, { products: 200, seed: 2, batchSize: 100 }); // row by row, search indexed per batch
    const all = await catalog.listProducts(ctx, { page_size: 100 });
    expect(all.kind === 'page' && all.count).toBe(500);
    const last = await catalog.listProducts(ctx, { page_size: 100, page: 5 });
    // Every product of both runs is found by a word of its name, with nothing else.
    for (const product of [all.results[0], last.results[99]]) {
      const found = await catalog.listProducts(ctx, { q: product.slug.split('-').slice(0, 3).join(' ') });
      expect(found.results.map((p) => p.id)).toContain(product.id);
    }
    // The unique slug and SKU indexes are back: duplicates are refused.
    const [a, b] = all.results;
    await expect(catalog.updateProduct(ctx, a.id, { slug: b.slug })).rejects.toBeInstanceOf(ConflictError);
    await expect(
      catalog.createVariant(ctx, a.id, { sku: b.variants[0].sku, price: 100, options: a.variants[0].options }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('loads a large batch (COPY on PostgreSQL) with every text and JSON value as it was given', async () => {
    const { catalog, store } = env().engine;
    const ctx = systemContext();
    const [template] = (await catalog.listProducts(ctx, { page_size: 1, sort: 'name' })).results;
    const at = new Date().toISOString();
    const rows = Array.from({ length: 250 }, (_, i) => ({
      id: newId(),
      slug: `tricky-${i}`,
      name: `Tab\there ${i}`,
      description: i === 0 ? 'a\\back\\\\slash, a new\nline, a \r return, \\N and é' : '',
      status: 'draft' as const,
      category_id: null,
      tax_class: 'standard',
      attributes: { quote: 'say "hi"\n', path: 'C:\\temp' },
      images: [],
      options: [],
      currency: template.currency,
      min_price: 100,
      in_stock: i % 2 === 0,
      created_at: at,
      updated_at: at,
    }));
    const variants = rows.map((p, i) => ({
      id: newId(),
      product_id: p.id,
      sku: `TRICKY-${i}`,
      price: 100,
      currency: p.currency,
      stock: i % 2 === 0 ? 1 : 0,
      low_stock_threshold: 5,
      weight_grams: 0,
      options: {},
      position: 0,
      created_at: at,
      updated_at: at,
    }));
    await store.repositories.products.insertMany(ctx, rows, variants);
    const back = await catalog.getProduct(ctx, 'tricky-0');
    expect(back).toMatchObject({
      name: 'Tab\there 0',
      description: rows[0].description,
      attributes: rows[0].attributes,
    });
    expect((await catalog.getProduct(ctx, 'tricky-1')).in_stock).toBe(false);
    expect((await catalog.getProduct(ctx, 'tricky-1')).description).toBe('');
  });

  it('ranks the first pages of a common word from the best hits exactly as the full ranking does', async () => {
    const { catalog } = env().engine;
    const anon = anonymousContext(); // published only: the filter drops some of the best hits
    // 'made' is in about half of the 500 descriptions: more hits than the best-hits shortcut takes.
    // The reference ranking: the best hit, then cursor pages after it, which rank every hit.
    let r = await catalog.listProducts(anon, { q: 'made', limit: 1 });
    const everything = r.results.map((p) => p.id);
    while (r.kind === 'keyset' && r.next_cursor) {
      r = await catalog.listProducts(anon, { q: 'made', limit: 100, cursor: r.next_cursor });
      everything.push(...r.results.map((p) => p.id));
    }
    expect(everything.length).toBeGreaterThan(200);
    for (const page of [1, 2]) {
      const r = await catalog.listProducts(anon, { q: 'made', page, page_size: 20 });
      expect(r.kind === 'page' && r.count).toBe(everything.length);
      expect(r.results.map((p) => p.id)).toEqual(everything.slice((page - 1) * 20, page * 20));
    }
    const first = await catalog.listProducts(anon, { q: 'made', limit: 20 });
    expect(first.results.map((p) => p.id)).toEqual(everything.slice(0, 20));
  });
});

it('seeds a demo catalog, tax rates and a code at serve start with SEED_DEMO=true, only into an empty shop', async () => {
  const env = await createTestEnv('sqlite', { seedDemo: true });
  try {
    const logger = pino({ level: 'silent' });
    await startupTasks(env.engine, logger);
    const first = await env.engine.catalog.listProducts(systemContext(), {});
    expect(first.kind === 'page' && first.count).toBe(60);
    await startupTasks(env.engine, logger);
    const second = await env.engine.catalog.listProducts(systemContext(), {});
    expect(second.kind === 'page' && second.count).toBe(60);
    // The store country's VAT, once: a first cart shows a tax line.
    const rates = await env.engine.tax.listTaxRates(systemContext(), { country: 'DE' });
    expect(rates.map((r) => [r.tax_class, r.rate_bps])).toEqual([
      ['reduced', 700],
      ['standard', 1900],
    ]);
    // And one shipping zone with two methods.
    const zones = await env.engine.shipping.listZones(systemContext());
    expect(zones.map((z) => z.countries)).toEqual([['DE']]);
    const methods = await env.engine.shipping.listMethods(systemContext());
    expect(methods.map((m) => [m.name, m.price, m.free_over])).toEqual([
      ['Standard', 490, 5000],
      ['Express', 990, null],
    ]);
    // And one code, so the breakdown shows a discount at once.
    const codes = await env.engine.promotions.listPromotions(systemContext());
    expect(codes.map((p) => [p.code, p.kind, p.value])).toEqual([['WELCOME10', 'percentage', 1000]]);
  } finally {
    await env.close();
  }
});
