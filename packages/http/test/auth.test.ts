import request from 'supertest';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { TEST_PASSWORD, userWithToken } from '../../../test/support/auth.js';

describeEachDatabase('auth: tokens over HTTP', (env) => {
  it('logs in with e-mail or the username alias and reads /api/users/me', async () => {
    const { user, headers } = await userWithToken(env(), 'customer');
    const viaEmail = await request(env().app)
      .post('/api/auth/token')
      .send({ email: user.email.toUpperCase(), password: TEST_PASSWORD });
    expect(viaEmail.status).toBe(200);
    expect(Object.keys(viaEmail.body).sort()).toEqual(['access', 'refresh']);
    const viaUsername = await request(env().app)
      .post('/api/auth/token')
      .send({ username: user.email, password: TEST_PASSWORD });
    expect(viaUsername.status).toBe(200);
    const me = await request(env().app).get('/api/users/me').set(headers);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email, role: 'customer', is_active: true });
    expect(me.body.password_hash).toBeUndefined();
    expect(me.body.password).toBeUndefined();
  });
});
