import { systemContext, type Mailer, type MailMessage } from '@emporia/core';
import request from 'supertest';
import { expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

/** Every mail the engine handed to its mailer, in order. */
const sent: MailMessage[] = [];
const mailer: Mailer = {
  async send(message) {
    sent.push(message);
    return { id: `<${sent.length}@test>` };
  },
};

const PASSWORD = 'a long enough password';

/** Runs the queued jobs, then the token of the newest mail to `to` whose subject matches. */
async function mailedToken(env: TestEnv, to: string, subject: RegExp): Promise<string> {
  await env.engine.jobs.createRunner().runUntilIdle();
  const mail = sent.filter((m) => m.to === to && subject.test(m.subject)).at(-1);
  expect(mail, `a mail to ${to} matching ${subject}`).toBeDefined();
  const token = /^([A-Za-z0-9_-]{43})$/m.exec(mail!.text)?.[1];
  expect(token).toBeDefined();
  expect(mail!.html).toContain(token);
  return token!;
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

async function register(env: TestEnv, extra: Record<string, unknown> = {}) {
  const email = `${unique('acc')}@example.test`;
  const res = await request(env.app)
    .post('/api/auth/register')
    .send({ email, password: PASSWORD, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, id: res.body.id as string, body: res.body };
}

async function login(env: TestEnv, body: Record<string, unknown>) {
  return request(env.app)
    .post('/api/auth/token')
    .send({ password: PASSWORD, ...body });
}

describeEachDatabase(
  'Accounts: usernames, token versions, password reset, e-mail verification',
  (env) => {
    it('takes an optional unique username on sign-up, PATCH and login; exactly one of email or username', async () => {
      const name = unique('Ada.L');
      const { email, body } = await register(env(), { username: name });
      expect(body).toMatchObject({ email, username: name, email_verified_at: null });
      // Unique without regard to case; refused characters and lengths are a 400 naming the field.
      const taken = await request(env().app)
        .post('/api/auth/register')
        .send({ email: `${unique('x')}@example.test`, password: PASSWORD, username: name.toUpperCase() });
      expect(taken.status).toBe(409);
      for (const bad of ['a b', 'at@sign', 'ab', '.dot', 'ünï'.repeat(2)]) {
        const res = await request(env().app)
          .post('/api/auth/register')
          .send({ email: `${unique('x')}@example.test`, password: PASSWORD, username: bad });
        expect(res.status, bad).toBe(400);
        expect(res.body.errors[0].path).toBe('body.username');
      }

      const byName = await login(env(), { username: name.toLowerCase() });
      expect(byName.status).toBe(200);
      // A `username` holding an @ is the e-mail address (what DRF clients send).
      expect((await login(env(), { username: email.toUpperCase() })).status).toBe(200);
      expect((await login(env(), { email })).status).toBe(200);
      const both = await login(env(), { email, username: name });
      expect(both.status).toBe(400);
      expect(both.body.errors[0].path).toBe('body.username');
      expect((await login(env(), { username: unique('nobody') })).status).toBe(401);

      const auth = { Authorization: `Bearer ${byName.body.access}` };
      const renamed = unique('renamed');
      const patched = await request(env().app).patch('/api/users/me').set(auth).send({ username: renamed });
      expect(patched.status).toBe(200);
      expect(patched.body.username).toBe(renamed);
      expect((await request(env().app).get('/api/users/me').set(auth)).body.username).toBe(renamed);
      expect((await login(env(), { username: name })).status).toBe(401);
      expect((await login(env(), { username: renamed })).status).toBe(200);
      const cleared = await request(env().app).patch('/api/users/me').set(auth).send({ username: null });
      expect(cleared.body.username).toBeNull();
    });

    it('refuses every earlier access and refresh token after a password change or a deactivation', async () => {
      const { email, id } = await register(env());
      const first = (await login(env(), { email })).body;
      const other = (await login(env(), { email })).body;
      const me = (access: string) => request(env().app).get('/api/users/me').set('Authorization', `Bearer ${access}`);
      expect((await me(other.access)).status).toBe(200);
      const changed = await request(env().app)
        .patch('/api/users/me')
        .set('Authorization', `Bearer ${first.access}`)
        .send({ password: 'another long password', current_password: PASSWORD });
      expect(changed.status).toBe(200);
      // Both logins' access tokens are dead at once, not at their expiry; so are their refresh tokens.
      expect((await me(first.access)).status).toBe(401);
      expect((await me(other.access)).status).toBe(401);
      expect((await request(env().app).post('/api/auth/token/verify').send({ token: other.access })).status).toBe(401);
      expect((await request(env().app).post('/api/auth/token/refresh').send({ refresh: other.refresh })).status).toBe(
        401,
      );
      const fresh = await login(env(), { email, password: 'another long password' });
      expect((await me(fresh.body.access)).status).toBe(200);

      // Staff deactivation, then reactivation: the old token stays dead.
      const admin = systemContext({ clock: env().clock });
      await env().engine.identity.updateUser(admin, id, { is_active: false });
      await env().engine.identity.updateUser(admin, id, { is_active: true });
      expect((await me(fresh.body.access)).status).toBe(401);
    });

    it('resets a password with a mailed single-use token, ending every session; 202 for any address', async () => {
      const { email } = await register(env());
      const session = (await login(env(), { email })).body;
      const before = sent.length;
      const unknown = await request(env().app)
        .post('/api/auth/password-reset')
        .send({ email: `${unique('ghost')}@example.test` });
      expect(unknown.status).toBe(202);
      await env().engine.jobs.createRunner().runUntilIdle();
      expect(sent.slice(before).filter((m) => /reset/i.test(m.subject))).toEqual([]);

      const asked = await request(env().app).post('/api/auth/password-reset').send({ email: email.toUpperCase() });
      expect(asked.status).toBe(202);
      expect(asked.text).toBe('');
      const token = await mailedToken(env(), email, /reset/i);

      const weak = await request(env().app).post('/api/auth/password-reset/confirm').send({ token, password: 'short' });
      expect(weak.status).toBe(400);
      expect(weak.body.errors[0].path).toBe('body.password');
      const done = await request(env().app)
        .post('/api/auth/password-reset/confirm')
        .send({ token, password: 'the new long password' });
      expect(done.status).toBe(204);
      const again = await request(env().app)
        .post('/api/auth/password-reset/confirm')
        .send({ token, password: 'yet another password' });
      expect(again.status).toBe(400);
      expect(again.body.errors[0].path).toBe('token');

      expect(
        (await request(env().app).get('/api/users/me').set('Authorization', `Bearer ${session.access}`)).status,
      ).toBe(401);
      expect((await request(env().app).post('/api/auth/token/refresh').send({ refresh: session.refresh })).status).toBe(
        401,
      );
      expect((await login(env(), { email })).status).toBe(401);
      expect((await login(env(), { email, password: 'the new long password' })).status).toBe(200);
    });

    it('refuses an expired reset token, and a made-up one', async () => {
      const { email } = await register(env());
      await request(env().app).post('/api/auth/password-reset').send({ email });
      const token = await mailedToken(env(), email, /reset/i);
      env().clock.advance(60 * 60 * 1000 + 1000);
      const late = await request(env().app)
        .post('/api/auth/password-reset/confirm')
        .send({ token, password: 'the new long password' });
      expect(late.status).toBe(400);
      const made = await request(env().app)
        .post('/api/auth/password-reset/confirm')
        .send({ token: 'A'.repeat(43), password: 'the new long password' });
      expect(made.status).toBe(400);
      expect((await login(env(), { email })).status).toBe(200);
    });

    it('lets exactly one of several parallel confirms with the same token through', async () => {
      const { email } = await register(env());
      await request(env().app).post('/api/auth/password-reset').send({ email });
      const token = await mailedToken(env(), email, /reset/i);
      const passwords = ['racer password one', 'racer password two', 'racer password three', 'racer password four'];
      const answers = await Promise.all(
        passwords.map((password) =>
          request(env().app).post('/api/auth/password-reset/confirm').send({ token, password }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([204, 400, 400, 400]);
      const winner = passwords[answers.findIndex((a) => a.status === 204)];
      expect((await login(env(), { email, password: winner })).status).toBe(200);
      for (const loser of passwords.filter((p) => p !== winner)) {
        expect((await login(env(), { email, password: loser })).status).toBe(401);
      }
    });

    it('limits reset requests per address with 429, whether or not the account exists', async () => {
      const email = `${unique('flood')}@example.test`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await request(env().app).post('/api/auth/password-reset').send({ email })).status);
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
      const bad = await request(env().app).post('/api/auth/password-reset').send({ email: 'not-an-address' });
      expect(bad.status).toBe(400);
    });

    it('verifies the e-mail with the token mailed at sign-up; checkout waits for it', async () => {
      const product = await publishedProduct(env(), { stock: 10 });
      const { email, id } = await register(env());
      const auth = { Authorization: `Bearer ${(await login(env(), { email })).body.access}` };
      const order = () =>
        request(env().app)
          .post('/api/orders')
          .set(auth)
          .send({ items: [{ product_id: product.id, quantity: 1 }] });
      const refused = await order();
      expect(refused.status).toBe(403);
      expect(refused.body.type).toMatch(/\/email-not-verified$/);
      expect(refused.body.detail).toMatch(/verify your e-mail/i);

      const token = await mailedToken(env(), email, /confirm your e-mail/i);
      expect((await request(env().app).post('/api/auth/verify-email').send({ token })).status).toBe(204);
      expect((await request(env().app).post('/api/auth/verify-email').send({ token })).status).toBe(400);
      const me = await request(env().app).get('/api/users/me').set(auth);
      expect(me.body.email_verified_at).toEqual(expect.any(String));
      // The same access token now checks out: the actor is read afresh on every request.
      expect((await order()).status).toBe(201);
      const events = await env().engine.store.repositories.outboxDispatch.since(systemContext(), null, 1000);
      expect(events.filter((e) => e.type === 'user.email_verified' && e.user_id === id)).toHaveLength(1);
      // Already verified: nothing to resend.
      expect((await request(env().app).post('/api/auth/verify-email/resend').set(auth)).status).toBe(409);
    });

    it('hands a guest’s orders to the account registered with their e-mail once it is verified, not before', async () => {
      const product = await publishedProduct(env(), { stock: 10 });
      const cart = await request(env().app).post('/api/cart/items').send({ product_id: product.id, quantity: 1 });
      expect(cart.status).toBe(201);
      const email = `${unique('guest')}@example.test`;
      const placed = await request(env().app)
        .post('/api/orders')
        .set('X-Cart-Token', cart.headers['x-cart-token'])
        .send({ email });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      await register(env(), { email });
      const auth = { Authorization: `Bearer ${(await login(env(), { email })).body.access}` };
      const mine = async () => {
        await env().engine.jobs.createRunner().runUntilIdle();
        return (await request(env().app).get('/api/orders').set(auth)).body.results.map((o: { id: string }) => o.id);
      };
      expect(await mine()).toEqual([]); // the same e-mail alone proves nothing
      const token = await mailedToken(env(), email, /confirm your e-mail/i);
      expect((await request(env().app).post('/api/auth/verify-email').send({ token })).status).toBe(204);
      expect(await mine()).toEqual([placed.body.id]);
    });

    it('re-verifies a changed e-mail: a new token to the new address, the old one void; resend is limited', async () => {
      const { email } = await register(env());
      const auth = { Authorization: `Bearer ${(await login(env(), { email })).body.access}` };
      const oldToken = await mailedToken(env(), email, /confirm your e-mail/i);
      const next = `${unique('moved')}@example.test`;
      const patched = await request(env().app).patch('/api/users/me').set(auth).send({ email: next });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ email: next, email_verified_at: null });
      // A token mailed to the old address verifies nothing now.
      expect((await request(env().app).post('/api/auth/verify-email').send({ token: oldToken })).status).toBe(400);
      const newToken = await mailedToken(env(), next, /confirm your e-mail/i);

      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await request(env().app).post('/api/auth/verify-email/resend').set(auth)).status);
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
      expect((await request(env().app).post('/api/auth/verify-email/resend')).status).toBe(401);
      expect((await request(env().app).post('/api/auth/verify-email').send({ token: newToken })).status).toBe(204);
      const me = await request(env().app).get('/api/users/me').set(auth);
      expect(me.body.email_verified_at).toEqual(expect.any(String));
    });

    it('without STOREFRONT_URL, mails a guest the order number and the token that reads the order', async () => {
      const mug = await publishedProduct(env(), { price: 900, stock: 5 });
      const cart = await request(env().app).post('/api/cart/items').send({ product_id: mug.id });
      const email = `${unique('guest')}@example.test`;
      const placed = await request(env().app)
        .post('/api/orders')
        .set('X-Cart-Token', cart.headers['x-cart-token'] as string)
        .send({ email });
      expect(placed.status).toBe(201);
      const token = await mailedToken(env(), email, new RegExp(placed.body.number));
      expect(token).toBe(placed.body.order_token);
      const read = await request(env().app).get(`/api/orders/${placed.body.number}`).set('X-Order-Token', token);
      expect(read.status).toBe(200);
    });
  },
  { requireEmailVerification: true },
  { notifications: { mailer } },
);
