import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';

type Caller = 'anonymous' | 'self' | 'other' | 'staff' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'self', 'other', 'staff', 'admin'];

interface Cast {
  /** The customer whose resources are targeted ("self" acts as them). */
  customer: TestUser;
  other: TestUser;
  staff: TestUser;
  admin: TestUser;
}

const unique = () => randomBytes(5).toString('hex');

function headersOf(cast: Cast, caller: Caller): Record<string, string> {
  if (caller === 'anonymous') return {};
  return (caller === 'self' ? cast.customer : cast[caller]).headers;
}

async function freshRoleId(env: TestEnv, admin: TestUser): Promise<string> {
  const res = await request(env.app)
    .post('/api/roles')
    .set(admin.headers)
    .send({ name: `r-${unique()}`, permissions: [] });
  return res.body.id;
}

interface Case {
  name: string;
  expect: Record<Caller, number>;
  /** Builds and sends the request; may create fresh fixtures for destructive calls. */
  send(env: TestEnv, cast: Cast, caller: Caller): Promise<request.Response>;
}

const only = (allowed: Caller[], ok: number, denied: Partial<Record<Caller, number>> = {}) =>
  Object.fromEntries(
    CALLERS.map((c) => [c, c === 'anonymous' ? 401 : allowed.includes(c) ? ok : (denied[c] ?? 403)]),
  ) as Record<Caller, number>;

