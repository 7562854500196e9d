import { createHash } from 'node:crypto';
import { anonymousContext, newId, systemContext, type Category, type Engine, type Product } from '@emporia/core';
import { expect, it } from 'vitest';
import { createTestEnv, describeEachDatabase } from '../../../test/support/engine.js';

/** Every product of the catalog, read page by page. */
async function allProducts(engine: Engine): Promise<Product[]> {
  const products: Product[] = [];
  for (let page = 1; ; page++) {
    const r = await engine.catalog.listProducts(systemContext(), { page, page_size: 100, sort: 'name' });
    products.push(...r.results);
    if (r.kind !== 'page' || products.length >= r.count) return products;
  }
}

/** The slugs of every product a search finds (cursor pages: the whole ranking), sorted. */
async function searchHits(engine: Engine, q: string): Promise<string[]> {
  const slugs: string[] = [];
  let r = await engine.catalog.listProducts(anonymousContext(), { q, limit: 100 });
  slugs.push(...r.results.map((p) => p.slug));
  while (r.kind === 'keyset' && r.next_cursor) {
    r = await engine.catalog.listProducts(anonymousContext(), { q, limit: 100, cursor: r.next_cursor });
    slugs.push(...r.results.map((p) => p.slug));
  }
  return slugs.sort();
}

/**
 * What a seed wrote, without its ids (fresh per run): categories, products and variants by slug
 * and SKU, and what a few searches find. A faster load that changed a value would change it.
 */
