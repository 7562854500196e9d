import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ManualClock, MemoryRateLimiter, parseConfig } from '@emporia/core';
import { createDefaultEngine, loadConfig } from '@emporia/adapters';
import { rateLimit, requestTimeout, sendProblem } from '@emporia/http';
import { describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase(
  'Host header check',
  (env) => {
    it('answers 400 to a Host that is not in ALLOWED_HOSTS', async () => {
      const bad = await request(env().app).get('/health').set('Host', 'evil.example');
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
      expect(bad.body.type).toBe('https://emporia.dev/problems/invalid-host');
      expect((await request(env().app).get('/health')).status).toBe(400); // 127.0.0.1 is not listed
      for (const host of ['shop.example', 'shop.example:8080', 'api.example.org', 'example.org']) {
        expect((await request(env().app).get('/health').set('Host', host)).status, host).toBe(200);
      }
      // Allowed hosts are remembered as sent; others are still refused after them.
      expect((await request(env().app).get('/health').set('Host', 'shop.example')).status).toBe(200);
      for (const host of ['evil.example', 'SHOP.EXAMPLE.evil', 'shop.example.']) {
        expect((await request(env().app).get('/health').set('Host', host)).status, host).toBe(400);
      }
      expect((await request(env().app).get('/health').set('Host', 'Shop.Example:443')).status).toBe(200);
    });
  },
  { allowedHosts: ['shop.example', '.example.org'] },
);

describeEachDatabase(
  'per-IP rate limit',
  (env) => {
    it('does not count /health and /ready: load balancer probes use up no client budget', async () => {
      const probe = (path: string) => request(env().app).get(path).set('X-Forwarded-For', '198.51.100.7');
      for (let i = 0; i < 5; i++) {
        expect((await probe('/health')).status).toBe(200);
        expect((await probe('/ready')).status).not.toBe(429);
      }
      for (let i = 0; i < 3; i++) expect((await probe('/api/products')).status).toBe(200);
      expect((await probe('/api/products')).status).toBe(429);
    });

    it('answers 429 with Retry-After past the limit, counting each client address apart', async () => {
      const from = (ip: string) => request(env().app).get('/api/products').set('X-Forwarded-For', ip);
      for (let i = 0; i < 3; i++) expect((await from('198.51.100.1')).status).toBe(200);
      const limited = await from('198.51.100.1');
      expect(limited.status).toBe(429);
      expect(limited.body.type).toBe('https://emporia.dev/problems/rate-limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect((await from('198.51.100.2')).status).toBe(200);
    });

    it('sets security headers and no x-powered-by', async () => {
      const res = await request(env().app).get('/health').set('X-Forwarded-For', '198.51.100.3');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    });
  },
  { rateLimit: 3, trustProxy: 1 },
);

describe('hardening middleware in a host app', () => {
  it('says the budget in RateLimit-* headers and starts a new window after a minute', async () => {
    const clock = new ManualClock(new Date(1_000_000));
    const app = express();
    app.use(rateLimit(new MemoryRateLimiter(clock), 2));
    app.get('/x', (_req, res) => void res.json({ ok: true }));
    app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
      void _next;
      sendProblem(req, res, err);
    });
    const first = await request(app).get('/x');
    expect(first.status).toBe(200);
    // The budget travels with every answer it counts (the headers the OpenAPI document declares).
    expect(first.headers['ratelimit-limit']).toBe('2');
    expect(first.headers['ratelimit-remaining']).toBe('1');
    expect(first.headers['ratelimit-reset']).toBe('60');
    expect((await request(app).get('/x')).headers['ratelimit-remaining']).toBe('0');
    clock.advance(59_000);
    const limited = await request(app).get('/x');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(limited.headers['ratelimit-reset']).toBe('1');
    clock.advance(1_000);
    expect((await request(app).get('/x')).status).toBe(200);
  });

  it('answers 503 when a handler does not answer in time', async () => {
    const app = express();
    app.use(requestTimeout(1));
    app.get('/stuck', () => undefined);
    const res = await request(app).get('/stuck');
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('https://emporia.dev/problems/request-timeout');
  });

  it('stops the timer of every answered request, and of a request whose client went away', async () => {
    const app = express();
    const started = new Set<unknown>();
    const cleared = new Set<unknown>();
    const { setTimeout: set, clearTimeout: clear } = globalThis;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      const t = set(fn, ms);
      if (ms === 30_000) started.add(t);
      return t;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((t: Parameters<typeof clearTimeout>[0]) => {
      if (started.has(t)) cleared.add(t);
      clear(t);
    }) as typeof clearTimeout;
    try {
      app.use(requestTimeout(30));
      app.get('/ok', (_req, res) => res.json({ ok: true }));
      app.get('/slow', () => undefined);
      for (let i = 0; i < 3; i++) expect((await request(app).get('/ok')).status).toBe(200);
      await new Promise((r) => setImmediate(r));
      expect([started.size, cleared.size]).toEqual([3, 3]);
      await request(app)
        .get('/slow')
        .timeout(100)
        .catch(() => undefined);
      await new Promise((r) => set(r, 50));
      expect([started.size, cleared.size]).toEqual([4, 4]);
    } finally {
      Object.assign(globalThis, { setTimeout: set, clearTimeout: clear });
    }
  });
});

