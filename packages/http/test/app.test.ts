import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../src/routes/index.js';
import { createTestEnv, describeEachDatabase } from '../../../test/support/engine.js';

describeEachDatabase('HTTP shell', (env) => {
  it('answers unknown routes with a problem+json 404', async () => {
    const res = await request(env().app).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://emporia.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      instance: '/api/nothing-here',
    });
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = await request(env().app).post('/health').set('Content-Type', 'application/json').send('{"a":');
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('https://emporia.dev/problems/malformed-json');
    const big = await request(env().app)
      .post('/health')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/problem\+json/);
  });

  it('reports liveness and readiness', async () => {
    expect((await request(env().app).get('/health')).body).toEqual({ status: 'ok' });
    const ready = await request(env().app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([{ name: 'database', ok: true }]);
  });

  it('keeps the request id a client sends and sets security headers', async () => {
    const res = await request(env().app).get('/health').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives each request a new UUIDv7 request id when the client sends none', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await request(env().app).get('/health')).headers['x-request-id']),
    );
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it('sets exactly the security headers helmet sets', async () => {
    const bare = express();
    bare.use(helmet());
    bare.get('/health', (_req, res) => res.json({ status: 'ok' }));
    const expected = (await request(bare).get('/health')).headers;
    const res = await request(env().app).get('/health');
    const names = Object.keys(expected).filter(
      (h) =>
        !['date', 'connection', 'etag', 'content-length', 'content-type', 'x-powered-by', 'keep-alive'].includes(h),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(res.headers[name], name).toBe(expected[name]);
  });

  it('routes a path to its declared route whatever its case or trailing slash, with the same metrics label', async () => {
    const list = await request(env().app).get('/api/categories');
    for (const path of ['/API/Categories', '/api/categories/', '/Health']) {
      const res = await request(env().app).get(path);
      expect(res.status, path).toBe(200);
      if (path !== '/Health') expect(res.body, path).toEqual(list.body);
    }
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(list.headers['content-length'])).toBe(Buffer.byteLength(list.text));
    const head = await request(env().app).head('/api/categories');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(list.headers['content-length']);
    expect(head.headers.etag).toBe(list.headers.etag);
    expect(head.text ?? '').toBe('');
    expect((await request(env().app).get('/api/categories/no-such-category')).status).toBe(404);
    const options = await request(env().app).options('/api/categories');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    const wrong = await request(env().app).delete('/api/categories');
    expect(wrong.status).toBe(405);
    expect((await request(env().app).get('/api/nothing-here/at-all')).status).toBe(404);
    expect((await request(env().app).get('/API/Docs')).status).toBe(200);
    const metrics = await request(env().app).get('/metrics');
    expect(metrics.text).toMatch(
      /emporia_http_request_duration_seconds_count\{method="GET",route="\/api\/categories\/\{id\}",status="404"\} 1/,
    );
    expect(metrics.text).toMatch(/route="\/api\/categories",status="200"/);
  });

  it('serves an OpenAPI 3.1 document listing every declared route', async () => {
    const res = await request(env().app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const r of allRoutes) {
      expect(res.body.paths[r.path]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    }
    expect(res.body.components.schemas.Problem).toBeDefined();
  });

  it('serves Swagger UI and Redoc from local assets', async () => {
    const docs = await request(env().app).get('/api/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui-bundle.js');
    expect(docs.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    expect((await request(env().app).get('/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    const redoc = await request(env().app).get('/api/redoc');
    expect(redoc.text).toContain('redoc.standalone.js');
    expect((await request(env().app).get('/api/redoc/redoc.standalone.js')).status).toBe(200);
  });
});

describe('readiness without a database', () => {
  it('answers 503 when the database is gone, and liveness stays 200', async () => {
    const env = await createTestEnv('sqlite');
    await env.engine.store.close();
    const ready = await request(env.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');
    expect(ready.body.checks[0]).toMatchObject({ name: 'database', ok: false });
    expect((await request(env.app).get('/health')).status).toBe(200);
    await env.db.drop();
  });
});
