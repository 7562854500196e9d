import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDefaultEngine } from '@emporia/adapters';
import { ValidationError, scheduleMaintenance, systemContext, type OutboxEvent } from '@emporia/core';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { repoRoot } from '../../../test/support/cli.js';
import { createTestEnv, type TestEnv } from '../../../test/support/engine.js';
import { summarizeViolations } from '../../../test/support/contract.js';
import { testDialects } from '../../../test/support/databases.js';
import { REDIS_SKIP_REASON, dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../../test/support/redis.js';
import { redisConnection, queueName } from '../src/jobs/bullmq/queue.js';
import { startSmtpServer } from './support-smtp.js';

const smtp = await startSmtpServer();
afterAll(() => smtp.close());

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const subjectsTo = (email: string) =>
  smtp
    .to(email)
    .map((m) => m.subject)
    .sort();

/** A BullMQ queue of this file's prefix, to look at what Emporia wrote. */
function rawQueue(env: TestEnv, type: string): Queue {
  const prefix = `${env.engine.config.redisPrefix}jobs`;
  return new Queue(queueName(type), { connection: redisConnection(testRedisUrl!), prefix });
}

/**
 * Runs the relay in a child process that kills itself (SIGKILL) right after its jobs reached BullMQ
 * and before the transaction marking the events relayed commits.
 */
function relayThatDies(env: TestEnv): Promise<number | null> {
  const script = join(import.meta.dirname, 'support-relay-crash.ts');
  const loader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, script], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.tests.json'),
      DATABASE_URL: env.url,
      REDIS_URL: testRedisUrl!,
      REDIS_PREFIX: env.engine.config.redisPrefix,
      SMTP_URL: smtp.url,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? 9 : _code)));
}

