import { anonymousContext, productAnswerJson, type Product, type Variant } from '@emporia/core';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

// A list page and a product answer write each product's variants as the JSON text the database
// built (SQLite's json_object, PostgreSQL's to_json pieces), never parsed and written out again.
// These hold that text to what JSON.stringify writes for the same values — byte for byte, so
// ETags stay what they were — with names and option values that need escaping or are not ASCII,
// and to the values that went in, field by field.
const NAME = 'Kettle "Deluxe" \\ back\\slash </script><script>alert(1)</script> — naïve café 中文 🧪';
const DESCRIPTION = 'Line one\nline two\twith a tab, "quotes", </script> and \u2028\u2029 separators 👩‍🍳';
const SIZES = ['</script>', 'a\\b"c', '🧪 emoji', 'line\u2028sep'];

/** Every field of a variant answer, in the documented order, from the values alone. */
function variantFields(v: Variant): Variant {
  return {
    id: v.id,
    product_id: v.product_id,
    sku: v.sku,
    price: v.price,
    currency: v.currency,
    stock: v.stock,
    low_stock_threshold: v.low_stock_threshold,
    weight_grams: v.weight_grams,
    options: { ...v.options },
    created_at: v.created_at,
    updated_at: v.updated_at,
  };
}

/** Every field of a product answer, in the documented order, with its variants rebuilt from `variants`. */
function productFields(p: Product, variants: Variant[]): Product {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    status: p.status,
    category_id: p.category_id,
    tax_class: p.tax_class,
    attributes: p.attributes,
    images: p.images,
    options: p.options,
    price: p.price,
    currency: p.currency,
    stock: p.stock,
    in_stock: p.in_stock,
    variants: variants.map(variantFields),
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

describeEachDatabase('product answers written from the database’s JSON text', (env) => {
  let staff: TestUser;
  let category: { id: string };
  let hostile: Product;
  const api = () => request(env().app);

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    const made = await api().post('/api/categories').set(staff.headers).send({ name: 'Answer shapes' });
    expect(made.status, made.text).toBe(201);
    category = made.body;
    const res = await api()
      .post('/api/products')
      .set(staff.headers)
      .send({
        name: NAME,
        description: DESCRIPTION,
        status: 'published',
        category_id: category.id,
        attributes: { '10': 'digits first', 'quote"key': '</script>', nested: { emoji: '🧪', list: [1, 'two'] } },
        // An option named like an integer: JavaScript objects put such keys first.
        options: [
          { name: 'Größe "EU"', values: SIZES },
          { name: '10', values: ['x'] },
        ],
        variants: SIZES.map((size, i) => ({
          sku: `ANS-${i}`,
          price: 1000 + i,
          stock: i,
          options: { 'Größe "EU"': size, '10': 'x' },
        })),
      });
    expect(res.status, res.text).toBe(201);
    hostile = res.body;
    // A plain neighbour, and one without stock, on the same page.
    for (const [i, stock] of [5, 0].entries()) {
      const plain = await api()
        .post('/api/products')
        .set(staff.headers)
        .send({
          name: `Plain ${i}`,
          price: 500 + i,
          stock,
          sku: `ANS-P${i}`,
          status: 'published',
          category_id: category.id,
        });
      expect(plain.status, plain.text).toBe(201);
    }
  });

  it('writes the list page, a cursor page and the product byte for byte as JSON.stringify of its fields', async () => {
    for (const url of [
      `/api/products?category=${category.id}&sort=price`,
      `/api/products?category=${category.id}&sort=-name&limit=2`,
      '/api/products?sort=-created_at&page_size=5',
      '/api/products?q=deluxe',
    ]) {
      const res = await api().get(url);
      expect(res.status, url).toBe(200);
      const answer = JSON.parse(res.text) as { results: Product[] };
      expect(answer.results.length, url).toBeGreaterThan(0);
      const results = answer.results.map((p) => productFields(p, p.variants));
      expect(res.text, url).toBe(JSON.stringify({ ...answer, results }));
    }
    const one = await api().get(`/api/products/${hostile.slug}`);
    expect(one.status).toBe(200);
    const product = JSON.parse(one.text) as Product;
    expect(one.text).toBe(JSON.stringify(productFields(product, product.variants)));
  });

  it('answers the values that went in, and the variants the variant endpoint reads apart', async () => {
    const res = await api().get(`/api/products?category=${category.id}&sort=price`);
    const listed = (res.body.results as Product[]).find((p) => p.id === hostile.id)!;
    expect(listed.name).toBe(NAME);
    expect(listed.description).toBe(DESCRIPTION);
    expect(listed.stock).toBe(0 + 1 + 2 + 3);
    expect(listed.variants.map((v) => v.options['Größe "EU"'])).toEqual(SIZES);
    expect(Object.keys(listed.variants[0].options)).toEqual(['10', 'Größe "EU"']);
    expect(listed.variants.map((v) => v.sku)).toEqual(['ANS-0', 'ANS-1', 'ANS-2', 'ANS-3']);
    // The variant endpoint maps rows one by one (no JSON built in SQL): the same variants.
    const variants = await api().get(`/api/products/${hostile.id}/variants`);
    expect(variants.status).toBe(200);
    expect(listed.variants).toEqual(variants.body);
    expect(listed).toEqual(hostile);
    const empty = (res.body.results as Product[]).find((p) => p.name === 'Plain 1')!;
    expect([empty.stock, empty.in_stock, empty.variants.length]).toEqual([0, false, 1]);
  });

  it('gives library callers variants they can read and change, and writes what they changed', async () => {
    const ctx = anonymousContext({ clock: env().clock });
    const page = await env().engine.catalog.listProducts(ctx, { category: category.id, sort: 'price' });
    const product = page.results.find((p) => p.id === hostile.id)!;
    const spliced = productAnswerJson(product);
    expect(spliced).toBe(JSON.stringify(productFields(product, product.variants)));
    expect(Array.isArray(product.variants)).toBe(true);
    expect({ ...product }.variants).toHaveLength(4);
    product.variants[0].stock = 99;
    expect(JSON.parse(productAnswerJson(product)).variants[0].stock).toBe(99);
    // A field changed on a product whose variants were never read: the answer writes the change.
    const renamed = page.results.find((p) => p.name === 'Plain 1')!;
    renamed.name = 'Renamed "again"';
    expect(productAnswerJson(renamed)).toBe(JSON.stringify(renamed));
    expect(JSON.parse(productAnswerJson(renamed)).name).toBe('Renamed "again"');
    const other = page.results.find((p) => p.name === 'Plain 0')!;
    other.variants = [];
    expect(JSON.parse(productAnswerJson(other)).variants).toEqual([]);
    expect(productAnswerJson(other)).toBe(JSON.stringify(other));
  });
});