const CASES: Case[] = [
  {
    name: 'GET /api/users/me',
    expect: only(['self', 'other', 'staff', 'admin'], 200),
    send: (env, cast, c) => request(env.app).get('/api/users/me').set(headersOf(cast, c)),
  },
  {
    name: 'PATCH /api/users/me',
    expect: only(['self', 'other', 'staff', 'admin'], 200),
    send: (env, cast, c) => request(env.app).patch('/api/users/me').set(headersOf(cast, c)).send({ name: 'Renamed' }),
  },
  {
    name: 'PUT /api/users/me',
    expect: only(['self', 'other', 'staff', 'admin'], 200),
    send: (env, cast, c) =>
      request(env.app)
        .put('/api/users/me')
        .set(headersOf(cast, c))
        .send({
          email: c === 'anonymous' ? 'x@example.test' : (c === 'self' ? cast.customer : cast[c]).user.email,
          name: 'Put',
        }),
  },
  {
    name: 'DELETE /api/users/me',
    expect: only(['self', 'other', 'staff', 'admin'], 204),
    async send(env, _cast, c) {
      if (c === 'anonymous') return request(env.app).delete('/api/users/me');
      const role = c === 'staff' || c === 'admin' ? c : 'customer';
      return request(env.app)
        .delete('/api/users/me')
        .set((await userWithToken(env, role)).headers);
    },
  },
  {
    name: 'GET /api/users',
    expect: only(['staff', 'admin'], 200),
    send: (env, cast, c) => request(env.app).get('/api/users').set(headersOf(cast, c)),
  },
  {
    name: 'POST /api/users',
    expect: only(['admin'], 201),
    send: (env, cast, c) =>
      request(env.app)
        .post('/api/users')
        .set(headersOf(cast, c))
        .send({ email: `made-${unique()}@example.test`, password: TEST_PASSWORD }),
  },
  {
    name: 'GET /api/users/{id}',
    expect: only(['self', 'staff', 'admin'], 200, { other: 404 }),
    send: (env, cast, c) => request(env.app).get(`/api/users/${cast.customer.user.id}`).set(headersOf(cast, c)),
  },
  {
    name: 'PATCH /api/users/{id}',
    expect: only(['self', 'admin'], 200, { other: 404, staff: 403 }),
    send: (env, cast, c) =>
      request(env.app).patch(`/api/users/${cast.customer.user.id}`).set(headersOf(cast, c)).send({ name: 'Patched' }),
  },
  {
    name: 'PUT /api/users/{id}',
    expect: only(['self', 'admin'], 200, { other: 404, staff: 403 }),
    send: (env, cast, c) =>
      request(env.app)
        .put(`/api/users/${cast.customer.user.id}`)
        .set(headersOf(cast, c))
        .send({ email: cast.customer.user.email, name: 'Replaced' }),
  },
  {
    name: 'DELETE /api/users/{id}',
    expect: only(['self', 'admin'], 204, { other: 404, staff: 403 }),
    async send(env, cast, c) {
      // A fresh victim each time; "self" deletes their own account by id.
      const victim = await userWithToken(env, 'customer');
      const headers = c === 'self' ? victim.headers : headersOf(cast, c);
      return request(env.app).delete(`/api/users/${victim.user.id}`).set(headers);
    },
  },
  {
    name: 'GET /api/roles',
    expect: only(['admin'], 200),
    send: (env, cast, c) => request(env.app).get('/api/roles').set(headersOf(cast, c)),
  },
  {
    name: 'POST /api/roles',
    expect: only(['admin'], 201),
    send: (env, cast, c) =>
      request(env.app)
        .post('/api/roles')
        .set(headersOf(cast, c))
        .send({ name: `role-${unique()}`, permissions: ['product:write'] }),
  },
  {
    name: 'GET /api/roles/{id}',
    expect: only(['admin'], 200),
    async send(env, cast, c) {
      return request(env.app)
        .get(`/api/roles/${await freshRoleId(env, cast.admin)}`)
        .set(headersOf(cast, c));
    },
  },
  {
    name: 'PATCH /api/roles/{id}',
    expect: only(['admin'], 200),
    async send(env, cast, c) {
      return request(env.app)
        .patch(`/api/roles/${await freshRoleId(env, cast.admin)}`)
        .set(headersOf(cast, c))
        .send({ description: 'changed' });
    },
  },
  {
    name: 'PUT /api/roles/{id}',
    expect: only(['admin'], 200),
    async send(env, cast, c) {
      return request(env.app)
        .put(`/api/roles/${await freshRoleId(env, cast.admin)}`)
        .set(headersOf(cast, c))
        .send({ name: `r-${unique()}`, description: 'replaced', permissions: ['product:write'] });
    },
  },
  {
    name: 'DELETE /api/roles/{id}',
    expect: only(['admin'], 204),
    async send(env, cast, c) {
      return request(env.app)
        .delete(`/api/roles/${await freshRoleId(env, cast.admin)}`)
        .set(headersOf(cast, c));
    },
  },
  {
    name: 'POST /api/auth/register',
    expect: { anonymous: 201, self: 201, other: 201, staff: 201, admin: 201 },
    send: (env, cast, c) =>
      request(env.app)
        .post('/api/auth/register')
        .set(headersOf(cast, c))
        .send({ email: `reg-${unique()}@example.test`, password: TEST_PASSWORD }),
  },
  {
    name: 'POST /api/auth/token',
    expect: { anonymous: 200, self: 200, other: 200, staff: 200, admin: 200 },
    send: (env, cast, c) =>
      request(env.app)
        .post('/api/auth/token')
        .set(headersOf(cast, c))
        .send({ email: cast.customer.user.email, password: TEST_PASSWORD }),
  },
  {
    // Any caller, any address: the same 202, so the answer tells nothing about accounts.
    name: 'POST /api/auth/password-reset',
    expect: { anonymous: 202, self: 202, other: 202, staff: 202, admin: 202 },
    send: (env, cast, c) =>
      request(env.app)
        .post('/api/auth/password-reset')
        .set(headersOf(cast, c))
        .send({ email: `reset-${unique()}@example.test` }),
  },
  {
    // A token is the only credential: a caller's access token changes nothing.
    name: 'POST /api/auth/password-reset/confirm, POST /api/auth/verify-email',
    expect: { anonymous: 400, self: 400, other: 400, staff: 400, admin: 400 },
    async send(env, cast, c) {
      const confirm = await request(env.app)
        .post('/api/auth/password-reset/confirm')
        .set(headersOf(cast, c))
        .send({ token: unique(), password: TEST_PASSWORD });
      expect(confirm.status).toBe(400);
      return request(env.app).post('/api/auth/verify-email').set(headersOf(cast, c)).send({ token: unique() });
    },
  },
  {
    name: 'POST /api/auth/verify-email/resend',
    expect: only(['self', 'other', 'staff', 'admin'], 202),
    send: (env, cast, c) => request(env.app).post('/api/auth/verify-email/resend').set(headersOf(cast, c)),
  },
  {
    name: 'POST /api/auth/token/refresh, POST /api/auth/token/verify, POST /api/auth/logout',
    expect: { anonymous: 204, self: 204, other: 204, staff: 204, admin: 204 },
    async send(env, cast, c) {
      const pair = (
        await request(env.app).post('/api/auth/token').send({ email: cast.other.user.email, password: TEST_PASSWORD })
      ).body;
      const rotated = await request(env.app)
        .post('/api/auth/token/refresh')
        .set(headersOf(cast, c))
        .send({ refresh: pair.refresh });
      expect(rotated.status).toBe(200);
      const verified = await request(env.app)
        .post('/api/auth/token/verify')
        .set(headersOf(cast, c))
        .send({ token: rotated.body.refresh });
      expect(verified.status).toBe(200);
      return request(env.app).post('/api/auth/logout').set(headersOf(cast, c)).send({ refresh: rotated.body.refresh });
    },
  },
];

