import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { allRoutes } from '../src/routes/index.js';

describeEachDatabase('PUT beside PATCH, 405 with Allow', (env) => {
  let staff: TestUser;
  let customer: TestUser;
  const api = () => request(env().app);

  beforeAll(async () => {
    staff = await userWithToken(env(), 'staff');
    customer = await userWithToken(env(), 'customer');
  });

  it('gives every PATCH route a PUT twin in the route table and the OpenAPI document', async () => {
    const patches = allRoutes.filter((r) => r.method === 'patch');
    expect(patches.length).toBeGreaterThan(5);
    const doc = (await api().get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const r of patches) {
      expect(
        allRoutes.some((p) => p.method === 'put' && p.path === r.path),
        r.path,
      ).toBe(true);
      expect(doc.paths[r.path]?.put, r.path).toBeDefined();
    }
  });

  it('replaces a category with PUT and refuses a PUT missing a field', async () => {
    const created = await api().post('/api/categories').set(staff.headers).send({ name: 'Mugs' });
    expect(created.status).toBe(201);
    const partial = await api().put(`/api/categories/${created.body.id}`).set(staff.headers).send({ name: 'Cups' });
    expect(partial.status).toBe(400);
    expect(partial.body.errors.map((e: { path: string }) => e.path)).toContain('body.slug');
    const full = await api().put(`/api/categories/${created.body.id}/`).set(staff.headers).send({
      name: 'Cups',
      slug: 'cups',
      description: 'For tea',
      parent_id: null,
      position: 3,
    });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ name: 'Cups', slug: 'cups', description: 'For tea', position: 3 });
  });

  it('replaces your own profile with PUT without sending a password', async () => {
    const res = await api()
      .put('/api/users/me')
      .set(customer.headers)
      .send({ email: customer.user.email, name: 'Put Name' });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Put Name');
    const missing = await api().put('/api/users/me').set(customer.headers).send({ name: 'Only Name' });
    expect(missing.status).toBe(400);
  });

  it('answers a known path with an unknown method 405 and the Allow header', async () => {
    const res = await api().put('/api/products');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect(res.body).toMatchObject({ status: 405, title: 'Method not allowed' });
    const item = await api().post('/api/products/some-slug');
    expect(item.status).toBe(405);
    expect(item.headers.allow).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
    const options = await api().options('/api/categories/mugs');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
  });

  it('keeps 404 for a path no route has', async () => {
    const res = await api().put('/api/nothing-here/1');
    expect(res.status).toBe(404);
  });
});

describeEachDatabase('OpenAPI security per operation', (env) => {
  it('marks operations that take no token security: [] and optional ones with what the token changes', async () => {
    const doc = (await request(env().app).get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { security: unknown[]; description?: string }>>;
    };
    const op = (method: string, path: string) => doc.paths[path][method];
    for (const [method, path] of [
      ['get', '/health'],
      ['get', '/ready'],
      ['post', '/api/auth/register'],
      ['post', '/api/auth/token'],
      ['post', '/api/auth/token/refresh'],
    ]) {
      expect(op(method, path).security, `${method} ${path}`).toEqual([]);
    }
    expect(op('get', '/api/products').security).toEqual([{}, { bearerAuth: [] }]);
    expect(op('get', '/api/products').description).toMatch(/token is optional: staff/);
    expect(op('get', '/api/users/me').security).toEqual([{ bearerAuth: [] }]);
    for (const r of allRoutes.filter((x) => x.auth === 'public')) {
      expect(r.withToken, `${r.method} ${r.path} says what a token changes`).toBeDefined();
    }
  });

  it('reads no token where none is taken: a stale one does not stop a login', async () => {
    const res = await request(env().app)
      .post('/api/auth/register')
      .set('Authorization', 'Bearer not-a-token')
      .send({ email: `stale-${Date.now()}@example.test`, password: 'a long enough password', name: 'Stale' });
    expect(res.status).toBe(201);
    expect((await request(env().app).get('/api/products').set('Authorization', 'Bearer not-a-token')).status).toBe(401);
  });
});
