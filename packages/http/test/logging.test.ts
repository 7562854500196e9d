import { createApp } from '@emporia/http';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/engine.js';

type Line = Record<string, unknown> & { msg?: string; req?: Record<string, unknown>; res?: Record<string, unknown> };

function capturingLogger(level: string) {
  const lines: Line[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { logger, lines };
}

// A public route reads the token through `authenticate`, so a throwing one is an unhandled error.
const failingAuth = async () => {
  throw new Error('boom');
};

describeEachDatabase('request logging', (env) => {
  describe('below info (no request lines)', () => {
    it('still logs an unhandled error, with the request id, method and path', async () => {
      const { logger, lines } = capturingLogger('warn');
      const app = createApp(env().engine, { logger, authenticate: failingAuth });
      const res = await request(app).get('/api/products?page=1').set('X-Request-Id', 'req-logging-1');
      expect(res.status).toBe(500);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        msg: 'unhandled error',
        req: { id: 'req-logging-1', method: 'GET', url: '/api/products' },
        err: { message: 'boom' },
      });
    });

    it('writes nothing for requests that succeed or fail with a client error', async () => {
      const { logger, lines } = capturingLogger('warn');
      const app = createApp(env().engine, { logger });
      expect((await request(app).get('/ready')).status).toBe(200);
      expect((await request(app).get('/no-such-route')).status).toBe(404);
      expect(lines).toEqual([]);
    });
  });

  describe('at info', () => {
    it('writes one line per request with the method, the path without query and the status', async () => {
      const { logger, lines } = capturingLogger('info');
      const app = createApp(env().engine, { logger });
      const res = await request(app).get('/api/products?page=1');
      expect(res.status).toBe(200);
      const requestLines = lines.filter((l) => l.req);
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({
        req: { id: res.headers['x-request-id'], method: 'GET', url: '/api/products' },
        res: { status: 200 },
      });
    });

    it('logs an unhandled error with the request id', async () => {
      const { logger, lines } = capturingLogger('info');
      const app = createApp(env().engine, { logger, authenticate: failingAuth });
      const res = await request(app).get('/api/products').set('X-Request-Id', 'req-logging-2');
      expect(res.status).toBe(500);
      expect(lines.find((l) => l.msg === 'unhandled error')).toMatchObject({ req: { id: 'req-logging-2' } });
    });
  });
});
