import {
  BUILT_IN_ROLES,
  PRODUCT_SORTS,
  anonymousContext,
  newId,
  userContext,
  type Category,
  type Context,
  type ListResult,
  type Product,
  type ProductListQuery,
} from '@emporia/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

// Category listings read one index range per (category, status) and take their totals from a
// summary the database keeps; these tests hold both to the plain definition, computed here.

interface Model {
  id: string;
  name: string;
  category_id: string | null;
  status: Product['status'];
  price: number;
  in_stock: boolean;
  created_at: string;
}

const staff = (env: TestEnv): Context =>
  userContext(
    { id: newId(), email: 'staff@example.test', role: 'staff', permissions: BUILT_IN_ROLES.staff.permissions },
    { clock: env.clock },
  );

const model = (p: Product): Model => ({
  id: p.id,
  name: p.name,
  category_id: p.category_id,
  status: p.status,
  price: p.price,
  in_stock: p.in_stock,
  created_at: p.created_at,
});

/** The definition: filter, then order by the sort key with the id as tie-breaker. */
function expected(all: Map<string, Model>, categories: string[], sort: string, keep: (m: Model) => boolean): string[] {
  const key = sort.replace(/^-/, '') as 'price' | 'name' | 'created_at';
  const sign = sort.startsWith('-') ? -1 : 1;
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...all.values()]
    .filter((m) => m.category_id !== null && categories.includes(m.category_id) && keep(m))
    .sort((a, b) => sign * (cmp(a[key], b[key]) || cmp(a.id, b.id)))
    .map((m) => m.id);
}

async function everyPage(
  env: TestEnv,
  ctx: Context,
  query: ProductListQuery,
): Promise<{ ids: string[]; counts: number[] }> {
  const ids: string[] = [];
  const counts: number[] = [];
  for (let page = 1; ; page++) {
    const result: ListResult<Product> = await env.engine.catalog.listProducts(ctx, { ...query, page, page_size: 7 });
    if (result.kind !== 'page') throw new Error('expected a page');
    counts.push(result.count);
    ids.push(...result.results.map((p) => p.id));
    if (result.results.length < 7) return { ids, counts };
  }
}

async function everyCursor(env: TestEnv, ctx: Context, query: ProductListQuery): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const result: ListResult<Product> = await env.engine.catalog.listProducts(ctx, { ...query, cursor, limit: 6 });
    if (result.kind !== 'keyset') throw new Error('expected a keyset page');
    ids.push(...result.results.map((p) => p.id));
    if (!result.next_cursor) return ids;
    cursor = result.next_cursor;
  }
}

