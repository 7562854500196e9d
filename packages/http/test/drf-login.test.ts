import request from 'supertest';
import { beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('dashboard_login on the token request', (env) => {
  let customer: TestUser;
  let staff: TestUser;
  let admin: TestUser;
  const login = (email: string, extra: Record<string, unknown> = {}) =>
    request(env().app)
      .post('/api/auth/token')
      .send({ email, password: TEST_PASSWORD, ...extra });

  beforeAll(async () => {
    customer = await userWithToken(env(), 'customer');
    staff = await userWithToken(env(), 'staff');
    admin = await userWithToken(env(), 'admin');
  });

  it('refuses a customer a back-office login with 403 and no tokens', async () => {
    const res = await login(customer.user.email, { dashboard_login: true });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.access).toBeUndefined();
    expect(res.body.detail).toMatch(/dashboard/);
  });

  it('lets staff and admin in, and everyone in without the flag', async () => {
    for (const u of [staff, admin]) {
      const res = await login(u.user.email, { dashboard_login: true });
      expect(res.status).toBe(200);
      expect(res.body.access).toEqual(expect.any(String));
    }
    expect((await login(customer.user.email, { dashboard_login: false })).status).toBe(200);
    expect((await login(customer.user.email)).status).toBe(200);
  });

  it('answers a wrong password 401 whatever the flag, so it tells nothing about the role', async () => {
    const res = await request(env().app)
      .post('/api/auth/token')
      .send({ email: customer.user.email, password: 'wrong password here', dashboard_login: true });
    expect(res.status).toBe(401);
  });

  it('gives the staff role the dashboard:access permission', async () => {
    const roles = await request(env().app).get('/api/roles').set(admin.headers);
    const staffRole = roles.body.results.find((r: { name: string }) => r.name === 'staff');
    expect(staffRole.permissions).toContain('dashboard:access');
    expect(roles.body.results.find((r: { name: string }) => r.name === 'customer').permissions).not.toContain(
      'dashboard:access',
    );
  });

  it('refuses a custom role without dashboard:access, and admits one with it', async () => {
    const make = async (permissions: string[]) => {
      const role = await request(env().app)
        .post('/api/roles')
        .set(admin.headers)
        .send({ name: `r-${permissions.length}-${Date.now()}`, permissions });
      const u = await userWithToken(env(), 'customer');
      await request(env().app).patch(`/api/users/${u.user.id}`).set(admin.headers).send({ role: role.body.name });
      return u.user.email;
    };
    expect((await login(await make(['order:read:any']), { dashboard_login: true })).status).toBe(403);
    expect((await login(await make(['dashboard:access']), { dashboard_login: true })).status).toBe(200);
  });
});
