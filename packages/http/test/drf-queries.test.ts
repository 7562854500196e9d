import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('DRF query names, unknown parameters, category parent by slug', (env) => {
  let staff: TestUser;
  const api = () => request(env().app);
  const names: string[] = [];

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    const category = await api().post('/api/categories').set(staff.headers).send({ name: 'Jeans' });
    for (const [i, name] of ['Denim Jacket', 'Linen Shirt', 'Denim Skirt', 'Wool Scarf', 'Cotton Tee'].entries()) {
      const res = await api()
        .post('/api/products')
        .set(staff.headers)
        .send({ name, price: 1000 + i * 100, status: 'published', category_id: category.body.id, sku: `Q-${i}` });
      expect(res.status).toBe(201);
      names.push(name);
    }
  });

  it('takes search as q and ordering as sort', async () => {
    const found = await api().get('/api/products?search=denim&ordering=-price');
    expect(found.status).toBe(200);
    expect(found.body.results.map((p: { name: string }) => p.name)).toEqual(['Denim Skirt', 'Denim Jacket']);
    const cheapest = await api().get('/api/products?ordering=price&page_size=1');
    expect(cheapest.body.results[0].name).toBe('Denim Jacket');
  });

  it('refuses an alias given together with its Emporia name', async () => {
    const res = await api().get('/api/products?search=denim&q=linen');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ path: 'query.search' });
  });

  it('pages by limit and offset with count and links', async () => {
    const res = await api().get('/api/products?ordering=price&limit=2&offset=1');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(5);
    expect(res.body.results.map((p: { name: string }) => p.name)).toEqual(['Linen Shirt', 'Denim Skirt']);
    expect(new URL(res.body.next).searchParams.get('offset')).toBe('3');
    expect(new URL(res.body.previous).searchParams.get('offset')).toBeNull();
    const last = await api().get(new URL(res.body.next).pathname + new URL(res.body.next).search);
    expect(last.body.results.map((p: { name: string }) => p.name)).toEqual(['Wool Scarf', 'Cotton Tee']);
    expect(last.body.next).toBeNull();
    const users = await api().get('/api/users?limit=1&offset=0').set(staff.headers);
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ count: expect.any(Number), results: [expect.any(Object)] });
    expect((await api().get('/api/products?offset=2&page=2')).status).toBe(400);
  });

  it('answers an unknown query parameter 400, naming what the endpoint takes', async () => {
    const typo = await api().get('/api/products?serach=denim');
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].path).toBe('query.serach');
    expect(typo.body.errors[0].message).toMatch(/takes .*search/);
    // Lists without a full-text parameter do not take its alias either.
    expect((await api().get('/api/users?search=x').set(staff.headers)).status).toBe(400);
    const none = await api().get('/api/categories/jeans?expand=parent');
    expect(none.status).toBe(400);
    expect(none.body.errors[0].message).toBe('unknown query parameter; this endpoint takes none');
    expect((await api().get('/health?x=1')).status).toBe(400);
  });

  it('takes a category parent by slug or id, and refuses an unknown one', async () => {
    const made = await api().post('/api/categories').set(staff.headers).send({ name: 'Skinny', parent: 'jeans' });
    expect(made.status).toBe(201);
    const jeans = await api().get('/api/categories/jeans');
    expect(made.body.parent_id).toBe(jeans.body.id);
    const moved = await api().patch(`/api/categories/${made.body.id}`).set(staff.headers).send({ parent: null });
    expect(moved.body.parent_id).toBeNull();
    const back = await api()
      .patch(`/api/categories/${made.body.id}`)
      .set(staff.headers)
      .send({ parent: jeans.body.id });
    expect(back.body.parent_id).toBe(jeans.body.id);
    const unknown = await api().post('/api/categories').set(staff.headers).send({ name: 'Lost', parent: 'mugs' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ path: 'parent', message: 'no such category' });
    const both = await api()
      .post('/api/categories')
      .set(staff.headers)
      .send({ name: 'Both', parent: 'jeans', parent_id: jeans.body.id });
    expect(both.status).toBe(400);
  });

  it('documents the aliases in the OpenAPI document', async () => {
    const doc = (await api().get('/api/openapi.json')).body;
    const params = doc.paths['/api/products'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['q', 'search', 'sort', 'ordering', 'limit', 'offset']));
  });
});