const suite = (env: () => TestEnv) => {
  it('relays committed events to BullMQ; every mail once; the API, CLI counts and /metrics read BullMQ', async () => {
    const { engine, app } = env();
    expect(engine.jobs.backend).toBe('bullmq');
    const staff = await userWithToken(env(), 'staff');
    const customer = await userWithToken(env(), 'customer');
    const product = await engine.catalog.createProduct(systemContext({ clock: env().clock }), {
      name: 'Queue Lamp',
      price: 990,
      stock: 3,
      status: 'published',
    });
    const { order } = await engine.orders.placeOrder(customer.ctx, {
      items: [{ product_id: product.id, quantity: 1 }],
    });
    // Refused for stock: rolled back, so nothing of it is relayed.
    await expect(
      engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity: 9 }] }),
    ).rejects.toThrow(/stock/i);
    const runner = engine.jobs.createRunner({ pollIntervalMs: 20 });
    await runner.runUntilIdle();
    expect(subjectsTo(customer.user.email)).toEqual([`Order ${order.number} received`, 'Welcome to Emporia']);

    const mails = await engine.jobs.list(staff.ctx, { type: 'mail.send', status: 'succeeded' });
    expect(mails.results.length).toBeGreaterThanOrEqual(3); // staff and customer welcomes, the order
    expect(mails.results[0]).toMatchObject({ type: 'mail.send', status: 'succeeded', attempts: 1, max_attempts: 5 });
    expect(mails.results[0].finished_at).not.toBeNull();
    const res = await request(app)
      .get('/api/jobs?status=succeeded&type=mail.send&limit=2')
      .set('Authorization', `Bearer ${staff.token}`)
      .expect(200);
    expect(res.body.results).toHaveLength(2);
    const next = await request(app)
      .get(`/api/jobs?status=succeeded&type=mail.send&limit=2&cursor=${res.body.next_cursor}`)
      .set('Authorization', `Bearer ${staff.token}`)
      .expect(200);
    expect(next.body.results[0].id).not.toBe(res.body.results[1].id);
    const one = await request(app)
      .get(`/api/jobs/${res.body.results[0].id}`)
      .set('Authorization', `Bearer ${staff.token}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: res.body.results[0].id, status: 'succeeded' });

    const counts = await engine.jobs.counts(staff.ctx);
    expect(counts.succeeded).toBe(mails.results.length);
    expect(counts.queued ?? 0).toBe(0);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toContain(`emporia_jobs{status="succeeded"} ${counts.succeeded}`);
    // The retention policy travels with every job.
    const [stored] = await rawQueue(env(), 'mail.send').getJobs(['completed'], 0, 0);
    expect(stored.opts.removeOnComplete).toEqual({ age: 3600, count: 50 });
    await rawQueue(env(), 'mail.send').close();
  });

  it('keeps retries, backoff, dead jobs, progress, retry and purge', async () => {
    const { engine } = env();
    const staff = await userWithToken(env(), 'staff');
    let flaky = 0;
    engine.jobs.handle('test.flaky', async (_p: unknown, run) => {
      await run.progress(++flaky, 3);
      if (flaky < 3) throw new Error(`flake ${flaky}`);
      return { ok: true };
    });
    engine.jobs.handle('test.fails', async () => {
      throw new Error('always fails');
    });
    engine.jobs.handle('test.invalid', async () => {
      throw new ValidationError('bad input', [{ path: 'x', message: 'nope' }]);
    });
    const ctx = systemContext({ clock: env().clock });
    const ok = await engine.jobs.enqueue(ctx, 'test.flaky', {}, { maxAttempts: 3 });
    const dead = await engine.jobs.enqueue(ctx, 'test.fails', {}, { maxAttempts: 2 });
    const invalid = await engine.jobs.enqueue(ctx, 'test.invalid', {}, { maxAttempts: 5 });
    const runner = engine.jobs.createRunner({ pollIntervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 20 });
    runner.start();
    try {
      const done = (id: string) => async () => {
        const job = await engine.jobs.get(staff.ctx, id);
        return job.status === 'succeeded' || job.status === 'dead' ? job : null;
      };
      expect(await waitFor('the flaky job', done(ok.id))).toMatchObject({
        status: 'succeeded',
        attempts: 3,
        progress: { done: 3, total: 3 },
        result: { ok: true },
      });
      expect(await waitFor('the failing job', done(dead.id))).toMatchObject({
        status: 'dead',
        attempts: 2,
        last_error: 'always fails',
      });
      expect(await waitFor('the invalid job', done(invalid.id))).toMatchObject({ status: 'dead', attempts: 1 });

      const admin = await userWithToken(env(), 'admin');
      await expect(engine.jobs.retry(admin.ctx, ok.id)).rejects.toThrow(/No dead job/);
      expect((await engine.jobs.retry(admin.ctx, dead.id)).status).toBe('queued');
      expect(await waitFor('the retried job', done(dead.id))).toMatchObject({ status: 'dead', attempts: 2 });
    } finally {
      await runner.stop();
    }
    const admin = await userWithToken(env(), 'admin');
    expect(await engine.jobs.purge(admin.ctx, { status: 'dead' })).toBe(2);
    expect((await engine.jobs.counts(staff.ctx)).dead).toBeUndefined();
  });

  it('schedules maintenance once per cluster: one job scheduler, however many processes start', async () => {
    const other = await createDefaultEngine({ database: env().url, config: env().engine.config, migrate: false });
    try {
      const ctx = systemContext({ clock: env().clock });
      expect(await scheduleMaintenance(env().engine.jobs, ctx, 3_600_000)).toBe(true);
      expect(await scheduleMaintenance(other.jobs, ctx, 3_600_000)).toBe(false);
      const queue = rawQueue(env(), 'maintenance.purge');
      expect(await queue.getJobSchedulersCount()).toBe(1);
      expect(await queue.getDelayedCount()).toBe(1);
      await queue.close();
      const staff = await userWithToken(env(), 'staff');
      const queued = await env().engine.jobs.list(staff.ctx, { type: 'maintenance.purge', status: 'queued' });
      expect(queued.results).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it(
    'loses and doubles nothing when the relay is killed (kill -9) between BullMQ and marking the events relayed',
    { timeout: 60_000 },
    async () => {
      const { engine } = env();
      const delivered = new Map<string, number>();
      engine.events.on('user.created', async (event: OutboxEvent) => {
        delivered.set(event.id, (delivered.get(event.id) ?? 0) + 1);
      });
      await engine.jobs.createRunner({ pollIntervalMs: 20 }).runUntilIdle(); // what earlier tests left
      delivered.clear();
      const customers = await Promise.all([1, 2, 3].map(() => userWithToken(env(), 'customer')));
      const mailQueue = rawQueue(env(), 'mail.send');
      const appQueue = rawQueue(env(), 'event:app');
      const stored = async () =>
        (await mailQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')) +
        (await appQueue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed'));
      const before = await stored();
      expect(await relayThatDies(env())).toBe(9);
      // The jobs reached BullMQ, but the transaction never committed: the events still wait.
      expect(await engine.store.repositories.outboxDispatch.hasPending(systemContext())).toBe(true);
      const afterCrash = await stored();
      expect(afterCrash - before).toBe(6); // a welcome mail and an app delivery per customer

      // A relay starts again, relays the same batch, and BullMQ keeps the jobs it already has.
      await engine.jobs.createRunner({ pollIntervalMs: 20 }).runUntilIdle();
      expect(await engine.store.repositories.outboxDispatch.hasPending(systemContext())).toBe(false);
      expect(await stored()).toBe(afterCrash);
      for (const c of customers) expect(subjectsTo(c.user.email)).toEqual(['Welcome to Emporia']);
      expect([...delivered.values()]).toEqual([1, 1, 1]);
      await mailQueue.close();
      await appQueue.close();
    },
  );
};

if (testRedisUrl) {
  const redisUrl = testRedisUrl;
  for (const dialect of testDialects()) {
    // Each dialect's suite has a key prefix of its own, so counts and purges see its jobs only.
    describe(`jobs on BullMQ (REDIS_URL) [${dialect}]`, () => {
      const prefix = testRedisPrefix(`bullmq-${dialect}`);
      let current: Awaited<ReturnType<typeof createTestEnv>> | undefined;
      beforeAll(async () => {
        current = await createTestEnv(dialect, {
          redisUrl,
          redisPrefix: prefix,
          smtpUrl: smtp.url,
          jobsKeepSucceeded: 3600,
          jobsKeepSucceededCount: 50,
        });
      });
      afterAll(async () => {
        const violations = current?.contract.violations ?? [];
        await current?.close();
        await dropRedisPrefix(redisUrl, prefix);
        expect(summarizeViolations(violations), 'answers that do not match the OpenAPI document').toEqual([]);
      });
      suite(() => {
        if (!current) throw new Error('test environment not ready');
        return current;
      });
    });
  }
} else {
  describe.skip(`jobs on BullMQ (REDIS_URL) — ${REDIS_SKIP_REASON}`, () => {
    it('needs Redis', () => undefined);
  });
}
