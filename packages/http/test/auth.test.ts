import type { KnexStore } from '@emporia/adapters';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { expect, it } from 'vitest';
import { LOGIN_THROTTLE } from '../../core/src/identity/throttle.js';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { TEST_PASSWORD, userWithToken } from '../../../test/support/auth.js';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

async function login(env: TestEnv, email: string, password = TEST_PASSWORD) {
  return request(env.app).post('/api/auth/token').send({ email, password });
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Claims like a real access token's, for forging variants of one. */
function claimsFor(env: TestEnv, userId: string, extra: Record<string, unknown> = {}) {
  const iat = Math.floor(env.clock.now().getTime() / 1000);
  return { sub: userId, typ: 'access', jti: 'f0f0', iat, exp: iat + 300, iss: 'emporia', aud: 'emporia', ...extra };
}

describeEachDatabase('auth: token life cycle', (env) => {
  it('logs in with e-mail (any case) or the username alias and reads /api/users/me', async () => {
    const { user, headers } = await userWithToken(env(), 'customer');
    const viaEmail = await login(env(), user.email.toUpperCase());
    expect(viaEmail.status).toBe(200);
    expect(Object.keys(viaEmail.body).sort()).toEqual(['access', 'refresh']);
    const viaUsername = await request(env().app)
      .post('/api/auth/token')
      .send({ username: user.email, password: TEST_PASSWORD });
    expect(viaUsername.status).toBe(200);
    const me = await request(env().app).get('/api/users/me').set(headers);
    expect(me.status).toBe(200);
    expect(Object.keys(me.body).sort()).toEqual(
      [
        'created_at',
        'email',
        'email_verified_at',
        'id',
        'is_active',
        'name',
        'permissions',
        'role',
        'updated_at',
        'username',
      ].sort(),
    );
    expect(me.body).toMatchObject({
      id: user.id,
      email: user.email,
      role: 'customer',
      is_active: true,
      permissions: [],
    });
  });

  it('answers a wrong password and an unknown e-mail alike: 401 with WWW-Authenticate', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const wrong = await login(env(), user.email, 'not the password');
    const unknown = await login(env(), 'nobody-here@example.test');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('claims carry sub, typ, jti, iat, exp, iss and aud; HS256 is the algorithm', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const { body } = await login(env(), user.email);
    const access = jwt.decode(body.access, { complete: true }) as jwt.Jwt;
    const refresh = jwt.decode(body.refresh, { complete: true }) as jwt.Jwt;
    expect(access.header.alg).toBe('HS256');
    expect(access.payload).toMatchObject({ sub: user.id, typ: 'access', iss: 'emporia', aud: 'emporia' });
    expect(refresh.payload).toMatchObject({ sub: user.id, typ: 'refresh' });
    const a = access.payload as jwt.JwtPayload;
    const r = refresh.payload as jwt.JwtPayload;
    expect(a.exp! - a.iat!).toBe(300);
    expect(r.exp! - r.iat!).toBe(86400);
    expect(a.jti).not.toBe(r.jti);
  });

  it('rotates refresh tokens; reusing a spent one revokes the whole family but not other logins', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const first = (await login(env(), user.email)).body;
    const otherDevice = (await login(env(), user.email)).body;

    const rotated = await request(env().app).post('/api/auth/token/refresh').send({ refresh: first.refresh });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh).not.toBe(first.refresh);
    const me = await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${rotated.body.access}`);
    expect(me.status).toBe(200);

    const reuse = await request(env().app).post('/api/auth/token/refresh').send({ refresh: first.refresh });
    expect(reuse.status).toBe(401);
    // The thief's replay also kills the legitimate holder's newer token of the same family.
    const afterReuse = await request(env().app).post('/api/auth/token/refresh').send({ refresh: rotated.body.refresh });
    expect(afterReuse.status).toBe(401);
    const other = await request(env().app).post('/api/auth/token/refresh').send({ refresh: otherDevice.refresh });
    expect(other.status).toBe(200);
  });

  it('expires access tokens after ACCESS_TOKEN_TTL and refresh tokens after REFRESH_TOKEN_TTL', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const pair = (await login(env(), user.email)).body;
    env().clock.advance(299_000);
    expect((await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${pair.access}`)).status).toBe(
      200,
    );
    env().clock.advance(2_000);
    const expired = await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${pair.access}`);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
    const renewed = await request(env().app).post('/api/auth/token/refresh').send({ refresh: pair.refresh });
    expect(renewed.status).toBe(200);

    env().clock.advance(86_400_000 + 1_000);
    const late = await request(env().app).post('/api/auth/token/refresh').send({ refresh: renewed.body.refresh });
    expect(late.status).toBe(401);
  });

  it('logout revokes the family; verify tells usable tokens from spent ones', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const pair = (await login(env(), user.email)).body;
    const va = await request(env().app).post('/api/auth/token/verify').send({ token: pair.access });
    expect(va.status).toBe(200);
    expect(va.body).toMatchObject({ token_type: 'access', user_id: user.id });
    const vr = await request(env().app).post('/api/auth/token/verify').send({ token: pair.refresh });
    expect(vr.body.token_type).toBe('refresh');

    expect((await request(env().app).post('/api/auth/logout').send({ refresh: pair.refresh })).status).toBe(204);
    expect((await request(env().app).post('/api/auth/token/refresh').send({ refresh: pair.refresh })).status).toBe(401);
    expect((await request(env().app).post('/api/auth/token/verify').send({ token: pair.refresh })).status).toBe(401);
    expect((await request(env().app).post('/api/auth/logout').send({ refresh: 'garbage' })).status).toBe(401);
  });

  it('never accepts a refresh token as an access token, nor the reverse', async () => {
    const { user } = await userWithToken(env(), 'customer');
    const pair = (await login(env(), user.email)).body;
    const asAccess = await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${pair.refresh}`);
    expect(asAccess.status).toBe(401);
    const asRefresh = await request(env().app).post('/api/auth/token/refresh').send({ refresh: pair.access });
    expect(asRefresh.status).toBe(401);
  });

  it('refuses forged tokens: tampered, alg none, other key, wrong audience or issuer, missing claims', async () => {
    const { user, token } = await userWithToken(env(), 'customer');
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const claims = claimsFor(env(), user.id);
    const forged: Record<string, string> = {
      tampered: `${h}.${b64({ ...payload, sub: 'someone-else' })}.${s}`,
      'bad signature': `${h}.${p}.${s.slice(0, -4)}AAAA`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      'HS512 with the right key': jwt.sign(claims, SECRET, { algorithm: 'HS512' }),
      'other key': jwt.sign(claims, 'another-secret-that-is-long-enough-too!!'),
      'wrong audience': jwt.sign({ ...claims, aud: 'someone-else' }, SECRET),
      'wrong issuer': jwt.sign({ ...claims, iss: 'evil' }, SECRET),
      'no jti': jwt.sign({ ...claims, jti: undefined }, SECRET),
      'no typ': jwt.sign({ ...claims, typ: undefined }, SECRET),
      'unknown user': jwt.sign({ ...claims, sub: '0192f0a0-0000-7000-8000-0000000000ff' }, SECRET),
    };
    // The control: the same claims signed properly are accepted.
    const genuine = await request(env().app)
      .get('/api/users/me')
      .set('Authorization', `Bearer ${jwt.sign(claims, SECRET)}`);
    expect(genuine.status).toBe(200);
    for (const [what, bad] of Object.entries(forged)) {
      const res = await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${bad}`);
      expect(res.status, what).toBe(401);
      expect(res.headers['www-authenticate'], what).toMatch(/^Bearer/);
    }
  });

  it('accepts "JWT <token>" and refuses malformed Authorization headers', async () => {
    const { token } = await userWithToken(env(), 'customer');
    expect((await request(env().app).get('/api/users/me').set('Authorization', `JWT ${token}`)).status).toBe(200);
    for (const header of ['Bearer', `Basic ${token}`, `Bearer ${token} extra`, 'Bearer not-a-jwt', token]) {
      const res = await request(env().app).get('/api/users/me').set('Authorization', header);
      expect(res.status, header).toBe(401);
      expect(res.headers['www-authenticate']).toBeDefined();
    }
    // A bad header where a token is optional is still a 401, never a silent anonymous call.
    const bad = await request(env().app).get('/api/products').set('Authorization', 'Bearer nope');
    expect(bad.status).toBe(401);
    // Operations that take no token (security: []) do not read the header at all.
    const verify = await request(env().app).post('/api/auth/token/verify').set('Authorization', 'Bearer nope').send({
      token,
    });
    expect(verify.status).toBe(200);
  });

  it('deactivation and password changes make refresh tokens unusable', async () => {
    const admin = await userWithToken(env(), 'admin');
    const a = await userWithToken(env(), 'customer');
    const aPair = (await login(env(), a.user.email)).body;
    const off = await request(env().app).patch(`/api/users/${a.user.id}`).set(admin.headers).send({ is_active: false });
    expect(off.status).toBe(200);
    expect((await request(env().app).get('/api/users/me').set(a.headers)).status).toBe(401);
    expect((await request(env().app).post('/api/auth/token/refresh').send({ refresh: aPair.refresh })).status).toBe(
      401,
    );
    expect((await login(env(), a.user.email)).status).toBe(401);

    const b = await userWithToken(env(), 'customer');
    const bPair = (await login(env(), b.user.email)).body;
    const changed = await request(env().app)
      .patch('/api/users/me')
      .set(b.headers)
      .send({ password: 'a brand new passphrase', current_password: TEST_PASSWORD });
    expect(changed.status).toBe(200);
    expect((await request(env().app).post('/api/auth/token/refresh').send({ refresh: bPair.refresh })).status).toBe(
      401,
    );
    expect((await login(env(), b.user.email)).status).toBe(401);
    expect((await login(env(), b.user.email, 'a brand new passphrase')).status).toBe(200);
  });
});

describeEachDatabase('auth: registration', (env) => {
  it('registers a customer, records user.created, and never returns the password', async () => {
    const res = await request(env().app)
      .post('/api/auth/register')
      .send({ email: '  New.Person@Example.TEST ', password: 'long enough', name: 'New Person' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'new.person@example.test', name: 'New Person', role: 'customer' });
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon/);
    const knex = (env().engine.store as KnexStore).knex;
    const events = await knex('outbox_events').where({ type: 'user.created', user_id: res.body.id });
    expect(events).toHaveLength(1);
    const stored = await knex('users').where({ id: res.body.id }).first();
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('rejects duplicates case-insensitively with 409 and weak input with 400', async () => {
    await request(env().app).post('/api/auth/register').send({ email: 'dup@example.test', password: 'long enough' });
    const dup = await request(env().app)
      .post('/api/auth/register')
      .send({ email: 'DUP@example.test', password: 'long enough' });
    expect(dup.status).toBe(409);
    const short = await request(env().app)
      .post('/api/auth/register')
      .send({ email: 'x@example.test', password: '1234567' });
    expect(short.status).toBe(400);
    expect(short.body.errors).toEqual([expect.objectContaining({ path: 'body.password' })]);
    const badEmail = await request(env().app)
      .post('/api/auth/register')
      .send({ email: 'nope', password: 'long enough' });
    expect(badEmail.status).toBe(400);
    const admin = await request(env().app)
      .post('/api/auth/register')
      .send({ email: 'sneaky@example.test', password: 'long enough', role: 'admin' });
    expect(admin.status).toBe(400);
  });

  it('accepts long passphrases whole: a 100-character password is not truncated', async () => {
    const password = 'p'.repeat(72) + 'q'.repeat(28);
    const reg = await request(env().app).post('/api/auth/register').send({ email: 'long@example.test', password });
    expect(reg.status).toBe(201);
    expect((await login(env(), 'long@example.test', password)).status).toBe(200);
    // bcrypt would accept this 72-character prefix; Argon2 must not.
    expect((await login(env(), 'long@example.test', password.slice(0, 72))).status).toBe(401);
  });
});

describeEachDatabase(
  'auth: registration closed',
  (env) => {
    it('answers 403 problem when ALLOW_REGISTRATION=false; admins still create users', async () => {
      const res = await request(env().app)
        .post('/api/auth/register')
        .send({ email: 'closed@example.test', password: 'long enough' });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      const admin = await userWithToken(env(), 'admin');
      const created = await request(env().app)
        .post('/api/users')
        .set(admin.headers)
        .send({ email: 'closed@example.test', password: 'long enough' });
      expect(created.status).toBe(201);
    });
  },
  { allowRegistration: false },
);

describeEachDatabase('auth: failed-login rate limiting', (env) => {
  it('locks an e-mail after repeated failures: 429 with Retry-After, even for the right password', async () => {
    const { user } = await userWithToken(env(), 'customer');
    for (let i = 0; i < LOGIN_THROTTLE.email.max; i++) {
      expect((await login(env(), user.email, `wrong ${i}`)).status).toBe(401);
    }
    const locked = await login(env(), user.email);
    expect(locked.status).toBe(429);
    expect(locked.headers['content-type']).toMatch(/problem\+json/);
    expect(Number(locked.headers['retry-after'])).toBe(LOGIN_THROTTLE.email.lockSeconds);
    env().clock.advance(60_000);
    expect(Number((await login(env(), user.email)).headers['retry-after'])).toBe(LOGIN_THROTTLE.email.lockSeconds - 60);
    env().clock.advance(LOGIN_THROTTLE.email.lockSeconds * 1000);
    expect((await login(env(), user.email)).status).toBe(200);
  });

  it('counts wrong current passwords on PATCH /api/users/me against the same lock', async () => {
    const me = await userWithToken(env(), 'customer');
    const change = (current: string) =>
      request(env().app)
        .patch('/api/users/me')
        .set(me.headers)
        .send({ password: 'a new passphrase', current_password: current });
    for (let i = 0; i < LOGIN_THROTTLE.email.max; i++) expect((await change(`guess ${i}`)).status).toBe(400);
    const locked = await change(TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await login(env(), me.user.email)).status).toBe(429);
    env().clock.advance(LOGIN_THROTTLE.email.lockSeconds * 1000);
    const fresh = await login(env(), me.user.email);
    expect(fresh.status).toBe(200);
    const changed = await request(env().app)
      .patch('/api/users/me')
      .set('Authorization', `Bearer ${fresh.body.access}`)
      .send({ password: 'a new passphrase', current_password: TEST_PASSWORD });
    expect(changed.status).toBe(200);
  });

  it('forgets failures older than the window and resets on success', async () => {
    const { user } = await userWithToken(env(), 'customer');
    for (let i = 0; i < LOGIN_THROTTLE.email.max - 1; i++) await login(env(), user.email, 'wrong');
    env().clock.advance(LOGIN_THROTTLE.email.windowSeconds * 1000 + 1000);
    await login(env(), user.email, 'wrong');
    expect((await login(env(), user.email)).status).toBe(200);
    for (let i = 0; i < LOGIN_THROTTLE.email.max - 1; i++) await login(env(), user.email, 'wrong');
    expect((await login(env(), user.email)).status).toBe(200);
  });

  it('limits one IP spraying many accounts', async () => {
    env().clock.advance(LOGIN_THROTTLE.ip.lockSeconds * 1000 * 2);
    const { user } = await userWithToken(env(), 'customer');
    for (let i = 0; i < LOGIN_THROTTLE.ip.max; i++) {
      expect((await login(env(), `spray-${i}@example.test`, 'guess')).status).toBe(401);
    }
    const blocked = await login(env(), user.email);
    expect(blocked.status).toBe(429);
    // The library has no IP: the same account still logs in there.
    const pair = await env().engine.identity.login(
      { actor: { kind: 'anonymous' }, requestId: 'r', clock: env().clock },
      { email: user.email, password: TEST_PASSWORD },
    );
    expect(pair.access).toBeTypeOf('string');
  });
});