describeEachDatabase('identity routes × roles', (env) => {
  let cast: Cast;
  beforeAll(async () => {
    cast = {
      customer: await userWithToken(env(), 'customer'),
      other: await userWithToken(env(), 'customer'),
      staff: await userWithToken(env(), 'staff'),
      admin: await userWithToken(env(), 'admin'),
    };
  });

  for (const c of CASES) {
    it(`${c.name}: ${CALLERS.map((k) => `${k} ${c.expect[k]}`).join(', ')}`, async () => {
      const got: Record<string, number> = {};
      for (const caller of CALLERS) got[caller] = (await c.send(env(), cast, caller)).status;
      expect(got).toEqual(c.expect);
    });
  }

  it('every identity route of the OpenAPI document is covered by the matrix', async () => {
    const doc = (await request(env().app).get('/api/openapi.json')).body;
    const covered = new Set(CASES.flatMap((c) => c.name.split(', ')));
    const documented = Object.entries(doc.paths as Record<string, object>)
      // The address book under /api/users/me has its own tests (shipping.test.ts).
      .filter(([path]) => /^\/api\/(auth|users|roles)/.test(path) && !path.startsWith('/api/users/me/addresses'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    // Both ways: no identity operation without a case, no case for an operation that is gone.
    expect([...covered].sort()).toEqual(documented.sort());
  });
});

describeEachDatabase('users: mass assignment, passwords, lists', (env) => {
  let admin: TestUser;
  let staff: TestUser;
  beforeAll(async () => {
    admin = await userWithToken(env(), 'admin');
    staff = await userWithToken(env(), 'staff');
  });

  it('rejects role, is_active and unknown fields from a customer with 400 and changes nothing', async () => {
    const me = await userWithToken(env(), 'customer');
    const attempts: Array<[Record<string, unknown>, string]> = [
      [{ role: 'admin' }, 'role'],
      [{ is_active: false }, 'is_active'],
      [{ name: 'ok', role: 'staff' }, 'role'],
      [{ password_hash: 'x' }, 'body'],
      [{ id: admin.user.id }, 'body'],
      [{ created_at: '2000-01-01T00:00:00Z' }, 'body'],
    ];
    for (const [body, path] of attempts) {
      for (const url of ['/api/users/me', `/api/users/${me.user.id}`]) {
        const res = await request(env().app).patch(url).set(me.headers).send(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.errors.map((e: { path: string }) => e.path).join(' ')).toContain(path);
      }
    }
    const after = await request(env().app).get('/api/users/me').set(me.headers);
    expect(after.body).toMatchObject({ role: 'customer', is_active: true, name: 'Test customer' });
  });

  it('lets staff read users but not change their role; admins may', async () => {
    const target = await userWithToken(env(), 'customer');
    const byStaff = await request(env().app)
      .patch(`/api/users/${target.user.id}`)
      .set(staff.headers)
      .send({ role: 'staff' });
    expect(byStaff.status).toBe(403);
    const byAdmin = await request(env().app)
      .patch(`/api/users/${target.user.id}`)
      .set(admin.headers)
      .send({ role: 'staff' });
    expect(byAdmin.status).toBe(200);
    // Permissions are read per request: the same token now carries staff rights.
    expect((await request(env().app).get('/api/users').set(target.headers)).status).toBe(200);
    const unknownRole = await request(env().app)
      .patch(`/api/users/${target.user.id}`)
      .set(admin.headers)
      .send({ role: 'wizard' });
    expect(unknownRole.status).toBe(400);
  });

  it('needs the current password to change one’s own password, not an admin changing someone else’s', async () => {
    const me = await userWithToken(env(), 'customer');
    const missing = await request(env().app)
      .patch('/api/users/me')
      .set(me.headers)
      .send({ password: 'new password 1' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('current_password');
    const wrong = await request(env().app)
      .patch('/api/users/me')
      .set(me.headers)
      .send({ password: 'new password 1', current_password: 'not it at all' });
    expect(wrong.status).toBe(400);
    const reset = await request(env().app)
      .patch(`/api/users/${me.user.id}`)
      .set(admin.headers)
      .send({ password: 'set by the admin' });
    expect(reset.status).toBe(200);
    const login = await request(env().app)
      .post('/api/auth/token')
      .send({ email: me.user.email, password: 'set by the admin' });
    expect(login.status).toBe(200);
  });

  it('keeps e-mails unique when changed, case-insensitively', async () => {
    const a = await userWithToken(env(), 'customer');
    const b = await userWithToken(env(), 'customer');
    const clash = await request(env().app)
      .patch('/api/users/me')
      .set(b.headers)
      .send({ email: a.user.email.toUpperCase() });
    expect(clash.status).toBe(409);
    const fine = await request(env().app)
      .patch('/api/users/me')
      .set(b.headers)
      .send({ email: `B-${unique()}@Example.test` });
    expect(fine.status).toBe(200);
    expect(fine.body.email).toBe(fine.body.email.toLowerCase());
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect(
      (await request(env().app).get('/api/users/0192f0a0-0000-7000-8000-0000000000aa').set(admin.headers)).status,
    ).toBe(404);
    expect((await request(env().app).get('/api/users/42').set(admin.headers)).status).toBe(400);
  });

  it('lists users paged or by cursor, filtered by role and e-mail', async () => {
    const tag = unique();
    for (let i = 0; i < 3; i++) await userWithToken(env(), 'staff', { email: `list-${tag}-${i}@example.test` });
    const byRole = await request(env().app).get('/api/users?role=staff&page_size=2').set(admin.headers);
    expect(byRole.status).toBe(200);
    expect(byRole.body.count).toBeGreaterThanOrEqual(4);
    expect(byRole.body.results).toHaveLength(2);
    expect(byRole.body.results.every((u: { role: string }) => u.role === 'staff')).toBe(true);
    expect(byRole.body.next).toMatch(/page=2/);

    const byEmail = await request(env().app).get(`/api/users?email=LIST-${tag}`).set(staff.headers);
    expect(byEmail.body.count).toBe(3);
    // LIKE wildcards in the filter match literally.
    expect((await request(env().app).get('/api/users?email=%25').set(staff.headers)).body.count).toBe(0);

    const first = await request(env().app).get(`/api/users?email=list-${tag}&limit=2`).set(admin.headers);
    expect(first.body.results).toHaveLength(2);
    const second = await request(env().app)
      .get(`/api/users?email=list-${tag}&limit=2&cursor=${first.body.next_cursor}`)
      .set(admin.headers);
    expect(second.body.results).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.results, ...second.body.results].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(3);

    expect((await request(env().app).get('/api/users?role[]=staff').set(admin.headers)).status).toBe(400);
  });
});

describeEachDatabase('roles', (env) => {
  let admin: TestUser;
  beforeAll(async () => {
    admin = await userWithToken(env(), 'admin');
  });
  const roles = () => request(env().app);

  it('lists the built-in roles created by migration', async () => {
    const res = await roles().get('/api/roles').set(admin.headers);
    const byName = Object.fromEntries(res.body.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.admin).toMatchObject({ permissions: ['*'], is_builtin: true });
    expect(byName.staff.permissions).toContain('product:write');
    expect(byName.customer).toMatchObject({ permissions: [], is_builtin: true });
  });

  it('grants a custom role’s permissions to its users, and renames follow through', async () => {
    const created = await roles()
      .post('/api/roles')
      .set(admin.headers)
      .send({ name: 'support', description: 'Reads users', permissions: ['user:read'] });
    expect(created.status).toBe(201);
    const agent = await userWithToken(env(), 'customer');
    await roles().patch(`/api/users/${agent.user.id}`).set(admin.headers).send({ role: 'support' });
    expect((await roles().get('/api/users').set(agent.headers)).status).toBe(200);
    expect((await roles().post('/api/roles').set(agent.headers).send({ name: 'x' })).status).toBe(403);

    const renamed = await roles().patch(`/api/roles/${created.body.id}`).set(admin.headers).send({ name: 'helpdesk' });
    expect(renamed.status).toBe(200);
    expect((await roles().get('/api/users/me').set(agent.headers)).body.role).toBe('helpdesk');

    const revoke = await roles().patch(`/api/roles/${created.body.id}`).set(admin.headers).send({ permissions: [] });
    expect(revoke.status).toBe(200);
    expect((await roles().get('/api/users').set(agent.headers)).status).toBe(403);

    const inUse = await roles().delete(`/api/roles/${created.body.id}`).set(admin.headers);
    expect(inUse.status).toBe(409);
  });

  it('protects built-in roles and rejects unknown permissions and duplicate names', async () => {
    const list = (await roles().get('/api/roles').set(admin.headers)).body.results as Array<{
      id: string;
      name: string;
    }>;
    const id = (name: string) => list.find((r) => r.name === name)!.id;
    expect(
      (
        await roles()
          .delete(`/api/roles/${id('customer')}`)
          .set(admin.headers)
      ).status,
    ).toBe(409);
    expect(
      (
        await roles()
          .patch(`/api/roles/${id('staff')}`)
          .set(admin.headers)
          .send({ name: 'crew' })
      ).status,
    ).toBe(409);
    expect(
      (
        await roles()
          .patch(`/api/roles/${id('admin')}`)
          .set(admin.headers)
          .send({ permissions: [] })
      ).status,
    ).toBe(409);
    // Built-in staff permissions may be tuned.
    const staffPerms = await roles()
      .patch(`/api/roles/${id('staff')}`)
      .set(admin.headers)
      .send({ description: 'Shop floor' });
    expect(staffPerms.status).toBe(200);

    const unknown = await roles()
      .post('/api/roles')
      .set(admin.headers)
      .send({ name: 'odd', permissions: ['fly:away'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('permissions.0');
    expect((await roles().post('/api/roles').set(admin.headers).send({ name: 'staff' })).status).toBe(409);
    expect((await roles().post('/api/roles').set(admin.headers).send({ name: 'Bad Name' })).status).toBe(400);
    expect((await roles().get('/api/roles/0192f0a0-0000-7000-8000-0000000000aa').set(admin.headers)).status).toBe(404);
  });
});
