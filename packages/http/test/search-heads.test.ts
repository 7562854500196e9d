import request from 'supertest';
import knexLib, { type Knex } from 'knex';
import { systemContext } from '@emporia/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillSearchHeads } from '../../adapters/src/knex/search.repository.js';
import { testDialects } from '../../../test/support/databases.js';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { createTestEnv } from '../../../test/support/engine.js';

// PostgreSQL answers a common word's ranked pages from its search heads (the word's first hits in
// the static order, kept by triggers): the answers must be the ones the products themselves give,
// before and after writes that move products into, within and out of the heads.

const postgres = testDialects().includes('postgres');

describe.runIf(postgres)('search heads answer as the products do [postgres]', () => {
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let knex: Knex;
  let admin: TestUser;
  const system = () => systemContext({ clock: env.clock });
  const queries: Array<Record<string, string | number>> = [
    { q: 'the' },
    { q: 'the', page: 3 },
    { q: 'made' },
    { q: 'the made', page: 2 },
    { q: 'collec' },
    { q: 'the', limit: 20 },
    { q: 'the', status: 'draft' },
  ];
  const answers = async () => {
    const out = [];
    for (const query of queries) {
      // Twice: a common word's heads are walked once its count estimate is kept (after the first).
      const pages = [];
      for (let i = 0; i < 2; i++) {
        const body = (await request(env.app).get('/api/products').set(admin.headers).query(query).expect(200)).body as {
          results: Array<{ id: string }>;
          count?: number;
        };
        pages.push({ ids: body.results.map((p) => p.id), count: body.count });
      }
      expect(pages[1]).toEqual(pages[0]);
      out.push({ query, ...pages[1] });
    }
    return out;
  };
  const compareWithoutHeads = async () => {
    const listed = Number((await knex('search_head_terms').count({ n: '*' }))[0].n);
    expect(listed).toBeGreaterThan(0);
    const withHeads = await answers();
    const heads = await knex('search_head_terms').select('*');
    await knex('search_head_terms').delete();
    const without = await answers();
    await knex('search_head_terms').insert(heads);
    expect(withHeads.every((a) => a.ids.length > 0)).toBe(true);
    expect(withHeads).toEqual(without);
  };

  beforeAll(async () => {
    env = await createTestEnv('postgres');
    knex = knexLib({ client: 'pg', connection: env.url });
    admin = await userWithToken(env, 'admin');
    await env.engine.catalog.seed(system(), { products: 3000, seed: 11 });
    // Heads as a large catalog keeps them, scaled to this one: the words in 300 to 5,000 products,
    // 600 each (`the` is in more, `made` in fewer, so some heads hold every product of their word).
    await knex.transaction((trx) => fillSearchHeads(trx, { minRows: 300, size: 600 }));
  }, 120_000);
  afterAll(async () => {
    await knex?.destroy();
    await env?.close();
  });

  it('gives the same pages from the heads as from the products', async () => {
    await compareWithoutHeads();
  });

  it('keeps the heads exact through stock flips, status and text changes, deletes and new products', async () => {
    const top = (await request(env.app).get('/api/products').query({ q: 'the', limit: 6 }).expect(200)).body as {
      results: Array<{ id: string; variants: Array<{ id: string; stock?: number }> }>;
    };
    const [soldOut, drafted, renamed, deleted] = top.results;
    for (const variant of soldOut.variants)
      await env.engine.inventory.setStock(system(), soldOut.id, variant.id, 0, 'count');
    await env.engine.catalog.updateProduct(system(), drafted.id, { status: 'draft' });
    await env.engine.catalog.updateProduct(system(), renamed.id, { name: 'Plain Name', description: 'no such words' });
    await env.engine.catalog.deleteProduct(system(), deleted.id);
    await env.engine.catalog.createProduct(system(), {
      name: 'The Made Lamp',
      description: 'the newest, made to order',
      status: 'published',
      price: 1200,
      stock: 3,
      sku: 'HEADS-1',
    });
    await compareWithoutHeads();
  });
});
