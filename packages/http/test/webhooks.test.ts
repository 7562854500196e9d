import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  EVENT_TYPES,
  eventPayloadSchemas,
  newId,
  verifyWebhook,
  systemContext,
  type DomainEvents,
  type EventType,
} from '@emporia/core';
import { isInternalAddress } from '../../adapters/src/webhooks/sender.js';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local receiver that answers with whatever status `answer` says next. */
async function startReceiver() {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const receiver = await startReceiver();
afterAll(() => receiver.close());

async function record<T extends EventType>(env: TestEnv, type: T, payload: DomainEvents[T]) {
  await env.engine.store.unitOfWork.run(systemContext({ clock: env.clock }), (tx) =>
    env.engine.store.repositories.outbox.record(tx, type, payload),
  );
}

const order = (number: string): DomainEvents['order.placed'] => ({
  order_id: `o-${number}`,
  number,
  user_id: null,
  total: 500,
  currency: 'USD',
});

describeEachDatabase(
  'Outgoing webhooks',
  (env) => {
    it('lets admins manage subscriptions; staff and customers may not', async () => {
      const { app } = env();
      const admin = await userWithToken(env(), 'admin');
      const staff = await userWithToken(env(), 'staff');
      const created = await request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url: 'https://hooks.example.test/x', event_types: ['order.placed'] });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const id = created.body.id as string;
      const read = await request(app).get(`/api/webhooks/${id}`).set(admin.headers);
      expect(read.body).toMatchObject({ url: 'https://hooks.example.test/x', is_active: true });
      expect(read.body.secret).toBeUndefined();
      expect((await request(app).get('/api/webhooks').set(staff.headers)).status).toBe(403);

      const bad = await request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url: 'file:///etc/passwd', event_types: ['order.exploded'] });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.event_types.0', 'body.url']);

      const patched = await request(app)
        .patch(`/api/webhooks/${id}`)
        .set(admin.headers)
        .send({ event_types: ['stock.low'] });
      expect(patched.body.event_types).toEqual(['stock.low']);
      expect((await request(app).delete(`/api/webhooks/${id}`).set(admin.headers)).status).toBe(204);
      expect((await request(app).get(`/api/webhooks/${id}`).set(admin.headers)).status).toBe(404);
    });

    it('delivers signed events, retries failures and records each attempt', async () => {
      const { engine, app, clock } = env();
      const admin = await userWithToken(env(), 'admin');
      const { body: sub } = await request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url: receiver.url, event_types: ['order.placed'] });
      const runner = engine.jobs.createRunner({ backoffBaseMs: 1000 });
      await runner.runUntilIdle(); // user.created is not subscribed: nothing sent
      receiver.received.length = 0;

      receiver.answers.push(503);
      await record(env(), 'order.placed', order('W-1'));
      await record(env(), 'stock.low', { variant_id: 'v', product_id: 'p', sku: 'S', stock: 1, threshold: 2 });
      await runner.runUntilIdle();
      expect(receiver.received).toHaveLength(1);
      clock.advance(2000);
      await runner.runUntilIdle();
      expect(receiver.received).toHaveLength(2);

      const delivery = receiver.received[1];
      expect(delivery.headers['emporia-event']).toBe('order.placed');
      const body = JSON.parse(delivery.body);
      expect(body).toMatchObject({ type: 'order.placed', data: { number: 'W-1', total: 500 } });
      expect(delivery.headers['emporia-delivery']).toBe(body.id);
      expect(() =>
        verifyWebhook(sub.secret, delivery.body, delivery.headers['emporia-signature'] as string, clock.now()),
      ).not.toThrow();
      expect(() =>
        verifyWebhook('another-secret', delivery.body, delivery.headers['emporia-signature'] as string, clock.now()),
      ).toThrow();

      const log = await request(app).get(`/api/webhooks/${sub.id}/deliveries`).set(admin.headers);
      expect(log.body.results.map((d: { status_code: number; attempt: number }) => [d.status_code, d.attempt])).toEqual(
        [
          [200, 2],
          [503, 1],
        ],
      );
      expect((await request(app).get(`/api/webhooks/${sub.id}`).set(admin.headers)).body.consecutive_failures).toBe(0);
      await request(app).delete(`/api/webhooks/${sub.id}`).set(admin.headers);
    });

    it('delivers every event type to a subscription to all of them, each body as the OpenAPI document says', async () => {
      const { engine, app } = env();
      const admin = await userWithToken(env(), 'admin');
      const runner = engine.jobs.createRunner();
      await runner.runUntilIdle();
      const { body: sub } = await request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url: receiver.url, event_types: EVENT_TYPES });
      expect(sub.event_types).toEqual(EVENT_TYPES);
      receiver.received.length = 0;
      for (const type of EVENT_TYPES) {
        // Each payload schema carries an example: the document shows it, and here it is sent.
        const [example] = (eventPayloadSchemas[type].meta()?.examples ?? []) as unknown[];
        expect(eventPayloadSchemas[type].safeParse(example).success, type).toBe(true);
        await record(env(), type, example as DomainEvents[typeof type]);
      }
      await runner.runUntilIdle();
      const delivered = receiver.received.map((r) => r.headers['emporia-event'] as string);
      expect(delivered.sort()).toEqual([...EVENT_TYPES].sort());
      for (const r of receiver.received) {
        expect(env().contract.checkWebhook(r.headers['emporia-event'] as string, r.body)).toEqual([]);
      }
      await request(app).delete(`/api/webhooks/${sub.id}`).set(admin.headers);
    });

    it('disables a subscription whose URL keeps failing, until an admin re-enables it', async () => {
      const { engine, app, clock } = env();
      const admin = await userWithToken(env(), 'admin');
      const { body: sub } = await request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url: receiver.url, event_types: ['order.placed'] });
      const runner = engine.jobs.createRunner({ backoffBaseMs: 10, backoffMaxMs: 10 });
      await runner.runUntilIdle();
      receiver.received.length = 0;
      receiver.answers.push(500, 500, 500, 500, 500);
      await record(env(), 'order.placed', order('W-2'));
      for (let i = 0; i < 6; i++) {
        await runner.runUntilIdle();
        clock.advance(10);
      }
      expect(receiver.received).toHaveLength(3); // WEBHOOK_DISABLE_AFTER=3
      const disabled = (await request(app).get(`/api/webhooks/${sub.id}`).set(admin.headers)).body;
      expect(disabled).toMatchObject({ is_active: false, consecutive_failures: 3 });
      expect(disabled.disabled_reason).toMatch(/3 consecutive failed deliveries; last: HTTP 500/);

      await record(env(), 'order.placed', order('W-3'));
      await runner.runUntilIdle();
      expect(receiver.received).toHaveLength(3); // nothing for a disabled subscription

      receiver.answers.length = 0;
      const enabled = await request(app).patch(`/api/webhooks/${sub.id}`).set(admin.headers).send({ is_active: true });
      expect(enabled.body).toMatchObject({ is_active: true, consecutive_failures: 0, disabled_reason: null });
      await record(env(), 'order.placed', order('W-4'));
      await runner.runUntilIdle();
      expect(JSON.parse(receiver.received.at(-1)!.body).data.number).toBe('W-4');
      await request(app).delete(`/api/webhooks/${sub.id}`).set(admin.headers);
    });
  },
  { webhookAllowedHosts: ['127.0.0.1'], webhookDisableAfter: 3 },
);

