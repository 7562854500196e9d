import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreBackup, writeBackup } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv, describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

/**
 * Deep numbered pages of a category start at the sort bucket holding their offset
 * (`product_sort_buckets`, kept by triggers). Each page must be exactly the page the plain OFFSET
 * walk gives — asked here with `min_price=0`, a row filter that the buckets do not count, so it
 * walks every entry — after every kind of write that moves a product between buckets.
 */
const SIZE = 20;
/** Pages from here on read the buckets (`DEEP_OFFSET` = 200 in product-list.ts). */
const FIRST_DEEP = 200 / SIZE + 1;
const SORTS = ['price', '-price', 'created_at', '-created_at'];

const dir = mkdtempSync(join(tmpdir(), 'emporia-deep-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Listed {
  id: string;
  category_id: string | null;
  price: number;
  variants: Array<{ id: string }>;
}

describeEachDatabase('deep category pages', (env) => {
  let staff: TestUser;
  /** The largest top-level category of the seeded catalog and another one. */
  let big: string;
  let other: { id: string; slug: string };
  const api = (e: TestEnv = env()) => request(e.app);
  const list = async (query: string, headers: Record<string, string> = {}, e: TestEnv = env()) => {
    const res = await api(e).get(`/api/products?${query}`).set(headers);
    return {
      status: res.status,
      count: res.body.count as number,
      ids: ((res.body.results ?? []) as Listed[]).map((p) => p.id),
    };
  };

  /** Every deep page (and the first past the end) of the category in every bucketed sort equals the plain walk's. */
  async function expectPlainPages(category: string, headers: Record<string, string> = {}, e: TestEnv = env()) {
    for (const sort of SORTS) {
      const base = `category=${category}&sort=${sort}&page_size=${SIZE}`;
      const { count } = await list(base, headers, e);
      const last = Math.ceil(count / SIZE);
      expect(last, 'the category reaches the deep pages').toBeGreaterThan(FIRST_DEEP);
      for (let page = FIRST_DEEP; page <= last + 1; page++) {
        const deep = await list(`${base}&page=${page}`, headers, e);
        const plain = await list(`${base}&page=${page}&min_price=0`, headers, e);
        expect(deep, `${sort} page ${page}`).toEqual(plain);
        expect(deep.count, `${sort} page ${page}`).toBe(count);
      }
    }
  }

  /** Published products of the category (every one, by a cursor walk). */
  async function productsOf(category: string): Promise<Listed[]> {
    const found: Listed[] = [];
    let cursor = '';
    for (;;) {
      const res = await api().get(`/api/products?category=${category}&limit=100${cursor}`).set(staff.headers);
      found.push(...(res.body.results as Listed[]));
      if (!res.body.next_cursor) return found;
      cursor = `&cursor=${res.body.next_cursor}`;
    }
  }

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    // A bulk seed into the empty catalog (the triggers wait; the counts are built once after the
    // load), then one into the filled catalog (counted row by row).
    await env().engine.catalog.seed(systemContext(), { products: 3000, seed: 5 });
    await env().engine.catalog.seed(systemContext(), { products: 300, seed: 6 });
    const tops = (await api().get('/api/categories').set(staff.headers)).body as Array<{
      id: string;
      slug: string;
      parent_id: string | null;
    }>;
    const sized = [];
    for (const c of tops.filter((t) => t.parent_id === null)) {
      sized.push({ ...c, n: (await list(`category=${c.id}&page_size=1`)).count });
    }
    sized.sort((a, b) => b.n - a.n);
    big = sized[0].slug;
    other = sized[1];
  }, 120_000);

  it('equal the plain walk after seeding, for customers and for staff (every status)', async () => {
    await expectPlainPages(big);
    await expectPlainPages(big, staff.headers);
  }, 120_000);

  it('equal the plain walk after price changes, status changes, category moves, deletes and creates', async () => {
    const products = await productsOf(big);
    const pick = (i: number) => products[(i * 37) % products.length];
    // Prices far apart move products between buckets; a variant's price moves its product's min_price.
    for (let i = 0; i < 6; i++) {
      const p = pick(i);
      const res = await api()
        .patch(`/api/products/${p.id}/variants/${p.variants[0].id}`)
        .set(staff.headers)
        .send({ price: i % 2 ? 1 : 9_000_000 + i });
      expect(res.status).toBe(200);
    }
    for (let i = 6; i < 9; i++) {
      expect(
        (
          await api()
            .patch(`/api/products/${pick(i).id}`)
            .set(staff.headers)
            .send({ status: 'draft' })
        ).status,
      ).toBe(200);
    }
    for (let i = 9; i < 12; i++) {
      const res = await api()
        .patch(`/api/products/${pick(i).id}`)
        .set(staff.headers)
        .send({ category_id: other.id });
      expect(res.status).toBe(200);
    }
    for (let i = 12; i < 15; i++)
      expect(
        (
          await api()
            .delete(`/api/products/${pick(i).id}`)
            .set(staff.headers)
        ).status,
      ).toBe(204);
    const parent = products[0].category_id!;
    for (let i = 0; i < 3; i++) {
      const res = await api()
        .post('/api/products')
        .set(staff.headers)
        .send({ name: `Deep page ${i}`, status: 'published', price: 5000 + i * 7000, category_id: parent });
      expect(res.status).toBe(201);
    }
    await expectPlainPages(big);
    await expectPlainPages(big, staff.headers);
    await expectPlainPages(other.slug);
  }, 180_000);

  it('equal the plain walk after a CSV import and a category deleted into another', async () => {
    const parent = (await productsOf(big))[0].category_id!;
    const child = (await api().get(`/api/categories/${parent}`).set(staff.headers)).body as {
      slug: string;
      parent_id: string;
    };
    const top = (await api().get(`/api/categories/${child.parent_id}`).set(staff.headers)).body as { slug: string };
    const rows = ['sku,name,status,category,price,stock'];
    for (let i = 0; i < 30; i++)
      rows.push(`DEEP-${i},Imported ${i},published,${top.slug}/${child.slug},${700 + i * 1300},3`);
    const res = await api()
      .post('/api/products/import')
      .set(staff.headers)
      .set('Content-Type', 'text/csv')
      .send(rows.join('\n') + '\n');
    expect(res.status).toBe(202);
    await env().engine.jobs.createRunner().runUntilIdle();
    expect((await api().get(`/api/jobs/${res.body.id}`).set(staff.headers)).body.result).toMatchObject({ created: 30 });
    // The subcategory's products move to the other top-level category with it gone.
    const moved = await api().delete(`/api/categories/${parent}?reassign_to=${other.id}`).set(staff.headers);
    expect(moved.status).toBe(204);
    await expectPlainPages(big);
    await expectPlainPages(other.slug, staff.headers);
  }, 180_000);

  it('keep exact counts under concurrent writes', async () => {
    const products = (await productsOf(big)).slice(0, 24);
    await Promise.all(
      products.map((p, i) =>
        api()
          .patch(`/api/products/${p.id}/variants/${p.variants[0].id}`)
          .set(staff.headers)
          .send({ price: 100 + ((i * 7919) % 50) * 1000 })
          .then((r) => expect(r.status).toBe(200)),
      ),
    );
    await Promise.all(
      products.slice(0, 8).map((p, i) =>
        api()
          .patch(`/api/products/${p.id}`)
          .set(staff.headers)
          .send(i % 2 ? { status: 'archived' } : { category_id: other.id })
          .then((r) => expect(r.status).toBe(200)),
      ),
    );
    await expectPlainPages(big, staff.headers);
    await expectPlainPages(other.slug);
  }, 180_000);

  it('answer a hand-made page far past the end as before: empty, with the count', async () => {
    const { count } = await list(`category=${big}&sort=price`);
    for (const page of [400, 99_999, 99_999_999_999]) {
      for (const sort of SORTS) {
        const deep = await list(`category=${big}&sort=${sort}&page=${page}`);
        expect(deep).toEqual(await list(`category=${big}&sort=${sort}&page=${page}&min_price=0`));
        expect(deep).toEqual({ status: 200, count, ids: [] });
      }
    }
  });

  it('survive a backup and restore', async () => {
    const file = join(dir, `${env().dialect}.bak`);
    await writeBackup(env().url, file);
    const target = await createTestEnv(env().dialect);
    try {
      await restoreBackup(target.url, file);
      await expectPlainPages(big, {}, target);
      for (const sort of SORTS) {
        const query = `category=${big}&sort=${sort}&page_size=${SIZE}&page=${FIRST_DEEP + 1}`;
        expect(await list(query, {}, target)).toEqual(await list(query));
      }
    } finally {
      await target.close();
    }
  }, 180_000);
});