describeEachDatabase('catalog listing by category', (envOf) => {
  const all = new Map<string, Model>();
  let top: Category;
  let left: Category;
  let right: Category;
  let leaf: Category;
  let other: Category;
  const subtree = () => [top.id, left.id, right.id, leaf.id];

  beforeAll(async () => {
    const env = envOf();
    const ctx = staff(env);
    top = await env.engine.catalog.createCategory(ctx, { name: 'Furniture' });
    left = await env.engine.catalog.createCategory(ctx, { name: 'Chairs', parent_id: top.id });
    right = await env.engine.catalog.createCategory(ctx, { name: 'Tables', parent_id: top.id });
    leaf = await env.engine.catalog.createCategory(ctx, { name: 'Stools', parent_id: left.id });
    other = await env.engine.catalog.createCategory(ctx, { name: 'Garden' });
    const homes = [top, left, right, leaf, other];
    const statuses = ['published', 'published', 'published', 'draft', 'archived'] as const;
    for (let i = 0; i < 60; i++) {
      // Prices repeat (ties fall back to the id) and names are created out of order.
      const product = await env.engine.catalog.createProduct(ctx, {
        name: `Piece ${String((i * 37) % 60).padStart(3, '0')}`,
        status: statuses[i % statuses.length],
        category_id: homes[(i * 7) % homes.length].id,
        price: 1000 + ((i * 13) % 9) * 250,
        stock: i % 4 === 0 ? 0 : 5,
        sku: `LIST-${i}-${newId().slice(-6)}`,
      });
      all.set(product.id, model(product));
      if (i % 10 === 0) env.clock.advance(1000);
    }
  });

  it('pages and cursors through a category and its sub-categories in every sort order, with exact totals', async () => {
    const env = envOf();
    const asStaff = staff(env);
    const published = (m: Model) => m.status === 'published';
    for (const sort of PRODUCT_SORTS) {
      const want = expected(all, subtree(), sort, published);
      const pages = await everyPage(env, anonymousContext(), { category: top.slug, sort });
      expect(pages.ids, `page mode, ${sort}`).toEqual(want);
      expect(new Set(pages.counts), `count, ${sort}`).toEqual(new Set([want.length]));
      expect(await everyCursor(env, anonymousContext(), { category: top.slug, sort }), `cursor mode, ${sort}`).toEqual(
        want,
      );
      // Staff without a status filter see every status.
      const every = expected(all, subtree(), sort, () => true);
      const staffPages = await everyPage(env, asStaff, { category: top.slug, sort });
      expect(staffPages.ids, `staff page mode, ${sort}`).toEqual(every);
      expect(staffPages.counts[0]).toBe(every.length);
      expect(await everyCursor(env, asStaff, { category: left.slug, sort })).toEqual(
        expected(all, [left.id, leaf.id], sort, () => true),
      );
    }
  });

  it('reads every numbered page of the whole catalog, the deepest included, in the definition’s order', async () => {
    // Without a category a page reads its ids over an index first and then their rows: each page
    // must still be exactly that slice of the plain ordering, with the filters applied.
    const env = envOf();
    const everywhere = [...subtree(), other.id];
    for (const sort of PRODUCT_SORTS) {
      const published = expected(all, everywhere, sort, (m) => m.status === 'published');
      const pages = await everyPage(env, anonymousContext(), { sort });
      expect(pages.ids, `page mode, ${sort}`).toEqual(published);
      expect(new Set(pages.counts)).toEqual(new Set([published.length]));
      expect((await everyPage(env, staff(env), { sort })).ids, `staff page mode, ${sort}`).toEqual(
        expected(all, everywhere, sort, () => true),
      );
    }
    const filtered = expected(
      all,
      everywhere,
      '-price',
      (m) => m.status === 'published' && m.price >= 1500 && m.in_stock,
    );
    expect(filtered.length).toBeGreaterThan(7);
    const pages = await everyPage(env, anonymousContext(), { sort: '-price', min_price: 1500, in_stock: true });
    expect(pages.ids).toEqual(filtered);
    expect(pages.counts[0]).toBe(filtered.length);
  });

  it('gives each listed product the variants its own page shows, in every list shape', async () => {
    // The list reads the variants inside its own statement; they must be the detail's, field for field.
    const env = envOf();
    const ctx = staff(env);
    const sku = `TEE-${newId().slice(-6)}`;
    const tee = await env.engine.catalog.createProduct(ctx, {
      name: 'Piece Tee',
      status: 'published',
      category_id: leaf.id,
      options: [{ name: 'size', values: ['S', 'M', 'L'] }],
      variants: ['L', 'S', 'M'].map((size, i) => ({
        sku: `${sku}-${size}`,
        price: 900 + i,
        stock: i,
        options: { size },
      })),
    });
    all.set(tee.id, model(tee));
    const listed: Product[] = [];
    const pageOf = async (query: ProductListQuery) => {
      const result = await env.engine.catalog.listProducts(anonymousContext(), query);
      listed.push(...result.results);
      return result;
    };
    await pageOf({ category: top.slug, sort: 'price', page_size: 100 });
    await pageOf({ category: top.slug, sort: 'price', limit: 100 });
    await pageOf({ sort: 'name', page_size: 100 });
    await pageOf({ sort: '-created_at', limit: 100 });
    expect(listed.filter((p) => p.id === tee.id)).toHaveLength(4);
    for (const product of listed) {
      expect(product.variants, product.name).toEqual((await env.engine.catalog.getProduct(ctx, product.id)).variants);
    }
    expect(listed.find((p) => p.id === tee.id)!.variants.map((v) => v.options.size)).toEqual(['L', 'S', 'M']);
  });

  it('applies price and stock filters inside each category range', async () => {
    const env = envOf();
    const query = { category: top.slug, sort: '-price', min_price: 1500, max_price: 2500, in_stock: true } as const;
    const want = expected(
      all,
      subtree(),
      query.sort,
      (m) => m.status === 'published' && m.price >= 1500 && m.price <= 2500 && m.in_stock,
    );
    expect(want.length).toBeGreaterThan(7);
    const pages = await everyPage(env, anonymousContext(), query);
    expect(pages.ids).toEqual(want);
    expect(pages.counts[0]).toBe(want.length);
    expect(await everyCursor(env, anonymousContext(), query)).toEqual(want);
  });

  it('keeps totals right as products move, change status, go away, and categories are deleted', async () => {
    const env = envOf();
    const ctx = staff(env);
    const total = async (c: Context, query: ProductListQuery) => {
      const result = await env.engine.catalog.listProducts(c, { ...query, page_size: 1 });
      return result.kind === 'page' ? result.count : -1;
    };
    const check = async () => {
      for (const category of [top, left, right, leaf, other]) {
        const ids = category === top ? subtree() : category === left ? [left.id, leaf.id] : [category.id];
        const published = expected(all, ids, 'price', (m) => m.status === 'published').length;
        expect(await total(anonymousContext(), { category: category.slug }), category.name).toBe(published);
        expect(await total(ctx, { category: category.slug }), category.name).toBe(
          expected(all, ids, 'price', () => true).length,
        );
        expect(await total(ctx, { category: category.slug, status: 'draft' })).toBe(
          expected(all, ids, 'price', (m) => m.status === 'draft').length,
        );
      }
      const published = [...all.values()].filter((m) => m.status === 'published').length;
      expect(await total(anonymousContext(), {})).toBe(published);
      expect(await total(ctx, {})).toBe(all.size);
    };
    await check();

    const [first, second, third, fourth] = [...all.values()].filter((m) => m.category_id === right.id);
    const moved = await env.engine.catalog.updateProduct(ctx, first.id, { category_id: other.id });
    all.set(moved.id, model(moved));
    const hidden = await env.engine.catalog.updateProduct(ctx, second.id, {
      status: second.status === 'published' ? 'draft' : 'published',
    });
    all.set(hidden.id, model(hidden));
    const both = await env.engine.catalog.updateProduct(ctx, fourth.id, { category_id: leaf.id, status: 'archived' });
    all.set(both.id, model(both));
    await env.engine.catalog.deleteProduct(ctx, third.id);
    all.delete(third.id);
    await check();

    // Deleting a category moves its products to the one named.
    await env.engine.catalog.deleteCategory(ctx, leaf.id, { reassign_to: left.id });
    for (const m of all.values()) if (m.category_id === leaf.id) m.category_id = left.id;
    leaf = left;
    await check();
  });
});