describeEachDatabase('product answers after variant writes', (env) => {
  let staff: TestUser;
  const api = () => request(env().app);

  // The list page and the product read carry each product's variants as JSON text the database
  // writes: every write to a variant must show on the next read, as the variant endpoint (which maps
  // the rows one by one) answers it, on every database.
  it('answers every variant write on the next list page and product read', async () => {
    staff = await userWithToken(env(), 'staff');
    const category = (await api().post('/api/categories').set(staff.headers).send({ name: 'Variant writes' })).body;
    const made = await api()
      .post('/api/products')
      .set(staff.headers)
      .send({
        name: 'Written "twice"',
        status: 'published',
        category_id: category.id,
        options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
        variants: ['S', 'M'].map((size, i) => ({
          sku: `VW-${size}`,
          price: 700 + i,
          stock: 3,
          options: { Size: size },
        })),
      });
    expect(made.status, made.text).toBe(201);
    const product = made.body as Product;
    const base = `/api/products/${product.id}/variants`;
    const agrees = async (what: string) => {
      const rows = (await api().get(base)).body as Variant[];
      const list = await api().get(`/api/products?category=${category.id}&sort=price`);
      expect(list.status, what).toBe(200);
      const listed = (list.body.results as Product[]).find((p) => p.id === product.id)!;
      const one = (await api().get(`/api/products/${product.slug}`)).body as Product;
      expect(listed.variants, what).toEqual(rows);
      expect(one.variants, what).toEqual(rows);
      expect(listed.stock, what).toBe(rows.reduce((sum, v) => sum + v.stock, 0));
      return rows;
    };
    const [small] = await agrees('created');
    const moved = await api().post(`${base}/${small.id}/stock`).set(staff.headers).send({ delta: 4, reason: 'count' });
    expect(moved.status, moved.text).toBe(201);
    expect((await agrees('stock'))[0].stock).toBe(7);
    const priced = await api().patch(`${base}/${small.id}`).set(staff.headers).send({ price: 650, sku: 'VW-S2' });
    expect(priced.status, priced.text).toBe(200);
    expect((await agrees('price'))[0]).toMatchObject({ price: 650, sku: 'VW-S2' });
    const added = await api()
      .post(base)
      .set(staff.headers)
      .send({ sku: 'VW-L', price: 900, stock: 1, options: { Size: 'L' } });
    expect(added.status, added.text).toBe(201);
    expect((await agrees('added')).map((v) => v.sku)).toEqual(['VW-S2', 'VW-M', 'VW-L']);
    expect((await api().delete(`${base}/${small.id}`).set(staff.headers)).status).toBe(204);
    expect((await agrees('removed')).map((v) => v.sku)).toEqual(['VW-M', 'VW-L']);
  });
});
