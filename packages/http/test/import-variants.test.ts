import type { KnexStore } from '@emporia/adapters';
import { systemContext, type ProductImportResult } from '@emporia/core';
import request from 'supertest';
import { expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

const HEADER = 'handle,sku,name,status,category,price,stock,option1_name,option1_value,option2_name,option2_value';

describeEachDatabase('CSV import of categories and multi-variant products', (env) => {
  const knex = () => (env().engine.store as KnexStore).knex;
  const ctx = () => systemContext({ clock: env().clock });

  async function importCsv(csv: string, staff: TestUser): Promise<ProductImportResult> {
    const res = await request(env().app)
      .post('/api/products/import')
      .set(staff.headers)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(202);
    await env().engine.jobs.createRunner().runUntilIdle();
    const job = await request(env().app).get(`/api/jobs/${res.body.id}`).set(staff.headers);
    expect(job.body.status).toBe('succeeded');
    return job.body.result;
  }

  it('groups rows by handle into one product, creates category paths parents first, and re-imports by SKU', async () => {
    const staff = await userWithToken(env(), 'staff');
    const csv = [
      HEADER,
      'tent-2p,TENT-2P-GRN,Two-person tent,published,outdoor/tents,19900,4,colour,green,size,2p', // 2
      ',LAMP-1,Camp lamp,published,outdoor/lighting,2500,10,,,,', // 3: a simple product, a sibling category
      'tent-2p,TENT-2P-RED,,,,18900,3,,red,,2p', // 4
      'tent-2p,TENT-2P-BAD,,,,12.5,1,,blue,,2p', // 5: a bad price fails alone
      'tent-2p,TENT-2P-XL,Other name,,,19900,1,,green,,3p', // 6: product fields only on the first row
      ',MUG-1,Mug,draft,,900,1,colour,red,,', // 7: options without a handle
      ',MUG-2,Mug,draft,Outdoor/,900,1,,,,', // 8: not a slug path
    ].join('\n');
    const result = await importCsv(csv, staff);
    expect(result).toMatchObject({ rows: 7, created: 3, updated: 0, failed: 4 });
    expect(result.errors.map((e) => [e.line, e.sku])).toEqual([
      [5, 'TENT-2P-BAD'],
      [6, 'TENT-2P-XL'],
      [7, 'MUG-1'],
      [8, 'MUG-2'],
    ]);
    expect(result.errors[1].message).toMatch(/name: product fields go on the first row of handle tent-2p/);
    expect(result.errors[2].message).toMatch(/option columns need a handle/);
    expect(result.errors[3].message).toMatch(/category must be a path of slugs/);

    const categories = await knex()('categories').whereIn('slug', ['outdoor', 'tents', 'lighting']);
    const bySlug = Object.fromEntries(categories.map((c) => [c.slug, c]));
    expect(Object.keys(bySlug).sort()).toEqual(['lighting', 'outdoor', 'tents']);
    expect(bySlug.outdoor).toMatchObject({ parent_id: null, name: 'Outdoor' });
    expect(bySlug.tents.parent_id).toBe(bySlug.outdoor.id);
    expect(bySlug.lighting.parent_id).toBe(bySlug.outdoor.id);

    const tent = await env().engine.catalog.getProduct(ctx(), 'tent-2p');
    expect(tent).toMatchObject({
      name: 'Two-person tent',
      status: 'published',
      category_id: bySlug.tents.id,
      price: 18900,
      stock: 7,
      options: [
        { name: 'colour', values: ['green', 'red'] },
        { name: 'size', values: ['2p'] },
      ],
    });
    expect(tent.variants.map((v) => [v.sku, v.options])).toEqual([
      ['TENT-2P-GRN', { colour: 'green', size: '2p' }],
      ['TENT-2P-RED', { colour: 'red', size: '2p' }],
    ]);
    const lamp = (await env().engine.catalog.listProducts(ctx(), { q: 'LAMP-1' })).results[0];
    expect(lamp.category_id).toBe(bySlug.lighting.id);

    // The same file again changes nothing twice: updates by SKU, no second category or product.
    const again = await importCsv(csv, staff);
    expect(again).toMatchObject({ created: 0, updated: 3, failed: 4 });
    expect(await knex()('categories').whereIn('slug', ['outdoor', 'tents', 'lighting'])).toHaveLength(3);
    expect(await knex()('products').where('slug', 'like', 'tent-2p%')).toHaveLength(1);

    // A later file adds a variant with a new value and changes one; stock is set, not added.
    const more = await importCsv(
      [HEADER, 'tent-2p,TENT-2P-BLU,,,,20900,2,colour,blue,size,2p', 'tent-2p,TENT-2P-RED,,,,,9,,,,'].join('\n'),
      staff,
    );
    expect(more).toMatchObject({ created: 1, updated: 1, failed: 0 });
    const after = await env().engine.catalog.getProduct(ctx(), 'tent-2p');
    expect(after.options[0]).toEqual({ name: 'colour', values: ['green', 'red', 'blue'] });
    expect(after.variants.map((v) => [v.sku, v.stock])).toEqual([
      ['TENT-2P-GRN', 4],
      ['TENT-2P-RED', 9],
      ['TENT-2P-BLU', 2],
    ]);
  });

  it('a new handle without a name fails all its rows; a category under another parent is a row error', async () => {
    const staff = await userWithToken(env(), 'staff');
    await env().engine.catalog.createCategory(ctx(), { name: 'Kitchen', slug: 'kitchen' });
    const result = await importCsv(
      [
        HEADER,
        'nameless,NL-1,,,,100,1,size,s,,', // 2
        'nameless,NL-2,,,,100,1,,m,,', // 3
        ',CUP-1,Cup,draft,outdoor/kitchen,500,1,,,,', // 4: kitchen is a top-level category
      ].join('\n'),
      staff,
    );
    expect(result).toMatchObject({ created: 0, failed: 3 });
    expect(result.errors[0].message).toMatch(/handle nameless is new: its first row needs a name/);
    expect(result.errors[2].message).toMatch(/category kitchen already exists at the top level, not under outdoor/);
    expect(await knex()('products').where({ slug: 'nameless' })).toHaveLength(0);
  });

  it('two imports creating the same category path at once both land, with one category each', async () => {
    const staff = await userWithToken(env(), 'staff');
    const batch = (sku: string) =>
      env().engine.catalog.importBatch(staff.ctx, [
        { line: 2, record: { sku, name: sku, price: '100', category: 'garden/tools/spades' } },
      ]);
    const outcomes = await Promise.all([batch('SPADE-A'), batch('SPADE-B')]);
    expect(outcomes.map((o) => [o.created, o.errors])).toEqual([
      [1, []],
      [1, []],
    ]);
    const rows = await knex()('categories').whereIn('slug', ['garden', 'tools', 'spades']);
    expect(rows).toHaveLength(3);
    const spades = rows.find((c) => c.slug === 'spades');
    expect(await knex()('products').where({ category_id: spades.id })).toHaveLength(2);
  });
});
