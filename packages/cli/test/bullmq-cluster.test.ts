import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { systemContext } from '@emporia/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmporia, printed, startEmporia } from '../../../test/support/cli.js';
import { testDialects } from '../../../test/support/databases.js';
import { createTestEnv, testConfig } from '../../../test/support/engine.js';
import { openSse, openWs, type StreamMessage } from '../../../test/support/realtime.js';
import { REDIS_SKIP_REASON, dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../../test/support/redis.js';
import { startSmtpServer } from '../../adapters/test/support-smtp.js';
import { queueName, redisConnection } from '../../adapters/src/jobs/bullmq/queue.js';
import { Queue } from 'bullmq';

const CUSTOMERS = 20;
/** Each customer's concurrent checkouts: 200 in all, for a stock of 50. */
const ORDERS_EACH = 10;
const STOCK = 50;
/** RATE_LIMIT of the cluster: requests per client address per minute, counted in Redis. */
const LIMIT = 5;
const PASSWORD = 'a long enough password';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let addresses = 0;
/**
 * A client address of its own (the servers trust one proxy hop): every request but the rate-limit
 * case's comes from a new one, so the cluster's small RATE_LIMIT only counts where it is tested.
 */
function freshAddress(): string {
  const n = ++addresses;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

interface Answer {
  status: number;
  body: { number?: string; ticket?: string } | null;
}

async function post(url: string, body: unknown, token?: string, address = freshAddress()): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Forwarded-For': address,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Answer['body'] };
}

const ready = testRedisUrl && testDialects().includes('postgres');
const title = '2 serve + 2 worker processes on one PostgreSQL and one Redis (BullMQ)';

// One cluster for the file, shared by the cases in order; the worker killed -9 goes last.
(ready ? describe : describe.skip)(ready ? title : `${title} — ${REDIS_SKIP_REASON} or no PostgreSQL`, () => {
  const smtpServer = startSmtpServer();
  const prefix = testRedisPrefix('bullmq-cluster');
  const dir = mkdtempSync(join(tmpdir(), 'emporia-cluster-'));
  const children: ChildProcess[] = [];
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let smtp: Awaited<typeof smtpServer>;
  let shared: Record<string, string>;
  let servers: string[];
  let workers: ChildProcess[];
  let workerIds: string[];
  let customers: Array<{ email: string; access: string }>;
  const staff = () => systemContext({ clock: env.clock });

  const mailJobs = async (status: 'queued' | 'running' | 'succeeded' | 'dead') =>
    (await env.engine.jobs.list(staff(), { type: 'mail.send', status, page_size: 100 })).results.length;
  // Nothing waits or runs but the scheduled maintenance and recommendation runs (delayed, an hour off).
  const mailQueueEmpty = () =>
    waitFor('the mail queue to empty', async () => (await mailJobs('queued')) + (await mailJobs('running')) === 0);
  const product = (name: string, stock: number) =>
    env.engine.catalog.createProduct(staff(), { name, price: 1500, stock, status: 'published' });

  beforeAll(async () => {
    smtp = await smtpServer;
    env = await createTestEnv('postgres', { redisUrl: testRedisUrl!, redisPrefix: prefix, smtpUrl: smtp.url });
    const config = testConfig();
    shared = {
      DATABASE_URL: env.url,
      REDIS_URL: testRedisUrl!,
      REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url,
      JWT_SECRET: config.jwtSecret!,
      PAYMENT_WEBHOOK_SECRET: config.paymentWebhookSecret!,
      EMPORIA_ENV: 'test',
      WORKER: 'off',
      RATE_LIMIT: String(LIMIT),
      TRUST_PROXY: '1',
    };
    const start = (args: string[]) => {
      const child = startEmporia(args, { cwd: dir, env: shared });
      children.push(child);
      return child;
    };
    const serving = [0, 1].map(() => start(['serve', '--port', '0', '--no-migrate']));
    workers = [0, 1].map(() => start(['worker', '--poll', '50', '--lease', '4', '--concurrency', '4']));
    servers = await Promise.all(
      serving.map((s) => printed(s, /Emporia is serving (http:\/\/\S+)/, 'serve').then((m) => m[1])),
    );
    workerIds = await Promise.all(
      workers.map((w) => printed(w, /Emporia worker (\S+) is running jobs/, 'worker').then((m) => m[1])),
    );
    // Sign-ups alternate between the servers.
    customers = await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const email = `cluster-${i}@example.test`;
        const registered = await post(`${servers[i % 2]}/api/auth/register`, {
          email,
          password: PASSWORD,
          name: `C ${i}`,
        });
        expect(registered.status).toBe(201);
        // Signed in here, not over HTTP: twenty logins at once would only measure the password hash.
        const { access } = await env.engine.identity.login(staff(), { email, password: PASSWORD });
        return { email, access };
      }),
    );
  }, 120_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await env?.close();
    await smtp?.close();
    await dropRedisPrefix(testRedisUrl!, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sells a stock of 50 to 200 concurrent checkouts through both servers: 50 orders, each mail exactly once', async () => {
    const mug = await product('Cluster Mug', STOCK);
    const attempts = await Promise.all(
      customers.flatMap((customer, i) =>
        Array.from({ length: ORDERS_EACH }, async (_, j) => ({
          customer,
          ...(await post(
            `${servers[(i + j) % 2]}/api/orders`,
            { items: [{ product_id: mug.id, quantity: 1 }] },
            customer.access,
          )),
        })),
      ),
    );
    const placed = attempts.filter((a) => a.status === 201);
    expect(placed).toHaveLength(STOCK);
    // The rest are out of stock (409), never a 500 nor an oversell.
    expect(attempts.filter((a) => a.status !== 201).map((a) => a.status)).toEqual(
      Array(CUSTOMERS * ORDERS_EACH - STOCK).fill(409),
    );
    expect((await env.engine.catalog.getProduct(staff(), mug.id)).stock).toBe(0);
    const orders = await env.engine.orders.listOrders(staff(), { page_size: 100 });
    expect(orders.results).toHaveLength(STOCK);
    const numbers = placed.map((a) => a.body!.number!);
    expect(new Set(numbers).size).toBe(STOCK);
    expect(new Set(orders.results.map((o) => o.number))).toEqual(new Set(numbers));

    const confirmations = () => smtp.received.filter((m) => /^Order \S+ received$/.test(m.subject));
    await waitFor(
      'every welcome and confirmation',
      async () => confirmations().length >= STOCK && customers.every((c) => smtp.to(c.email).length >= 1),
      60_000,
    );
    await mailQueueEmpty();
    // Each confirmation once, to the customer who placed the order; each welcome once.
    expect(confirmations()).toHaveLength(STOCK);
    for (const a of placed) {
      const mails = smtp.received.filter((m) => m.subject === `Order ${a.body!.number} received`);
      expect(mails.map((m) => m.to)).toEqual([[a.customer.email]]);
    }
    for (const c of customers) {
      expect(smtp.to(c.email).filter((m) => m.subject === 'Welcome to Emporia')).toHaveLength(1);
    }
    expect(await mailJobs('dead')).toBe(0);
    // One message per finished mail job: nothing was sent twice by the two workers.
    expect(await mailJobs('succeeded')).toBe(smtp.received.length);
    expect((await env.engine.jobs.counts(staff())).dead).toBeUndefined();
  }, 120_000);

  it('brings an order placed through server B to an SSE and a WebSocket client on server A within a second', async () => {
    const [a, b] = servers;
    const { access } = customers[0];
    const ticket = async () => {
      const issued = await post(`${a}/api/events/ticket`, {}, access);
      expect(issued.status).toBe(201);
      return issued.body!.ticket!;
    };
    // Browsers' way in: a single-use ticket each, no Authorization header on the stream.
    const sse = openSse(a, { ticket: await ticket() }, { 'X-Forwarded-For': freshAddress() });
    const ws = openWs(a, { ticket: await ticket() });
    try {
      expect((await sse.ready).statusCode).toBe(200);
      await ws.opened;
      const cup = await product('Cluster Cup', 5);
      const order = await post(`${b}/api/orders`, { items: [{ product_id: cup.id, quantity: 1 }] }, access);
      expect(order.status).toBe(201);
      const got = (messages: StreamMessage[]) =>
        messages.some((m) => m.event === 'order.placed' && m.data.number === order.body!.number);
      // A correctness bound, not a measurement (bench/scale.ts measures the latency).
      await waitFor('both clients to receive the order', async () => got(sse.messages) && got(ws.messages), 1_000);
    } finally {
      sse.close();
      ws.close();
    }
  });

  it('holds the shared rate limit across both servers: 8 requests from one client, limit 5, 5 answered', async () => {
    const address = freshAddress();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${servers[i % 2]}/api/products?page_size=1`, { headers: { 'X-Forwarded-For': address } }).then(
          async (r) => (await r.arrayBuffer(), r.status),
        ),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s !== 200)).toEqual(Array(8 - LIMIT).fill(429));
  });

  it('finishes a job once when the worker running it is killed -9, and `emporia jobs` reads it from BullMQ', async () => {
    await mailQueueEmpty();
    // The mail server holds the message, so the job cannot finish.
    smtp.hold();
    const arrived = smtp.nextData();
    const late = 'cluster-late@example.test';
    expect(
      (await post(`${servers[0]}/api/auth/register`, { email: late, password: PASSWORD, name: 'Late' })).status,
    ).toBe(201);
    await waitFor('the mail to reach the server', async () => arrived.then(() => true), 20_000);
    const [running] = (await env.engine.jobs.list(staff(), { type: 'mail.send', status: 'running' })).results;
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
        const job = await env.engine.jobs.get(staff(), running.id);
        return job.status === 'succeeded' ? job : null;
      },
      20_000,
    );
    expect(done.attempts).toBe(2);
    expect(smtp.to(late).map((m) => m.subject)).toEqual(['Welcome to Emporia']);
    // `emporia jobs` reads the same jobs from BullMQ: one finished mail job per message received.
    const cli = runEmporia(['jobs', 'list', '--status', 'succeeded', '--type', 'mail.send', '--limit', '1'], {
      cwd: dir,
      env: shared,
    });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`succeeded: ${smtp.received.length}\\b`));
    expect(cli.stdout).toContain('mail.send');
    expect(await env.engine.store.repositories.outboxDispatch.hasPending(staff())).toBe(false);
  }, 60_000);
});
