import { Argon2PasswordHasher, createKnexStore, type KnexStore } from '@emporia/adapters';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  anonymousContext,
  createEngine,
  parseConfig,
  systemContext,
  type PasswordHasher,
} from '@emporia/core';
import { beforeAll, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';

describeEachDatabase('engine.identity (library)', (env) => {
  const system = () => systemContext({ clock: env().clock });
  let customer: TestUser;
  beforeAll(async () => {
    customer = await userWithToken(env(), 'customer');
  });

  it('records user.created in the transaction that creates the user, and nothing when it rolls back', async () => {
    const knex = (env().engine.store as KnexStore).knex;
    const { engine } = env();
    const user = await engine.identity.createUser(system(), { email: 'evented@example.test', password: TEST_PASSWORD });
    const events = await knex('outbox_events').where({ type: 'user.created', user_id: user.id });
    expect(events.map((e) => JSON.parse(e.payload))).toEqual([
      { user_id: user.id, email: 'evented@example.test', name: '' },
    ]);

    await expect(
      engine.store.unitOfWork.run(system(), async (tx) => {
        await engine.identity.createUser(tx, { email: 'rolled-back@example.test', password: TEST_PASSWORD });
        throw new Error('the surrounding use case failed');
      }),
    ).rejects.toThrow('surrounding');
    expect(await knex('users').where({ email: 'rolled-back@example.test' })).toHaveLength(0);
    expect(await knex('outbox_events').whereRaw('payload like ?', ['%rolled-back@example.test%'])).toHaveLength(0);
  });

  it('turns a token into a context carrying the role permissions', async () => {
    const staff = await userWithToken(env(), 'staff');
    const ctx = await env().engine.identity.contextFromToken(anonymousContext({ requestId: 'req-1' }), staff.token);
    expect(ctx.requestId).toBe('req-1');
    expect(ctx.actor).toMatchObject({ kind: 'user', id: staff.user.id, role: 'staff' });
    expect((await env().engine.identity.listUsers(ctx)).results.length).toBeGreaterThan(0);
    await expect(env().engine.identity.contextFromToken(anonymousContext(), 'nope')).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('checks permissions and ownership in the service, whatever the surface', async () => {
    const other = await userWithToken(env(), 'customer');
    const { identity } = env().engine;
    await expect(
      identity.createUser(customer.ctx, { email: 'x@example.test', password: TEST_PASSWORD, role: 'admin' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(identity.listUsers(anonymousContext())).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(identity.getUser(customer.ctx, other.user.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(identity.updateUser(customer.ctx, customer.user.id, { role: 'admin' })).rejects.toMatchObject({
      errors: [{ path: 'role', message: 'you may not change your role' }],
    });
    await expect(identity.createRole(customer.ctx, { name: 'mine' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(identity.createUser(system(), { email: 'bad', password: 'short' })).rejects.toMatchObject({
      errors: [{ path: 'email' }, { path: 'password' }],
    });
  });

  it('runs one password verification for an unknown e-mail too, so timing does not reveal accounts', async () => {
    const real = new Argon2PasswordHasher();
    const calls: string[] = [];
    const counting: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: (h, p) => {
        calls.push(h);
        return real.verify(h, p);
      },
    };
    const store = createKnexStore(env().url);
    const engine = createEngine({
      config: { ...parseConfig({}), ...testConfig() },
      store,
      clock: env().clock,
      passwordHasher: counting,
    });
    try {
      const ctx = anonymousContext({ clock: env().clock });
      await expect(engine.identity.login(ctx, { email: 'ghost@example.test', password: 'whatever1' })).rejects.toThrow(
        UnauthorizedError,
      );
      await expect(engine.identity.login(ctx, { email: customer.user.email, password: 'whatever1' })).rejects.toThrow(
        UnauthorizedError,
      );
      expect(calls).toHaveLength(2);
      expect(calls.every((h) => h.startsWith('$argon2id$'))).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('never removes, demotes or deactivates the last active admin', async () => {
    const { identity } = env().engine;
    const first = await userWithToken(env(), 'admin');
    await expect(identity.updateMe(first.ctx, { role: 'staff' })).rejects.toBeInstanceOf(ConflictError);
    await expect(identity.updateUser(system(), first.user.id, { is_active: false })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(identity.deleteUser(system(), first.user.id)).rejects.toBeInstanceOf(ConflictError);
    const second = await userWithToken(env(), 'admin');
    expect((await identity.updateMe(first.ctx, { role: 'staff' })).role).toBe('staff');
    await expect(identity.deleteMe(second.ctx)).rejects.toBeInstanceOf(ConflictError);
  });

  it('purges expired refresh tokens and stale login counters, keeping live ones', async () => {
    const { identity } = env().engine;
    const knex = (env().engine.store as KnexStore).knex;
    const ctx = anonymousContext({ clock: env().clock });
    env().clock.advance(2 * 86_400_000); // everything issued so far has expired
    const live = await identity.login(ctx, { email: customer.user.email, password: TEST_PASSWORD });
    await expect(identity.login(ctx, { email: 'stale@example.test', password: 'wrong one' })).rejects.toThrow();
    await expect(identity.purgeExpired(customer.ctx)).rejects.toBeInstanceOf(ForbiddenError);

    expect((await identity.purgeExpired(system())).refresh_tokens).toBeGreaterThan(0);
    expect(await knex('refresh_tokens').count({ n: '*' }).first()).toMatchObject({ n: 1 });
    expect((await identity.refresh(ctx, live.refresh)).access).toBeTypeOf('string');
    // Earlier tests' counters are stale and gone; the fresh failure still counts.
    expect(await knex('login_throttles').count({ n: '*' }).first()).toMatchObject({ n: 1 });

    env().clock.advance(16 * 60_000);
    expect((await identity.purgeExpired(system())).login_throttles).toBe(1);
    expect(await knex('login_throttles').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('keeps one admin when the last two demote each other at the same moment', async () => {
    const { identity } = env().engine;
    const knex = (env().engine.store as KnexStore).knex;
    // Leave exactly two active admins.
    await knex('users').where({ role: 'admin' }).update({ is_active: false });
    const a = await userWithToken(env(), 'admin');
    const b = await userWithToken(env(), 'admin');
    const results = await Promise.allSettled([
      identity.updateUser(a.ctx, b.user.id, { role: 'staff' }),
      identity.updateUser(b.ctx, a.user.id, { role: 'staff' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(ConflictError);
    expect(await knex('users').where({ role: 'admin', is_active: true })).toHaveLength(1);
  });

  it('lets exactly one of several concurrent refreshes with one token win, then revokes the family', async () => {
    const { identity } = env().engine;
    const ctx = anonymousContext({ clock: env().clock });
    const pair = await identity.login(ctx, { email: customer.user.email, password: TEST_PASSWORD });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => identity.refresh(ctx, pair.refresh)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof UnauthorizedError)).toBe(
      true,
    );
    // The losers look like a replayed token: the winner's new token is revoked with the family.
    const next = (won[0] as PromiseFulfilledResult<{ refresh: string }>).value.refresh;
    await expect(identity.refresh(ctx, next)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('counts concurrent failed logins without losing any, then locks', async () => {
    const { identity } = env().engine;
    const victim = await userWithToken(env(), 'customer');
    const ctx = anonymousContext({ clock: env().clock });
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => identity.login(ctx, { email: victim.user.email, password: `wrong-${i}` })),
    );
    expect(attempts.every((a) => a.status === 'rejected' && a.reason instanceof UnauthorizedError)).toBe(true);
    await expect(identity.login(ctx, { email: victim.user.email, password: TEST_PASSWORD })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });
});
