import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext, type DomainEvents, type Engine, type OutboxEvent } from '@emporia/core';
import { attachWebSockets } from '@emporia/http';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig } from '../../../test/support/engine.js';
import { openSse, openWs } from '../../../test/support/realtime.js';

async function waitFor(predicate: () => boolean, what: string, ms = 10_000) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function record(engine: Engine, user_id: string, number: string): Promise<OutboxEvent> {
  const payload: DomainEvents['order.status_changed'] = {
    order_id: `o-${number}`,
    number,
    user_id,
    from: 'pending',
    to: 'paid',
  };
  return engine.store.unitOfWork.run(systemContext(), (tx) =>
    engine.store.repositories.outbox.record(tx, 'order.status_changed', payload),
  );
}

function suite(redis: boolean) {
  return (env: () => import('../../../test/support/engine.js').TestEnv) => {
    let server: Server;
    let base: string;
    let otherProcess: Engine;
    beforeAll(async () => {
      server = createServer(env().app);
      attachWebSockets(server, env().engine);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      // Another `serve` process on the same database (and Redis).
      otherProcess = await createDefaultEngine({
        database: env().url,
        migrate: false,
        config: testConfig(
          redis ? { redisUrl: env().engine.config.redisUrl, redisPrefix: env().engine.config.redisPrefix } : {},
        ),
      });
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await otherProcess.close();
    });

    it('holds one subscription per process: Redis with REDIS_URL, LISTEN/NOTIFY on PostgreSQL, else one poller', () => {
      const expected = redis ? 'redis' : env().dialect === 'postgres' ? 'postgres' : 'poll';
      expect(env().engine.events.hub.mode).toBe(expected);
    });

    it('carries another process’s events to SSE and WebSocket clients, browsers through a single-use ticket', async () => {
      const alice = await userWithToken(env(), 'customer');
      const ticket = async () => {
        const res = await request(env().app).post('/api/events/ticket').set('Authorization', `Bearer ${alice.token}`);
        expect(res.status).toBe(201);
        return res.body.ticket as string;
      };
      const sseTicket = await ticket();
      const sse = openSse(base, { ticket: sseTicket });
      expect((await sse.ready).statusCode).toBe(200);
      const ws = openWs(base, { ticket: await ticket() });
      await ws.opened;
      const wsWithToken = openWs(base, { token: alice.token });
      await wsWithToken.opened;
      await waitFor(() => env().engine.events.hub.size === 3, 'streams registered');

      await record(otherProcess, alice.user.id, 'RT-1');
      await waitFor(
        () => sse.messages.length === 1 && ws.messages.length === 1 && wsWithToken.messages.length === 1,
        'delivery',
      );
      for (const m of [sse.messages[0], ws.messages[0], wsWithToken.messages[0]]) {
        expect(m).toMatchObject({ event: 'order.status_changed', data: { number: 'RT-1' } });
      }
      expect(env().contract.checkStreamMessage('/api/events', ws.messages[0])).toEqual([]);

      // A ticket opens one stream; anonymous and forged upgrades are refused.
      const again = await request(env().app).get(`/api/events?ticket=${encodeURIComponent(sseTicket)}`);
      expect(again.status).toBe(401);
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      await expect(openWs(base, {}).opened).rejects.toThrow('status 401');
      await expect(openWs(base, { ticket: `${alice.user.id}.9999999999.x.forged` }).opened).rejects.toThrow(
        'status 401',
      );
      sse.close();
      ws.close();
      wsWithToken.close();
      await waitFor(() => env().engine.events.hub.size === 0, 'streams closed');
    });

    it('caps a user’s open streams across SSE and WebSocket (429), and a closed one frees its place', async () => {
      const bob = await userWithToken(env(), 'customer');
      const cap = env().engine.config.maxStreamsPerUser;
      const open = [];
      for (let i = 0; i < cap; i++) {
        if (i % 2) {
          const s = openSse(base, { token: bob.token });
          expect((await s.ready).statusCode).toBe(200);
          open.push(s);
        } else {
          const s = openWs(base, { token: bob.token });
          await s.opened;
          open.push(s);
        }
      }
      const refused = await request(env().app).get('/api/events').set('Authorization', `Bearer ${bob.token}`);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.body.detail).toMatch(/event streams per user/);
      await expect(openWs(base, { token: bob.token }).opened).rejects.toThrow('status 429');
      // Another user is not affected.
      const carol = await userWithToken(env(), 'customer');
      const other = openWs(base, { token: carol.token });
      await other.opened;

      open[0].close();
      await waitFor(() => env().engine.events.hub.size === cap, 'one stream closed');
      const reopened = openWs(base, { token: bob.token });
      await reopened.opened;
      for (const s of [...open, other, reopened]) s.close();
      await waitFor(() => env().engine.events.hub.size === 0, 'streams closed');
    });

    it('replays from the outbox after Last-Event-ID, then goes on live, each event once', async () => {
      const dave = await userWithToken(env(), 'customer');
      const first = await record(env().engine, dave.user.id, 'R-1');
      await record(otherProcess, dave.user.id, 'R-2');
      await record(env().engine, dave.user.id, 'R-3');
      const sse = openSse(base, { token: dave.token, lastEventId: first.id });
      await sse.ready;
      await waitFor(() => sse.messages.length >= 2, 'replay');
      await record(otherProcess, dave.user.id, 'R-4');
      await waitFor(() => sse.messages.length >= 3, 'live');
      // One more event to dave proves nothing was doubled before it.
      await record(otherProcess, dave.user.id, 'R-5');
      await waitFor(() => sse.messages.length >= 4, 'live');
      expect(sse.messages.map((m) => m.data.number)).toEqual(['R-2', 'R-3', 'R-4', 'R-5']);
      sse.close();
    });
  };
}

describeEachDatabase('live streams: one subscription per process, fan-out, caps, tickets, WebSocket', suite(false));

describeEachDatabase('live streams over Redis pub/sub', suite(true), {
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisPrefix: `test:realtime:${randomUUID()}:`,
});