describeEachDatabase('Outgoing webhooks to internal addresses', (env) => {
  it('refuses to subscribe internal targets in any notation with 400, and takes public ones', async () => {
    const { app } = env();
    const admin = await userWithToken(env(), 'admin');
    const subscribe = (url: string) =>
      request(app)
        .post('/api/webhooks')
        .set(admin.headers)
        .send({ url, event_types: ['order.placed'] });
    for (const url of [
      receiver.url,
      'http://localhost:8080/',
      'http://api.localhost/',
      'http://127.1/',
      'http://2130706433/',
      'http://0x7f000001/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::7f00:1]/',
      'http://[::127.0.0.1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:c0a8:101::1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.7/',
    ]) {
      const res = await subscribe(url);
      expect(res.status, url).toBe(400);
      expect(res.body.errors, url).toEqual([expect.objectContaining({ path: 'url' })]);
    }
    const created = await subscribe('https://hooks.example.com/emporia');
    expect(created.status).toBe(201);
    const moved = await request(app)
      .patch(`/api/webhooks/${created.body.id}`)
      .set(admin.headers)
      .send({ url: 'http://[::ffff:a00:1]/' });
    expect(moved.status).toBe(400);
    await request(app).delete(`/api/webhooks/${created.body.id}`).set(admin.headers);
  });

  it('refuses loopback and private targets that are not allow-listed at delivery too, without retrying', async () => {
    const { engine, app } = env();
    const admin = await userWithToken(env(), 'admin');
    // A subscription stored before the creation check existed (or a name that now resolves inside).
    const now = new Date().toISOString();
    const sub = { id: newId(), url: receiver.url, event_types: ['order.placed' as const], secret: 'x'.repeat(32) };
    await engine.store.repositories.webhooks.insert(systemContext(), {
      ...sub,
      is_active: true,
      consecutive_failures: 0,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
      created_by: null,
    });
    const before = receiver.received.length;
    await record(env(), 'order.placed', order('W-5'));
    await engine.jobs.createRunner().runUntilIdle();
    expect(receiver.received.length).toBe(before);
    const log = (await request(app).get(`/api/webhooks/${sub.id}/deliveries`).set(admin.headers)).body.results;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status_code: null });
    expect(log[0].error).toMatch(/127\.0\.0\.1 .* is not allowed/);
    const jobs = (await engine.jobs.list(systemContext(), { type: 'webhook.deliver' })).results;
    expect(jobs[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('internal address check', () => {
  it('flags loopback, private, link-local and mapped addresses, and passes public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '::7f00:1',
      '::127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:0:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::1.2.3.4',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      'fec0::1',
      'not-an-ip',
    ]) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) {
      expect(isInternalAddress(a), a).toBe(false);
    }
  });
});