describe('hardening configuration', () => {
  it('has generous defaults that do not throttle, and reports bad values in one line each', () => {
    expect(parseConfig({})).toMatchObject({
      rateLimit: 0,
      trustProxy: 0,
      requestTimeout: 30,
      shutdownTimeout: 10,
      corsCredentials: false,
      metricsToken: undefined,
    });
    expect(parseConfig({ RATE_LIMIT: '600', REQUEST_TIMEOUT: '1m', SHUTDOWN_TIMEOUT: '25s' })).toMatchObject({
      rateLimit: 600,
      requestTimeout: 60,
      shutdownTimeout: 25,
    });
    let error: unknown;
    try {
      parseConfig({ RATE_LIMIT: 'lots', REQUEST_TIMEOUT: 'forever', TRUST_PROXY: '-1' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'RATE_LIMIT',
      'REQUEST_TIMEOUT',
      'TRUST_PROXY',
    ]);
  });
});

describe('production refuses unsafe configuration', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'emporia-prod-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const good = {
    EMPORIA_ENV: 'production',
    DATABASE_URL: `sqlite:${join(cwd, 'prod.db')}`,
    JWT_SECRET: 'j'.repeat(40),
    PAYMENT_WEBHOOK_SECRET: 'w'.repeat(40),
    ALLOWED_HOSTS: 'shop.example',
  };
  const problems = (env: Record<string, string | undefined>): string[] => {
    try {
      loadConfig({ cwd, env });
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
  };

  it('accepts explicit long secrets and listed origins', () => {
    expect(problems(good)).toEqual([]);
    expect(problems({ ...good, CORS_ORIGINS: '*' })).toEqual([]);
    expect(problems({ ...good, CORS_ORIGINS: 'https://shop.example', CORS_CREDENTIALS: 'true' })).toEqual([]);
  });

  it.each([
    ['a missing JWT_SECRET (development would generate one)', { JWT_SECRET: undefined }, /^JWT_SECRET:/],
    ['a short JWT_SECRET', { JWT_SECRET: 'short-secret' }, /^JWT_SECRET:/],
    ['a missing webhook secret', { PAYMENT_WEBHOOK_SECRET: undefined }, /^PAYMENT_WEBHOOK_SECRET:/],
    ['a short webhook secret', { PAYMENT_WEBHOOK_SECRET: 'x'.repeat(31) }, /^PAYMENT_WEBHOOK_SECRET:/],
    ['CORS_ORIGINS=* with credentials', { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' }, /^CORS_ORIGINS:/],
    ['a short METRICS_TOKEN', { METRICS_TOKEN: 'abc' }, /^METRICS_TOKEN:/],
    ['no ALLOWED_HOSTS (the Host header would pick the links)', { ALLOWED_HOSTS: undefined }, /^ALLOWED_HOSTS:/],
  ])('refuses %s', (_what, change, line) => {
    const found = problems({ ...good, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(line);
  });

  it('is enforced by createDefaultEngine too (a per-process key is never generated)', async () => {
    await expect(
      createDefaultEngine({ database: 'sqlite::memory:', config: { env: 'production', jwtSecret: undefined } }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
