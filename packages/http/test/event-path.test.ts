import type { KnexStore } from '@emporia/adapters';
import { systemContext } from '@emporia/core';
import request from 'supertest';
import { expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { publishedProduct } from './checkout-fixtures.js';

/**
 * What the job runner spends on one sign-up and one checkout: every SQL statement from the first
 * poll after them until it is idle again, and every job. Budgets are absolute, per database; when
 * a change lowers one, lower it here too. (Before the event path was made lean it was 36
 * statements and 6 jobs on both: an `event:webhooks` job per event with no subscription, empty
 * transactions, and three steps per e-mail.) The sign-up's e-mail verification is the third
 * mail: three statements (sent-mail lookup, its record, the job's completion), no transaction.
 */
const BUDGET = {
  sqlite: { statements: 20, jobs: ['mail.send', 'mail.send', 'mail.send'], transactions: 1 },
  postgres: { statements: 19, jobs: ['mail.send', 'mail.send', 'mail.send'], transactions: 1 },
  // MySQL has no UPDATE … RETURNING: the job claim locks, updates and reads back in a transaction of its own.
  mysql: { statements: 25, jobs: ['mail.send', 'mail.send', 'mail.send'], transactions: 2 },
};

/** Runs `work` and returns the SQL statements it sent, in order. */
async function statementsOf(env: TestEnv, work: () => Promise<unknown>): Promise<string[]> {
  const knex = (env.engine.store as KnexStore).knex;
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql.trim().replace(/\s+/g, ' '));
  knex.on('query', listener);
  try {
    await work();
  } finally {
    knex.off('query', listener);
  }
  return seen;
}

/** Job types queued since `after` (a job id), oldest first. */
async function jobsSince(env: TestEnv, after: string | null): Promise<string[]> {
  const all = await env.engine.jobs.list(systemContext(), { page_size: 100 });
  return all.results
    .filter((j) => after === null || j.id > after)
    .map((j) => j.type)
    .reverse();
}

/** A customer signs up over HTTP, logs in and checks out one item; returns the last job id before. */
async function signUpAndCheckOut(env: TestEnv, productId: string): Promise<string | null> {
  const [latest] = (await env.engine.jobs.list(systemContext(), { page_size: 1 })).results;
  const email = `budget-${Math.random().toString(36).slice(2)}@example.test`;
  const password = 'a long enough password';
  expect((await request(env.app).post('/api/auth/register').send({ email, password, name: 'Bea' })).status).toBe(201);
  const login = await request(env.app).post('/api/auth/token').send({ email, password });
  const order = await request(env.app)
    .post('/api/orders')
    .set('Authorization', `Bearer ${login.body.access}`)
    .send({ items: [{ product_id: productId, quantity: 1 }] });
  expect(order.status).toBe(201);
  return latest?.id ?? null;
}

describeEachDatabase('The event path of a sign-up and a checkout', (env) => {
  it('stays within its budget of statements and jobs when the jobs run', async () => {
    const product = await publishedProduct(env(), { stock: 50 });
    const runner = env().engine.jobs.createRunner();
    await runner.runUntilIdle();
    const before = await signUpAndCheckOut(env(), product.id);
    const statements = await statementsOf(env(), () => runner.runUntilIdle());
    const budget = BUDGET[env().dialect];
    expect(await jobsSince(env(), before)).toEqual(budget.jobs);
    expect(statements.length, statements.join('\n')).toBe(budget.statements);
    // Nothing opens a transaction it has nothing to write in: the dispatch is the only one (and, on
    // MySQL, the claim of the mail jobs).
    expect(statements.filter((s) => /^begin/i.test(s))).toHaveLength(budget.transactions);
  });

  it('queues a job for a webhook or an app handler only when one listens to the event', async () => {
    const { engine } = env();
    const product = await publishedProduct(env(), { stock: 50 });
    const admin = await userWithToken(env(), 'admin');
    const runner = engine.jobs.createRunner();
    const hook = await engine.webhooks.create(admin.ctx, {
      url: 'https://hooks.example.test/orders',
      event_types: ['order.placed'],
    });
    const off = engine.events.on('order.placed', () => {});
    try {
      await runner.runUntilIdle();
      const before = await signUpAndCheckOut(env(), product.id);
      await runner.dispatchEvents();
      // The sign-up's verification mail (queued by the request itself); user.created: the welcome
      // mail only; order.placed: its mail, the subscription, the handler.
      expect((await jobsSince(env(), before)).sort()).toEqual(
        ['event:app', 'mail.send', 'mail.send', 'mail.send', 'webhook.deliver'].sort(),
      );
    } finally {
      off();
      await engine.webhooks.delete(admin.ctx, hook.id);
    }
  });

  it('lets an idle runner poll without writing or opening a transaction', async () => {
    const runner = env().engine.jobs.createRunner();
    await runner.runUntilIdle();
    const statements = await statementsOf(env(), () => runner.runOnce());
    expect(statements.filter((s) => /^begin/i.test(s))).toEqual([]);
    if (env().dialect === 'sqlite') {
      // On SQLite any UPDATE takes the write lock, even one that matches nothing.
      expect(
        statements.every((s) => /^select/i.test(s)),
        statements.join('\n'),
      ).toBe(true);
    }
    // PostgreSQL claims with one UPDATE … SKIP LOCKED, which changes no row when nothing is due.
    expect(statements).toHaveLength(2);
  });
});
