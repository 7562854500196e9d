import request from 'supertest';
import { expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

// Every id-ordered list shares one keyset implementation: a cursor it did not issue is a 400,
// never silently the first page.
describeEachDatabase('id-ordered lists', (env) => {
  it('walk users by cursor to the end, and refuse a forged cursor', async () => {
    const admin = await userWithToken(env(), 'admin');
    for (let i = 0; i < 3; i++) await userWithToken(env(), 'customer');
    const seen: string[] = [];
    let url: string | null = '/api/users?limit=2';
    while (url) {
      const res: request.Response = await request(env().app).get(url).set(admin.headers);
      expect(res.status).toBe(200);
      seen.push(...res.body.results.map((u: { id: string }) => u.id));
      url = res.body.next_cursor ? `/api/users?limit=2&cursor=${res.body.next_cursor}` : null;
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    expect([...seen].sort().reverse()).toEqual(seen);

    for (const path of ['/api/users', '/api/orders', '/api/payments', '/api/jobs']) {
      const res = await request(env().app).get(`${path}?cursor=not-a-cursor`).set(admin.headers);
      expect(res.status, path).toBe(400);
      expect(res.body.errors[0].path, path).toBe('query.cursor');
    }
  });
});
