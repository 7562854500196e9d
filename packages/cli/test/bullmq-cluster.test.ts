import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { systemContext } from '@emporia/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmporia, startEmporia } from '../../../test/support/cli.js';
import { testDialects } from '../../../test/support/databases.js';
import { createTestEnv, testConfig } from '../../../test/support/engine.js';
import { REDIS_SKIP_REASON, dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../../test/support/redis.js';
import { startSmtpServer } from '../../adapters/test/support-smtp.js';
import { queueName, redisConnection } from '../../adapters/src/jobs/bullmq/queue.js';
import { Queue } from 'bullmq';

const CUSTOMERS = 20;
const PASSWORD = 'a long enough password';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves when the child printed a line matching `pattern`, with the match. */
function printed(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${text}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function post(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: { number?: string } | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as { number?: string } | null };
}

const ready = testRedisUrl && testDialects().includes('postgres');
const title = '2 serve + 2 worker processes on one PostgreSQL and one Redis (BullMQ)';

(ready ? describe : describe.skip)(ready ? title : `${title} — ${REDIS_SKIP_REASON} or no PostgreSQL`, () => {
  const smtpServer = startSmtpServer();
  const prefix = testRedisPrefix('bullmq-cluster');
  const dir = mkdtempSync(join(tmpdir(), 'emporia-cluster-'));
  const children: ChildProcess[] = [];
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let smtp: Awaited<typeof smtpServer>;

  beforeAll(async () => {
    smtp = await smtpServer;
    env = await createTestEnv('postgres', { redisUrl: testRedisUrl!, redisPrefix: prefix, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await env?.close();
    await smtp?.close();
    await dropRedisPrefix(testRedisUrl!, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a burst of sign-ups and checkouts: every mail exactly once, no job lost, one worker killed -9', async () => {
    const config = testConfig();
    const shared = {
      DATABASE_URL: env.url,
      REDIS_URL: testRedisUrl!,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      JWT_SECRET: config.jwtSecret!,
      PAYMENT_WEBHOOK_SECRET: config.paymentWebhookSecret!,
      EMPORIA_ENV: 'test',
      WORKER: 'off',
    };
    const start = (args: string[]) => {
      const child = startEmporia(args, { cwd: dir, env: shared });
      children.push(child);
      return child;
    };
    const servers = [0, 1].map(() => start(['serve', '--port', '0', '--no-migrate']));
    const workers = [0, 1].map(() => start(['worker', '--poll', '50', '--lease', '4', '--concurrency', '4']));
    const [a, b] = await Promise.all(
      servers.map((s) => printed(s, /Emporia is serving (http:\/\/\S+)/, 'serve').then((m) => m[1])),
    );
    const workerIds = await Promise.all(
      workers.map((w) => printed(w, /Emporia worker (\S+) is running jobs/, 'worker').then((m) => m[1])),
    );
    const product = await env.engine.catalog.createProduct(systemContext({ clock: env.clock }), {
      name: 'Cluster Mug',
      price: 1500,
      stock: 1000,
      status: 'published',
    });

    const emails = Array.from({ length: CUSTOMERS }, (_, i) => `cluster-${i}@example.test`);
    const orders = await Promise.all(
      emails.map(async (email, i) => {
        const [here, there] = i % 2 === 0 ? [a, b] : [b, a];
        const registered = await post(`${here}/api/auth/register`, { email, password: PASSWORD, name: `C ${i}` });
        expect(registered.status).toBe(201);
        // Signed in here, not over HTTP: thirty logins at once from one address would meet the per-IP throttle.
        const { access } = await env.engine.identity.login(systemContext({ clock: env.clock }), {
          email,
          password: PASSWORD,
        });
        const order = await post(`${there}/api/orders`, { items: [{ product_id: product.id, quantity: 1 }] }, access);
        expect(order.status).toBe(201);
        return order.body?.number as string;
      }),
    );

    const staff = systemContext({ clock: env.clock });
    await waitFor('every mail', async () => emails.every((e) => smtp.to(e).length >= 2), 30_000);
    // Nothing waits or runs but the scheduled maintenance and recommendation runs (delayed, an hour off).
    const mailJobs = async (status: 'queued' | 'running' | 'succeeded' | 'dead') =>
      (await env.engine.jobs.list(staff, { type: 'mail.send', status, page_size: 100 })).results.length;
    await waitFor(
      'the mail queue to empty',
      async () => (await mailJobs('queued')) + (await mailJobs('running')) === 0,
    );
    emails.forEach((email, i) => {
      expect(
        smtp
          .to(email)
          .map((m) => m.subject)
          .sort(),
      ).toEqual([`Order ${orders[i]} received`, 'Welcome to Emporia']);
    });
    expect(await mailJobs('dead')).toBe(0);
    expect(await mailJobs('succeeded')).toBe(CUSTOMERS * 2);
    expect((await env.engine.jobs.counts(staff)).dead).toBeUndefined();

    // A worker killed (kill -9) mid-job: the mail server holds the message, so the job cannot finish.
    smtp.hold();
    const arrived = smtp.nextData();
    const late = 'cluster-late@example.test';
    expect((await post(`${a}/api/auth/register`, { email: late, password: PASSWORD, name: 'Late' })).status).toBe(201);
    await waitFor('the mail to reach the server', async () => arrived.then(() => true), 20_000);
    const [running] = (await env.engine.jobs.list(staff, { type: 'mail.send', status: 'running' })).results;
    const raw = new Queue(queueName('mail.send'), {
      connection: redisConnection(testRedisUrl!),
      prefix: `${prefix}jobs`,
    });
    const holder = (await raw.getJob(running.id))?.processedBy;
    await raw.close();
    const victim = workerIds.indexOf(holder ?? '');
    expect(victim).toBeGreaterThanOrEqual(0);
    workers[victim].kill('SIGKILL');
    await new Promise((resolve) => workers[victim].once('exit', resolve));
    smtp.release(); // the held message is refused: the dead worker's attempt delivered nothing
    // The other worker takes the job over once its lease (4 s) runs out, and delivers it once.
    const done = await waitFor(
      'the job to be taken over',
      async () => {
        const job = await env.engine.jobs.get(staff, running.id);
        return job.status === 'succeeded' ? job : null;
      },
      20_000,
    );
    expect(done.attempts).toBe(2);
    expect(smtp.to(late).map((m) => m.subject)).toEqual(['Welcome to Emporia']);
    // `emporia jobs` reads the same jobs from BullMQ.
    const cli = runEmporia(['jobs', 'list', '--status', 'succeeded', '--type', 'mail.send', '--limit', '1'], {
      cwd: dir,
      env: shared,
    });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`succeeded: ${CUSTOMERS * 2 + 1}\\b`));
    expect(cli.stdout).toContain('mail.send');
    expect(await env.engine.store.repositories.outboxDispatch.hasPending(staff)).toBe(false);
  }, 90_000);
});
