import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDefaultEngine } from '@emporia/adapters';
import type { Config, Engine } from '@emporia/core';
import { createApp } from '@emporia/http';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../test/support/databases.js';
import { TEST_PASSWORD, userWithToken } from '../../../test/support/auth.js';
import { testConfig, type TestEnv } from '../../../test/support/engine.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two engines on one database stand for two `serve` processes of one shop. */
async function twoProcesses(db: TestDatabase, overrides: Partial<Config>) {
  const config = testConfig({ rateLimit: 3, guestCartsPerHour: 2, trustProxy: 1, ...overrides });
  const engines: Engine[] = [];
  for (let i = 0; i < 2; i++) engines.push(await createDefaultEngine({ database: db.url, config }));
  const apps = engines.map((e) => createApp(e, { logger: pino({ level: 'silent' }) }));
  return { engines, apps, close: () => Promise.all(engines.map((e) => e.close())) };
}

function sharedBudgetSuite(label: string, overrides: () => Partial<Config>, store: string) {
  for (const dialect of testDialects()) {
    describe(`${label} [${dialect}]`, () => {
      let db: TestDatabase;
      let shop: Awaited<ReturnType<typeof twoProcesses>>;
      let apps: Express[];
      beforeAll(async () => {
        db = await createTestDatabase(dialect, { migrated: true });
        shop = await twoProcesses(db, overrides());
        apps = shop.apps;
      });
      afterAll(async () => {
        await shop?.close();
        await db?.drop();
      });

      it(`counts one budget per client across processes (${store})`, async () => {
        expect(shop.engines.map((e) => e.rateLimiter.store)).toEqual([store, store]);
        const from = (app: Express, ip: string) => request(app).get('/api/products').set('X-Forwarded-For', ip);
        // Three requests in all are allowed, whichever process answers them.
        const answers = [await from(apps[0], '203.0.113.9'), await from(apps[1], '203.0.113.9')];
        answers.push(await from(apps[0], '203.0.113.9'));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
        expect(answers.map((a) => a.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
        const limited = await from(apps[1], '203.0.113.9');
        expect(limited.status).toBe(429);
        expect(limited.headers['content-type']).toMatch(/problem\+json/);
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect((await from(apps[0], '203.0.113.9')).status).toBe(429);
        // Another client keeps its own budget.
        expect((await from(apps[1], '203.0.113.10')).status).toBe(200);
      });

      it('holds under a parallel burst spread over both processes', async () => {
        const ip = '203.0.113.20';
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            request(apps[i % 2])
              .get('/api/products')
              .set('X-Forwarded-For', ip)
              .then((r) => r.status),
          ),
        );
        expect(answers.filter((s) => s === 200)).toHaveLength(3);
        expect(answers.filter((s) => s === 429)).toHaveLength(9);
      });

      it('caps new guest carts per client across processes', async () => {
        // Each GET without a cart token opens a guest cart; the third within the hour is refused.
        const newCart = (app: Express) => request(app).get('/api/cart').set('X-Forwarded-For', '203.0.113.30');
        expect((await newCart(apps[0])).status).toBe(200);
        expect((await newCart(apps[1])).status).toBe(200);
        const refused = await newCart(apps[0]);
        expect(refused.status).toBe(429);
        expect(refused.body.detail).toMatch(/new guest carts per hour/);
      });

      it('lets a stream ticket open one stream in the whole shop, not one per process', async () => {
        const alice = await userWithToken({ engine: shop.engines[0] } as TestEnv, 'customer');
        const issued = await request(apps[0])
          .post('/api/events/ticket')
          .set('X-Forwarded-For', '203.0.113.50')
          .set(alice.headers);
        expect(issued.status).toBe(201);
        const ticket = encodeURIComponent(issued.body.ticket as string);
        // Process 1 redeems it and starts streaming.
        const server = createServer(apps[1]).listen(0, '127.0.0.1');
        await once(server, 'listening');
        try {
          const { port } = server.address() as AddressInfo;
          const stream = await new Promise<IncomingMessage>((resolve, reject) =>
            get(`http://127.0.0.1:${port}/api/events?ticket=${ticket}`, resolve).on('error', reject),
          );
          expect(stream.statusCode).toBe(200);
          stream.destroy();
          // Process 0 refuses the same ticket (a per-process memory would stream again, and this would time out).
          const replay = await request(apps[0])
            .get(`/api/events?ticket=${ticket}`)
            .set('X-Forwarded-For', '203.0.113.51')
            .timeout(5000);
          expect(replay.status).toBe(401);
          expect(replay.body.detail).toMatch(/already used/);
        } finally {
          server.closeAllConnections();
          server.close();
        }
      });

      if (store === 'database') {
        it('keeps the login lock exact across processes under parallel guesses', async () => {
          const unlimited = await twoProcesses(db, { rateLimit: 0 });
          try {
            const { user } = await userWithToken({ engine: unlimited.engines[0] } as TestEnv, 'customer');
            const login = (i: number, password: string) =>
              request(unlimited.apps[i % 2])
                .post('/api/auth/token')
                .set('X-Forwarded-For', '203.0.113.60')
                .send({ email: user.email, password });
            const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login(i, `wrong ${i}`)));
            const statuses = burst.map((r) => r.status);
            expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
            expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
            expect((await login(0, TEST_PASSWORD)).status).toBe(429);
            expect((await login(1, TEST_PASSWORD)).status).toBe(429);
          } finally {
            await unlimited.close();
          }
        });

        it('drops ended windows in the maintenance job', async () => {
          const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
          expect(await shop.engines[0].rateLimiter.purgeExpired(later)).toBeGreaterThan(0);
          expect(await shop.engines[0].rateLimiter.purgeExpired(later)).toBe(0);
        });
      }
    });
  }
}

sharedBudgetSuite('shared rate limit in the database', () => ({}), 'database');
sharedBudgetSuite(
  'shared rate limit in Redis',
  () => ({ redisUrl: REDIS_URL, redisPrefix: `test:rate:${randomUUID()}:` }),
  'redis',
);

describe('rate limit store choice', () => {
  it('counts in memory when asked, and keeps counting when Redis does not answer', async () => {
    const db = await createTestDatabase('sqlite', { migrated: true });
    const memory = await createDefaultEngine({ database: db.url, config: testConfig({ rateLimitStore: 'memory' }) });
    expect(memory.rateLimiter.store).toBe('memory');
    await memory.close();
    // Nothing listens on port 1: each process falls back to counting on its own, never a 500.
    const engine = await createDefaultEngine({
      database: db.url,
      config: testConfig({ rateLimit: 2, trustProxy: 1, redisUrl: 'redis://127.0.0.1:1', rateLimitStore: 'redis' }),
    });
    try {
      const app = createApp(engine, { logger: pino({ level: 'silent' }) });
      const from = () => request(app).get('/api/products').set('X-Forwarded-For', '203.0.113.40');
      expect([(await from()).status, (await from()).status, (await from()).status]).toEqual([200, 200, 429]);
    } finally {
      await engine.close();
      await db.drop();
    }
  });
});