describe('catalog listing model', () => {
  it('orders ties by id', () => {
    const rows = new Map<string, Model>(
      ['b', 'a'].map((id) => [
        id,
        { id, name: id, category_id: 'c', status: 'published', price: 1, in_stock: true, created_at: '' },
      ]),
    );
    expect(expected(rows, ['c'], 'price', () => true)).toEqual(['a', 'b']);
    expect(expected(rows, ['c'], '-price', () => true)).toEqual(['b', 'a']);
  });
});

describeEachDatabase('ranked search over many hits', (envOf) => {
  // Enough hits that a ranked page reads only the best of them (more than 200), with scores that
  // differ (descriptions of different lengths) and ties (identical texts), plus drafts that match.
  const matching: string[] = [];
  let draft: Product;

  beforeAll(async () => {
    const env = envOf();
    const ctx = staff(env);
    for (let i = 0; i < 240; i++) {
      const filler = Array.from({ length: i % 60 }, (_, j) => `word${j}`).join(' ');
      const product = await env.engine.catalog.createProduct(ctx, {
        name: i % 9 === 0 ? `Quartz Clock ${i}` : `Clock ${i}`,
        description: `A clock of quartz. ${filler}`,
        status: 'published',
        price: 1000 + i,
        sku: `RANK-${i}-${newId().slice(-6)}`,
      });
      matching.push(product.id);
    }
    draft = await env.engine.catalog.createProduct(ctx, {
      name: 'Quartz Draft',
      description: 'quartz',
      status: 'draft',
      price: 500,
      sku: `RANK-D-${newId().slice(-6)}`,
    });
    await env.engine.catalog.createProduct(ctx, { name: 'Plain Stool', status: 'published', price: 700 });
  });

  it('gives the same ranking in page mode (best hits only) as when walking every hit by cursor', async () => {
    const env = envOf();
    const pages = await everyPage(env, anonymousContext(), { q: 'quartz' });
    const walked = await everyCursor(env, anonymousContext(), { q: 'quartz' });
    expect(pages.ids).toHaveLength(matching.length);
    expect(new Set(pages.ids)).toEqual(new Set(matching));
    expect(pages.ids).toEqual(walked);
    expect(new Set(pages.counts)).toEqual(new Set([matching.length]));
    // Name matches weigh more: every "Quartz Clock" comes before every plain "Clock".
    const named = (await Promise.all(pages.ids.map((id) => env.engine.catalog.getProduct(anonymousContext(), id)))).map(
      (p) => p.name.startsWith('Quartz'),
    );
    expect(named.indexOf(false)).toBe(named.filter(Boolean).length);
  });

  it('counts hits by status without the drafts, and follows a status change', async () => {
    const env = envOf();
    const ctx = staff(env);
    const total = async (c: Context) => {
      const result = await env.engine.catalog.listProducts(c, { q: 'quartz', page_size: 1 });
      return result.kind === 'page' ? result.count : -1;
    };
    expect(await total(anonymousContext())).toBe(matching.length);
    expect(await total(ctx)).toBe(matching.length + 1);
    await env.engine.catalog.updateProduct(ctx, draft.id, { status: 'published' });
    expect(await total(anonymousContext())).toBe(matching.length + 1);
    const first = await env.engine.catalog.listProducts(anonymousContext(), { q: 'quartz', page_size: 1 });
    expect(first.results.map((p) => p.id)).toEqual([draft.id]); // a short text that is all "quartz" ranks first
    await env.engine.catalog.updateProduct(ctx, draft.id, { status: 'archived' });
    expect(await total(anonymousContext())).toBe(matching.length);
  });
});
