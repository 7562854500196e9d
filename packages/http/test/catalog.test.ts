import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

interface Fixture {
  id: string;
  name: string;
  price: number;
  created_at: string;
  status: string;
  category: string;
  in_stock: boolean;
}

// Distinct first words keep name order the same under any collation (PostgreSQL's locale, SQLite's binary).
const NAMES = [
  'Alder Lamp',
  'Birch Chair',
  'Cedar Table',
  'Dogwood Stool',
  'Elm Shelf',
  'Fir Bench',
  'Ginkgo Desk',
  'Hazel Mirror',
  'Ironwood Bowl',
  'Juniper Vase',
  'Kapok Cushion',
  'Larch Crate',
];

describeEachDatabase('catalog over HTTP', (env) => {
  let staff: TestUser;
  let customer: TestUser;
  const categories: Record<string, { id: string; slug: string }> = {};
  const products: Fixture[] = [];

  const api = () => request(env().app);
  const published = () => products.filter((p) => p.status === 'published');
  /** Only the fixture products (other tests add their own). */
  const ours = (ids: string[]) => ids.filter((id) => products.some((p) => p.id === id));

  async function createProduct(body: Record<string, unknown>): Promise<request.Response> {
    return api().post('/api/products').set(staff.headers).send(body);
  }

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    customer = await userWithToken(env(), 'customer');
    // home > furniture > chairs; home > decor; garden
    for (const [key, body] of [
      ['home', { name: 'Home' }],
      ['furniture', { name: 'Furniture', parent: 'home' }],
      ['chairs', { name: 'Chairs & Stools', parent: 'furniture' }],
      ['decor', { name: 'Décor', parent: 'home', position: 1 }],
      ['garden', { name: 'Garden' }],
    ] as const) {
      const { parent, ...rest } = body as { name: string; parent?: string; position?: number };
      const res = await api()
        .post('/api/categories')
        .set(staff.headers)
        .send({ ...rest, parent_id: parent ? categories[parent].id : undefined });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      categories[key] = res.body;
    }
    const placement = ['chairs', 'furniture', 'decor', 'garden'];
    // Prices repeat (ties resolve by id), stock is 0 for every fourth, two are drafts, one archived.
    for (const [i, name] of NAMES.entries()) {
      env().clock.advance(1000);
      const status = i === 3 || i === 8 ? 'draft' : i === 10 ? 'archived' : 'published';
      const res = await createProduct({
        name,
        description: i === 5 ? 'Sturdy, pairs with any lamp.' : `A fine ${name.toLowerCase()}.`,
        price: 1000 + (i % 5) * 250,
        stock: i % 4 === 0 ? 0 : 5 + i,
        sku: `SKU-${i}`,
        status,
        category_id: categories[placement[i % 4]].id,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      products.push({
        id: res.body.id,
        name,
        price: res.body.price,
        created_at: res.body.created_at,
        status,
        category: placement[i % 4],
        in_stock: res.body.in_stock,
      });
    }
  });

  // ------------------------------------------------------------ categories

  it('lists categories flat with parent_id and as a tree', async () => {
    const flat = await api().get('/api/categories');
    expect(flat.status).toBe(200);
    expect(flat.body).toHaveLength(5);
    expect(flat.body.find((c: { id: string }) => c.id === categories.chairs.id)).toMatchObject({
      slug: 'chairs-stools',
      parent_id: categories.furniture.id,
    });
    expect(categories.decor.slug).toBe('decor');
    const tree = await api().get('/api/categories?tree=true');
    const home = tree.body.find((c: { id: string }) => c.id === categories.home.id);
    expect(home.children.map((c: { slug: string }) => c.slug)).toEqual(['furniture', 'decor']);
    expect(home.children[0].children.map((c: { slug: string }) => c.slug)).toEqual(['chairs-stools']);
    expect(tree.body.map((c: { slug: string }) => c.slug).sort()).toEqual(['garden', 'home']);
  });

  it('refuses duplicate category slugs, cycles, and writes by customers', async () => {
    const dup = await api().post('/api/categories').set(staff.headers).send({ name: 'Other', slug: 'garden' });
    expect(dup.status).toBe(409);
    const cycle = await api()
      .patch(`/api/categories/${categories.home.id}`)
      .set(staff.headers)
      .send({ parent_id: categories.chairs.id });
    expect(cycle.status).toBe(400);
    expect((await api().post('/api/categories').set(customer.headers).send({ name: 'X' })).status).toBe(403);
    expect((await api().post('/api/categories').send({ name: 'X' })).status).toBe(401);
  });

  it('refuses to delete a category in use unless its content is reassigned', async () => {
    const tmp = (await api().post('/api/categories').set(staff.headers).send({ name: 'Temporary' })).body;
    const child = (
      await api().post('/api/categories').set(staff.headers).send({ name: 'Temporary child', parent_id: tmp.id })
    ).body;
    const product = (await createProduct({ name: 'Temporary thing', price: 100, category_id: tmp.id })).body;
    expect((await api().delete(`/api/categories/${tmp.slug}`).set(staff.headers)).status).toBe(409);
    const moved = await api()
      .delete(`/api/categories/${tmp.id}?reassign_to=${categories.garden.slug}`)
      .set(staff.headers);
    expect(moved.status).toBe(204);
    const after = await api().get(`/api/products/${product.id}`).set(staff.headers);
    expect(after.body.category_id).toBe(categories.garden.id);
    expect((await api().get(`/api/categories/${child.id}`)).body.parent_id).toBe(categories.garden.id);
    await api().delete(`/api/products/${product.id}`).set(staff.headers).expect(204);
    await api().delete(`/api/categories/${child.id}`).set(staff.headers).expect(204);
  });

  // ------------------------------------------------------------ products

  it('creates a simple product with one variant and a slug from its name', async () => {
    const res = await createProduct({ name: 'Crème Brûlée Torch!', price: 4599, stock: 3, status: 'published' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      slug: 'creme-brulee-torch',
      price: 4599,
      currency: 'USD',
      stock: 3,
      in_stock: true,
      options: [],
    });
    expect(res.body.variants).toHaveLength(1);
    expect(res.body.variants[0]).toMatchObject({ price: 4599, stock: 3, low_stock_threshold: 5, options: {} });
    const again = await createProduct({ name: 'Crème brûlée torch', price: 100 });
    expect(again.body.slug).toBe('creme-brulee-torch-2');
    const bySlug = await api().get('/api/products/creme-brulee-torch');
    expect(bySlug.body.id).toBe(res.body.id);
  });

  it('creates a multi-variant product; its price is the lowest variant price, kept right on variant writes', async () => {
    const res = await createProduct({
      name: 'Linen Shirt',
      status: 'published',
      options: [
        { name: 'Color', values: ['Red', 'Blue'] },
        { name: 'Size', values: ['M', 'L'] },
      ],
      variants: [
        { sku: 'LS-RED-M', price: 3000, stock: 1, options: { Color: 'Red', Size: 'M' } },
        { sku: 'LS-BLUE-L', price: 3500, stock: 0, options: { Color: 'Blue', Size: 'L' } },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ price: 3000, stock: 1, in_stock: true });
    const id = res.body.id;
    const red = res.body.variants[0].id;
    const patched = await api().patch(`/api/products/${id}/variants/${red}`).set(staff.headers).send({ price: 3900 });
    expect(patched.status).toBe(200);
    expect((await api().get(`/api/products/${id}`)).body.price).toBe(3500);
    const added = await api()
      .post(`/api/products/${id}/variants`)
      .set(staff.headers)
      .send({ sku: 'LS-RED-L', price: 2000, options: { Color: 'Red', Size: 'L' } });
    expect(added.status).toBe(201);
    expect((await api().get(`/api/products/${id}`)).body.price).toBe(2000);
    const sameOptions = await api()
      .post(`/api/products/${id}/variants`)
      .set(staff.headers)
      .send({ sku: 'LS-OTHER', price: 1, options: { Color: 'Red', Size: 'L' } });
    expect(sameOptions.status).toBe(409);
    const badOption = await api()
      .post(`/api/products/${id}/variants`)
      .set(staff.headers)
      .send({ sku: 'LS-GREEN', price: 1, options: { Color: 'Green', Size: 'L' } });
    expect(badOption.status).toBe(400);
    await api().delete(`/api/products/${id}/variants/${added.body.id}`).set(staff.headers).expect(204);
    expect((await api().get(`/api/products/${id}`)).body.price).toBe(3500);
    const variants = (await api().get(`/api/products/${id}/variants`)).body;
    await api().delete(`/api/products/${id}/variants/${variants[0].id}`).set(staff.headers).expect(204);
    const last = await api().delete(`/api/products/${id}/variants/${variants[1].id}`).set(staff.headers);
    expect(last.status).toBe(409);
  });

  it('answers duplicate slugs and SKUs with 409', async () => {
    expect((await createProduct({ name: 'Alder Lamp', slug: 'alder-lamp', price: 1 })).status).toBe(409);
    const dupSku = await createProduct({ name: 'Another', price: 1, sku: 'SKU-1' });
    expect(dupSku.status).toBe(409);
    expect(dupSku.body.detail).toMatch(/SKU/);
    const target = products[0].id;
    const variant = (await api().get(`/api/products/${target}`).set(staff.headers)).body.variants[0];
    const clash = await api()
      .patch(`/api/products/${target}/variants/${variant.id}`)
      .set(staff.headers)
      .send({ sku: 'SKU-2' });
    expect(clash.status).toBe(409);
    const rename = await api().patch(`/api/products/${target}`).set(staff.headers).send({ slug: 'birch-chair' });
    expect(rename.status).toBe(409);
  });

  it('does not let stock change through a variant PATCH', async () => {
    const p = (await api().get(`/api/products/${products[1].id}`)).body;
    const res = await api()
      .patch(`/api/products/${p.id}/variants/${p.variants[0].id}`)
      .set(staff.headers)
      .send({ stock: 999 });
    expect(res.status).toBe(400);
    expect((await api().get(`/api/products/${p.id}`)).body.stock).toBe(p.stock);
  });

  it('hides drafts and archived products from anonymous and customer callers', async () => {
    const draft = products.find((p) => p.status === 'draft')!;
    const archived = products.find((p) => p.status === 'archived')!;
    for (const headers of [{}, customer.headers]) {
      expect((await api().get(`/api/products/${draft.id}`).set(headers)).status).toBe(404);
      expect((await api().get(`/api/products/${archived.id}`).set(headers)).status).toBe(404);
      expect((await api().get(`/api/products/${draft.id}/variants`).set(headers)).status).toBe(404);
      const list = await api().get('/api/products?page_size=100').set(headers);
      const ids = list.body.results.map((p: { id: string }) => p.id);
      expect(ours(ids).sort()).toEqual(
        published()
          .map((p) => p.id)
          .sort(),
      );
      expect(ids).not.toContain(draft.id);
      expect(ids).not.toContain(archived.id);
      expect((await api().get('/api/products?status=draft').set(headers)).body.results).toEqual([]);
    }
    expect((await api().get(`/api/products/${draft.id}`).set(staff.headers)).status).toBe(200);
    const drafts = await api().get('/api/products?status=draft&page_size=100').set(staff.headers);
    expect(ours(drafts.body.results.map((p: { id: string }) => p.id)).sort()).toEqual(
      products
        .filter((p) => p.status === 'draft')
        .map((p) => p.id)
        .sort(),
    );
    expect((await api().patch(`/api/products/${draft.id}`).set(customer.headers).send({ name: 'x' })).status).toBe(403);
  });

  // ------------------------------------------------------------ lists

  /** Published fixture ids matching a predicate, in the order of a sort (ties by id, same direction). */
  function expected(sort: string, where: (p: Fixture) => boolean = () => true): string[] {
    const key = sort.replace(/^-/, '') as 'price' | 'name' | 'created_at';
    const dir = sort.startsWith('-') ? -1 : 1;
    const value = (p: Fixture) => (key === 'price' ? p.price : key === 'name' ? p.name : p.created_at);
    return published()
      .filter(where)
      .sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        if (x !== y) return (x < y ? -1 : 1) * dir;
        return (a.id < b.id ? -1 : 1) * dir;
      })
      .map((p) => p.id);
  }

  it('sorts by price, name and created_at, both ways', async () => {
    for (const sort of ['price', '-price', 'name', '-name', 'created_at', '-created_at']) {
      const res = await api().get(`/api/products?sort=${sort}&page_size=100&category=${categories.home.slug}`);
      expect(res.status).toBe(200);
      const inHome = (p: Fixture) => p.category !== 'garden';
      expect(ours(res.body.results.map((p: { id: string }) => p.id)), sort).toEqual(expected(sort, inHome));
    }
  });

  it('filters by category with its sub-categories, price range and stock', async () => {
    const ids = async (query: string) =>
      ours(
        (await api().get(`/api/products?page_size=100&sort=price&${query}`)).body.results.map(
          (p: { id: string }) => p.id,
        ),
      );
    expect(await ids(`category=${categories.furniture.id}`)).toEqual(
      expected('price', (p) => p.category === 'furniture' || p.category === 'chairs'),
    );
    expect(await ids(`category=${categories.chairs.slug}`)).toEqual(expected('price', (p) => p.category === 'chairs'));
    expect(await ids('min_price=1250&max_price=1500')).toEqual(
      expected('price', (p) => p.price >= 1250 && p.price <= 1500),
    );
    expect(await ids('in_stock=false')).toEqual(expected('price', (p) => !p.in_stock));
    expect(await ids(`in_stock=true&category=${categories.garden.slug}`)).toEqual(
      expected('price', (p) => p.in_stock && p.category === 'garden'),
    );
  });

  it('gives the same items through page and keyset pagination, for every sort', async () => {
    for (const sort of ['price', '-price', 'name', '-created_at']) {
      const query = `sort=${sort}&category=${categories.home.id}`;
      const paged: string[] = [];
      let page = 1;
      let count = 0;
      for (;;) {
        const res = await api().get(`/api/products?${query}&page=${page}&page_size=3`);
        count = res.body.count;
        paged.push(...res.body.results.map((p: { id: string }) => p.id));
        if (!res.body.next) break;
        expect(res.body.next).toContain(`page=${page + 1}`);
        page++;
      }
      const keyset: string[] = [];
      let cursor = '';
      for (;;) {
        const res = await api().get(`/api/products?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        keyset.push(...res.body.results.map((p: { id: string }) => p.id));
        if (!res.body.next_cursor) break;
        cursor = res.body.next_cursor;
      }
      expect(keyset, sort).toEqual(paged);
      expect(paged).toHaveLength(count);
      expect(ours(paged)).toEqual(expected(sort, (p) => p.category !== 'garden'));
    }
  });

  it('searches name, description and SKU, ranking name matches first', async () => {
    const ids = async (q: string, extra = '') =>
      (await api().get(`/api/products?q=${encodeURIComponent(q)}${extra}`)).body.results.map(
        (p: { id: string }) => p.id,
      );
    const lamp = products.find((p) => p.name === 'Alder Lamp')!.id;
    const bench = products.find((p) => p.name === 'Fir Bench')!.id; // "lamp" only in its description
    expect(await ids('lamp')).toEqual([lamp, bench]);
    expect(await ids('LAMP alder')).toEqual([lamp]);
    expect(await ids('sku-6')).toEqual([products[6].id]);
    // FTS syntax is never passed through: quotes, stars, parentheses and colons are not operators.
    expect(await ids('"lamp*" (: ^')).toEqual([lamp, bench]);
    expect(await ids('lamp OR chair')).toEqual([]); // OR is a word like any other
    expect(await ids('lamp', '&sort=-price')).toEqual(
      products[0].price > products[5].price ? [lamp, bench] : [bench, lamp],
    );
    expect(await ids('nothingmatchesthis')).toEqual([]);
    // Page mode counts every hit, on page 1, on a later page and past the end.
    const counts = await Promise.all(
      ['page_size=1', 'page_size=1&page=2', 'page=5'].map(
        async (p) => (await api().get(`/api/products?q=lamp&${p}`)).body.count as number,
      ),
    );
    expect(counts).toEqual([2, 2, 2]);
    expect((await api().get('/api/products?q=nothingmatchesthis')).body.count).toBe(0);
    // Keyset over relevance reaches the same two.
    const first = await api().get('/api/products?q=lamp&limit=1');
    const second = await api().get(`/api/products?q=lamp&limit=1&cursor=${first.body.next_cursor}`);
    expect([...first.body.results, ...second.body.results].map((p: { id: string }) => p.id)).toEqual([lamp, bench]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('keeps search right when a product is renamed, a SKU changes or a product is deleted', async () => {
    const ids = async (q: string) =>
      (await api().get(`/api/products?q=${q}`).set(staff.headers)).body.results.map((p: { id: string }) => p.id);
    const made = (await createProduct({ name: 'Quokka Figurine', price: 900, sku: 'QK-1' })).body;
    expect(await ids('quokka')).toEqual([made.id]);
    await api().patch(`/api/products/${made.id}`).set(staff.headers).send({ name: 'Wombat Figurine' }).expect(200);
    expect(await ids('quokka')).toEqual([]);
    expect(await ids('wombat')).toEqual([made.id]);
    await api()
      .patch(`/api/products/${made.id}/variants/${made.variants[0].id}`)
      .set(staff.headers)
      .send({ sku: 'WB-77' })
      .expect(200);
    expect(await ids('qk')).toEqual([]);
    expect(await ids('wb-77')).toEqual([made.id]);
    await api().delete(`/api/products/${made.id}`).set(staff.headers).expect(204);
    expect(await ids('wombat')).toEqual([]);
  });

  it('answers bad filters, sorts and cursors with 400, never a 500', async () => {
    for (const query of [
      'sort=price;drop table products',
      'sort=stock',
      'min_price=abc',
      'min_price=-1',
      'min_price[]=1',
      'category[a]=1',
      'min_price=10&max_price=5',
      'in_stock=maybe',
      'category=no-such-category',
      'cursor=garbage&limit=5',
      `cursor=${Buffer.from('["price","x","y"]').toString('base64url')}`,
      'limit=1000',
      'page=0',
      `q=${'a'.repeat(201)}`,
      'q=%20!!%20',
      'status=deleted',
    ]) {
      const res = await api().get(`/api/products?${query}`).set(staff.headers);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    // A cursor made for one sort cannot be replayed against another.
    const first = await api().get('/api/products?sort=price&limit=2');
    const replay = await api().get(`/api/products?sort=name&limit=2&cursor=${first.body.next_cursor}`);
    expect(replay.status).toBe(400);
  });

  // ------------------------------------------------------------ stock

  it('adjusts stock by a delta with a reason (staff), never below zero', async () => {
    const product = (await api().get(`/api/products/${products[1].id}`)).body;
    const url = `/api/products/${product.id}/variants/${product.variants[0].id}/stock`;
    const res = await api().post(url).set(staff.headers).send({ delta: -2, reason: 'damaged in storage' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ delta: -2, stock_after: product.stock - 2, reason: 'damaged in storage' });
    const tooMuch = await api().post(url).set(staff.headers).send({ delta: -1000, reason: 'x' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.type).toBe('https://emporia.dev/problems/out-of-stock');
    expect((await api().post(url).set(staff.headers).send({ delta: 1 })).status).toBe(400);
    expect((await api().post(url).set(customer.headers).send({ delta: 1, reason: 'x' })).status).toBe(403);
    expect((await api().post(url).send({ delta: 1, reason: 'x' })).status).toBe(401);
    const log = await api().get(url).set(staff.headers);
    expect(log.body[0]).toMatchObject({ delta: -2, reason: 'damaged in storage', actor_id: staff.user.id });
    expect((await api().get(`/api/products/${product.id}`)).body.stock).toBe(product.stock - 2);
  });

  it('lists the catalog operations in the OpenAPI document with shared components', async () => {
    const doc = (await api().get('/api/openapi.json')).body;
    expect(doc.paths['/api/products'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['category', 'min_price', 'max_price', 'in_stock', 'q', 'sort', 'cursor', 'limit']),
    );
    expect(doc.components.schemas.Product).toBeDefined();
    expect(doc.components.schemas.Variant).toBeDefined();
  });
});
