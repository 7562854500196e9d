import request from 'supertest';
import { expect, it } from 'vitest';
import { systemContext } from '@emporia/core';
import { createApp } from '@emporia/http';
import { pino } from 'pino';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { userWithToken } from '../../../test/support/auth.js';

/** The value of one sample line (`name{labels} value`) in a Prometheus text answer. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2].split(',');
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describeEachDatabase('metrics', (env) => {
  it('counts requests by declared route and status, and reports orders, jobs and the pool', async () => {
    const { app, engine } = env();
    const ctx = systemContext({ clock: env().clock });
    const customer = await userWithToken(env(), 'customer');
    const product = await engine.catalog.createProduct(ctx, {
      name: 'Metric Mug',
      status: 'published',
      price: 1200,
      stock: 10,
    });
    await engine.orders.placeOrder(customer.ctx, { items: [{ product_id: product.id, quantity: 2 }] });
    await engine.jobs.enqueue(ctx, 'metrics.test', {});

    await request(app).get('/health').expect(200);
    await request(app).get('/health').expect(200);
    await request(app).get(`/api/products/${product.id}`).expect(200);
    await request(app).get('/api/products/no-such-product').expect(404);
    await request(app).get('/api/nothing-here').expect(404);

    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const count = 'emporia_http_request_duration_seconds_count';
    expect(sample(text, count, { method: 'GET', route: '/health', status: '200' })).toBe(2);
    expect(sample(text, count, { route: '/api/products/{id}', status: '200' })).toBe(1);
    expect(sample(text, count, { route: '/api/products/{id}', status: '404' })).toBe(1);
    expect(sample(text, count, { route: 'unmatched', status: '404' })).toBe(1);
    // Raw URLs never become label values.
    expect(text).not.toContain(product.id);
    expect(text).not.toContain('nothing-here');

    expect(sample(text, 'emporia_orders', { status: 'pending' })).toBe(1);
    // The one job queued above: the order's events wait in the outbox until a runner dispatches them.
    expect(sample(text, 'emporia_jobs', { status: 'queued' })).toBe(1);
    // SQLite runs on one connection; PostgreSQL's pool holds up to ten.
    expect(sample(text, 'emporia_db_pool_connections', { state: 'max' })).toBe(env().dialect === 'sqlite' ? 1 : 10);
    expect(text).toContain('emporia_process_resident_memory_bytes');
  });

  it('serves loopback callers only, unless METRICS_TOKEN is presented', async () => {
    const proxied = await request(env().app).get('/metrics').set('X-Forwarded-For', '203.0.113.9');
    expect(proxied.status).toBe(403);
    expect(proxied.headers['content-type']).toMatch(/problem\+json/);

    // A second app in the same process: each has its own registry, so nothing clashes.
    const token = 'metrics-token-that-is-long-enough-123456';
    const app = createApp({ ...env().engine, config: { ...env().engine.config, metricsToken: token } } as never, {
      logger: pino({ level: 'silent' }),
    });
    expect((await request(app).get('/metrics')).status).toBe(403);
    expect((await request(app).get('/metrics').set('Authorization', 'Bearer wrong')).status).toBe(403);
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('emporia_http_request_duration_seconds');
  });
});

describeEachDatabase('request logs', (env) => {
  it('log one JSON line per request with request id, user id and latency, and no token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = createApp(env().engine, { logger });
    const customer = await userWithToken(env(), 'customer');
    const res = await request(app).get('/api/users/me').set(customer.headers).set('X-Request-Id', 'log-test-1');
    expect(res.status).toBe(200);
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'log-test-1');
    expect(entry).toMatchObject({ user_id: customer.user.id, res: { status: 200 }, req: { method: 'GET' } });
    expect(entry.responseTime).toBeTypeOf('number');
    expect(lines.join('\n')).not.toContain(customer.token);
  });
});