async function seededContent(engine: Engine) {
  const tree = await engine.catalog.categoryTree(anonymousContext());
  const categories = new Map<string, string>();
  const walk = (list: Array<Category & { children?: Category[] }>, parent: string | null): unknown[] =>
    list.flatMap((c) => {
      categories.set(c.id, c.slug);
      return [[c.slug, c.name, c.description, c.position, parent], ...walk(c.children ?? [], c.slug)];
    });
  const categoryRows = walk(tree, null);
  const products = (await allProducts(engine))
    .map((p) => [
      p.slug,
      p.name,
      p.description,
      p.status,
      p.category_id && categories.get(p.category_id),
      p.tax_class,
      p.attributes,
      p.images,
      p.options,
      p.price,
      p.in_stock,
      p.created_at,
      p.variants.map((v) => [v.sku, v.price, v.currency, v.stock, v.low_stock_threshold, v.weight_grams, v.options]),
    ])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const searches = Object.fromEntries(
    await Promise.all(
      ['oak', 'made', 'cotton', 'bla'].map(async (q): Promise<[string, string[]]> => [q, await searchHits(engine, q)]),
    ),
  );
  return { categories: categoryRows, products, searches };
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describeEachDatabase('catalog seed content', (env) => {
  it('writes the same catalog for the same seed on every database, through the bulk path', async () => {
    const { engine, clock } = env();
    clock.set('2026-06-01T12:00:00Z');
    const ctx = systemContext({ clock });
    await engine.catalog.seed(ctx, { products: 450, seed: 20, batchSize: 200 }); // empty catalog: the bulk path
    const content = await seededContent(engine);
    expect(content.products).toHaveLength(450);
    expect(content.products.reduce((n, p) => n + (p[12] as unknown[]).length, 0)).toBe(956);
    expect(Object.values(content.searches).map((hits) => hits.length)).toEqual([25, 253, 32, 28]);
    // Measured on the loader before the direct SQLite inserts and the search columns in the load
    // (the same on SQLite, PostgreSQL and MariaDB): a changed value anywhere changes it.
    expect(digest(content)).toBe('df5e65640853ac2be57a9c28cd9e619161287fec36e3ede9bb22fbb88feaf68d');
  });

  it('writes the same catalog whatever the batch size (one transaction, generated in slices on SQLite)', async () => {
    // A database of its own: the suite's already holds this seed's catalog.
    const fresh = await createTestEnv(env().dialect);
    try {
      const { engine, clock } = fresh;
      clock.set('2026-06-01T12:00:00Z');
      const { knex } = engine.store as unknown as { knex: import('knex').Knex };
      const settings = async () =>
        fresh.dialect === 'sqlite'
          ? [
              ...(await Promise.all(['cache_size', 'mmap_size', 'synchronous'].map((p) => knex.raw(`pragma ${p}`)))),
              // FTS5's settings, absent ones at their defaults.
              {
                automerge: 4,
                hashsize: 1024 * 1024,
                ...Object.fromEntries(
                  ((await knex.raw('select k, v from products_fts_config')) as Array<{ k: string; v: unknown }>).map(
                    (r) => [r.k, r.v],
                  ),
                ),
              },
            ]
          : [];
      const before = await settings();
      // The default batch holds all 450 products: SQLite generates and writes them 200 at a time.
      await engine.catalog.seed(systemContext({ clock }), { products: 450, seed: 20 });
      expect(digest(await seededContent(engine))).toBe(
        'df5e65640853ac2be57a9c28cd9e619161287fec36e3ede9bb22fbb88feaf68d',
      );
      // The load's page cache, memory map and sync mode are the connection's own again, and the
      // full-text index's settings (its build's larger memory and no automerge) are as they were.
      expect(await settings()).toEqual(before);
    } finally {
      await fresh.close();
    }
  });

  it('keeps the search columns a load wrote (or left to the build) exactly as indexing the products again writes them', async () => {
    const { engine } = env();
    const ctx = systemContext();
    const { knex } = engine.store as unknown as { knex: import('knex').Knex };
    const column = env().dialect === 'postgres' ? 'search_vector::text' : 'search_text';
    const read = async () =>
      env().dialect === 'sqlite'
        ? await knex.raw(
            `select r.product_id, r.rowid as id, f.name, f.description, f.skus from products_fts_rows r
               join products_fts f on f.rowid = r.rowid order by r.product_id`,
          )
        : ((await knex.raw(`select id, ${column} as doc, search_rank from products order by id`)) as unknown);
    // Words PostgreSQL's parser could read otherwise, and non-ASCII ones the load leaves to the build.
    const at = new Date().toISOString();
    const rows = Array.from({ length: 250 }, (_, i) => ({
      id: newId(),
      slug: `odd-${i}`,
      name: i % 2 ? `12abc e2e 1e5 0x1f 007 ${i}` : `Café Ærø straße ${i}`,
      description: i % 3 ? 'Made-to-measure, 1.5 kg; v2.0.1 — x@y.z' : '',
      status: 'published' as const,
      category_id: null,
      tax_class: 'standard',
      attributes: {},
      images: [],
      options: [],
      currency: 'EUR',
      min_price: 100,
      in_stock: i % 2 === 0,
      created_at: at,
      updated_at: at,
    }));
    const variants = rows.map((p, i) => ({
      id: newId(),
      product_id: p.id,
      sku: `ODD-${i}.Ü`,
      price: 100,
      currency: 'EUR',
      stock: 1,
      low_stock_threshold: 5,
      weight_grams: 0,
      options: {},
      position: 0,
      created_at: at,
      updated_at: at,
    }));
    await engine.store.unitOfWork.run(ctx, async (tx) => {
      await engine.store.repositories.products.insertMany(tx, rows, variants);
      await engine.store.repositories.productSearch.rebuild(tx, { keepLoaded: true });
    });
    const loaded = JSON.stringify(await read());
    const ids = (await knex('products').orderBy('id').pluck('id')) as string[];
    await engine.store.unitOfWork.run(ctx, async (tx) => {
      for (let i = 0; i < ids.length; i += 200)
        await engine.store.repositories.productSearch.reindex(tx, ids.slice(i, i + 200));
    });
    expect(JSON.stringify(await read())).toBe(loaded);
  });

  it('after a seed killed half-way, the next one builds its indexes and search index back and says so', async () => {
    const { engine } = env();
    const ctx = systemContext();
    const { knex } = engine.store as unknown as { knex: import('knex').Knex };
    const hasIndex = async () => {
      const sql = {
        sqlite: `select 1 from sqlite_master where type = 'index' and name = ?`,
        postgres: `select 1 from pg_indexes where indexname = ?`,
        mysql: `select 1 from information_schema.statistics where table_schema = database() and index_name = ?`,
      }[env().dialect];
      const result = (await knex.raw(sql, ['products_name_idx'])) as unknown;
      const rows = Array.isArray(result)
        ? Array.isArray(result[0])
          ? (result[0] as unknown[])
          : result
        : (result as { rows: unknown[] }).rows;
      return (rows as unknown[]).length > 0;
    };
    expect(await hasIndex()).toBe(true);
    // A load that never ends stands for a process killed during it: the indexes are dropped and recorded.
    void engine.store.repositories.products.withoutSecondaryIndexes(ctx, () => new Promise<never>(() => {}));
    const recorded = async () => Number((await knex('bulk_load_indexes').count({ n: '*' }))[0].n);
    while ((await recorded()) === 0 || (await hasIndex())) await new Promise((r) => setTimeout(r, 20));
    expect(await hasIndex()).toBe(false);
    // Nor had it built the search index (SQLite), or written a row's search column (the others).
    const [orphan] = (await engine.catalog.listProducts(ctx, { page_size: 1, sort: 'name' })).results;
    const hits = await searchHits(engine, orphan.name);
    expect(hits).toContain(orphan.slug);
    if (env().dialect === 'sqlite') await knex.raw('delete from products_fts');
    else await knex('products').update(env().dialect === 'postgres' ? { search_vector: '' } : { search_text: '' });
    // MySQL searches its words table, which the load fills after the rows, as it writes their text.
    if (env().dialect === 'mysql') await knex('product_search_words').delete();
    expect((await engine.catalog.listProducts(ctx, { q: orphan.name })).results).toEqual([]);
    // The sort-bucket triggers skip writes while the record is there; the restore counts them again.
    await engine.catalog.createProduct(ctx, { name: 'Written during the load', status: 'published', price: 4321 });
    const bucketed = async (sort: string) =>
      Number((await knex('product_sort_buckets').where('sort_key', sort).sum({ n: 'n' }))[0].n ?? 0);
    const products = async () => Number((await knex('products').count({ n: '*' }))[0].n);
    expect(await bucketed('price')).toBe((await products()) - 1);

    await expect(engine.catalog.seed(ctx, { products: 10, seed: 3 })).rejects.toThrow(
      /An earlier seed into this catalog stopped before it finished/,
    );
    expect(await hasIndex()).toBe(true);
    expect(Number((await knex('bulk_load_indexes').count({ n: '*' }))[0].n)).toBe(0);
    // The search index was built again from the rows, and its build's FTS5 settings are put back.
    expect(await searchHits(engine, orphan.name)).toEqual(hits);
    for (const sort of ['price', 'created_at']) expect(await bucketed(sort)).toBe(await products());
    // So are the products per category and status (SQLite drops their triggers through a load).
    const counted = async () => Number((await knex('product_counts').sum({ n: 'n' }))[0].n ?? 0);
    expect(await counted()).toBe(await products());
    if (env().dialect === 'sqlite') {
      const rows = (await knex.raw(
        `select k, v from products_fts_config where k in ('hashsize', 'automerge')`,
      )) as Array<{
        k: string;
        v: unknown;
      }>;
      expect(Object.fromEntries(rows.map((r) => [r.k, Number(r.v)]))).toMatchObject({
        ...(rows.some((r) => r.k === 'hashsize') ? { hashsize: 1024 * 1024 } : {}),
        ...(rows.some((r) => r.k === 'automerge') ? { automerge: 4 } : {}),
      });
    }
    // And a seed goes on as into any filled catalog.
    const result = await engine.catalog.seed(ctx, { products: 10, seed: 3 });
    expect(result.products).toBe(10);
    // Counted by the triggers again, which the restore put back.
    expect(await counted()).toBe(await products());
  });
});
