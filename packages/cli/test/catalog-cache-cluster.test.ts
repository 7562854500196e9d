import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printed, startEmporia } from '../../../test/support/cli.js';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { testDialects } from '../../../test/support/databases.js';
import { createTestEnv, testConfig } from '../../../test/support/engine.js';
import { REDIS_SKIP_REASON, dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../../test/support/redis.js';

/** The bound: a change made through one process is served by every other within this. */
const VISIBLE_WITHIN_MS = 1_000;

async function call(url: string, method: string, body?: unknown, token?: string) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

/**
 * Polls `probe` until it holds, for at most {@link VISIBLE_WITHIN_MS} after the change's answer: a
 * correctness bound (a stale answer past it is the bug), not a timing measurement.
 */
async function visibleWithinBound(what: string, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + VISIBLE_WITHIN_MS;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what}: still stale ${VISIBLE_WITHIN_MS} ms after the change`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const withPostgres = testDialects().includes('postgres');

function clusterSuite(title: string, extraEnv: () => Record<string, string>, skip: string | null) {
  (skip ? describe.skip : describe)(skip ? `${title} — ${skip}` : title, () => {
    const dir = mkdtempSync(join(tmpdir(), 'emporia-cache-cluster-'));
    const children: ChildProcess[] = [];
    let env: Awaited<ReturnType<typeof createTestEnv>>;
    let staff: TestUser;
    let customer: TestUser;
    let a: string;
    let b: string;

    beforeAll(async () => {
      env = await createTestEnv('postgres');
      staff = await userWithToken(env, 'staff');
      customer = await userWithToken(env, 'customer');
      const config = testConfig();
      const shared = {
        DATABASE_URL: env.url,
        JWT_SECRET: config.jwtSecret!,
        PAYMENT_WEBHOOK_SECRET: config.paymentWebhookSecret!,
        EMPORIA_ENV: 'test',
        WORKER: 'off',
        ...extraEnv(),
      };
      for (let i = 0; i < 2; i++) {
        children.push(startEmporia(['serve', '--port', '0', '--no-migrate'], { cwd: dir, env: shared }));
      }
      [a, b] = await Promise.all(
        children.map((s) => printed(s, /Emporia is serving (http:\/\/\S+)/, 'serve').then((m) => m[1])),
      );
    }, 90_000);
    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await env?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows a change made through server B on server A within one second, in_stock included', async () => {
      const created = await call(
        `${b}/api/products`,
        'POST',
        { name: 'Cluster Cache Kettle', price: 3000, stock: 1, status: 'published' },
        staff.token,
      );
      expect(created.status).toBe(201);
      const { id, slug, variants } = created.body as { id: string; slug: string; variants: Array<{ id: string }> };
      const onA = async (path: string) => (await call(`${a}${path}`, 'GET')).body as Record<string, unknown>;
      const list = `/api/products?q=${encodeURIComponent('Cluster Cache Kettle')}`;
      // A caches its answers (twice, so the second is a hit).
      for (let i = 0; i < 2; i++) {
        expect((await onA(`/api/products/${slug}`)).name).toBe('Cluster Cache Kettle');
        expect((await onA(list)).count).toBe(1);
      }

      const renamed = await call(`${b}/api/products/${id}`, 'PATCH', { name: 'Cluster Cache Kettle II' }, staff.token);
      expect(renamed.status).toBe(200);
      await visibleWithinBound(
        'the product',
        async () => (await onA(`/api/products/${slug}`)).name === renamed.body!.name,
      );
      await visibleWithinBound('the list', async () => {
        const results = (await onA(list)).results as Array<{ name: string }>;
        return results[0]?.name === 'Cluster Cache Kettle II';
      });

      // The last unit sells through B: A stops answering in_stock: true within the bound.
      expect((await onA(`/api/products/${slug}`)).in_stock).toBe(true);
      const order = await call(
        `${b}/api/orders`,
        'POST',
        { items: [{ variant_id: variants[0].id, quantity: 1 }] },
        customer.token,
      );
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      await visibleWithinBound('in_stock', async () => (await onA(`/api/products/${slug}`)).in_stock === false);

      const category = await call(`${b}/api/categories`, 'POST', { name: 'Cluster Cache Shelf' }, staff.token);
      expect(category.status).toBe(201);
      await visibleWithinBound('the category list', async () => {
        const all = (await call(`${a}/api/categories`, 'GET')).body as unknown as Array<{ name: string }>;
        return all.some((c) => c.name === 'Cluster Cache Shelf');
      });
    });
  });
}

const prefix = testRedisPrefix('cache-cluster');
clusterSuite(
  '2 serve processes, one PostgreSQL and one Redis: the Redis catalog cache',
  () => ({ REDIS_URL: testRedisUrl!, REDIS_PREFIX: prefix }),
  !withPostgres ? 'no PostgreSQL' : testRedisUrl ? null : REDIS_SKIP_REASON,
);
if (testRedisUrl) afterAll(() => dropRedisPrefix(testRedisUrl!, prefix));
clusterSuite(
  '2 serve processes on one PostgreSQL: in-process caches invalidated over LISTEN/NOTIFY',
  () => ({ CATALOG_CACHE: 'memory' }),
  withPostgres ? null : 'no PostgreSQL',
);
