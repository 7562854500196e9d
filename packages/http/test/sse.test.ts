import { get, type IncomingMessage, type Server } from 'node:http';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext, type DomainEvents, type Engine, type EventType } from '@emporia/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { openSse, type StreamMessage } from '../../../test/support/realtime.js';

/** Opens GET /api/events with a bearer token and collects parsed messages; `waitFor` polls them. */
function openStream(base: string, token: string) {
  const stream = openSse(base, { token });
  return {
    ...stream,
    async waitFor(predicate: (m: StreamMessage[]) => boolean, ms = 10_000) {
      const until = Date.now() + ms;
      while (!predicate(stream.messages)) {
        if (Date.now() > until)
          throw new Error(`stream did not deliver in time; got ${JSON.stringify(stream.messages)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describeEachDatabase('GET /api/events (Server-Sent Events)', (env) => {
  let server: Server;
  let base: string;
  let otherProcess: Engine;
  beforeAll(async () => {
    server = env().app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    // A second engine on the same database stands in for another `serve` process.
    otherProcess = await createDefaultEngine({ database: env().url, migrate: false, config: { logLevel: 'silent' } });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await otherProcess.close();
  });

  async function record<T extends EventType>(engine: Engine, type: T, payload: DomainEvents[T]) {
    await engine.store.unitOfWork.run(systemContext(), (tx) =>
      engine.store.repositories.outbox.record(tx, type, payload),
    );
  }

  it('refuses anonymous callers', async () => {
    const res = await new Promise<IncomingMessage>((resolve) => get(`${base}/api/events`, resolve));
    expect(res.statusCode).toBe(401);
    res.resume();
  });

  it('streams a customer their own orders’ changes and staff new orders and stock alerts, from any process', async () => {
    const alice = await userWithToken(env(), 'customer');
    const bob = await userWithToken(env(), 'customer');
    const staff = await userWithToken(env(), 'staff');
    const aliceStream = openStream(base, alice.token);
    const staffStream = openStream(base, staff.token);
    const res = await aliceStream.ready;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    await staffStream.ready;

    const placed = (user_id: string, number: string) => ({
      order_id: `o-${number}`,
      number,
      user_id,
      total: 100,
      currency: 'USD',
    });
    await record(otherProcess, 'order.placed', placed(alice.user.id, 'S-1'));
    await record(env().engine, 'order.status_changed', {
      order_id: 'o-S-1',
      number: 'S-1',
      user_id: alice.user.id,
      from: 'pending',
      to: 'paid',
    });
    await record(env().engine, 'order.status_changed', {
      order_id: 'o-S-2',
      number: 'S-2',
      user_id: bob.user.id,
      from: 'pending',
      to: 'paid',
    });
    await record(otherProcess, 'stock.low', { variant_id: 'v', product_id: 'p', sku: 'LAMP', stock: 1, threshold: 3 });

    await aliceStream.waitFor((m) => m.length >= 2);
    await staffStream.waitFor((m) => m.length >= 2);
    await new Promise((r) => setTimeout(r, 700)); // one more poll: nothing else may arrive
    expect(aliceStream.messages.map((m) => [m.event, m.data.number])).toEqual([
      ['order.placed', 'S-1'],
      ['order.status_changed', 'S-1'],
    ]);
    expect(aliceStream.messages[1].data).toMatchObject({ from: 'pending', to: 'paid' });
    expect(staffStream.messages.map((m) => m.event)).toEqual(['order.placed', 'stock.low']);
    expect(staffStream.messages[1].data).toMatchObject({ sku: 'LAMP', stock: 1 });
    for (const message of [...aliceStream.messages, ...staffStream.messages]) {
      expect(env().contract.checkStreamMessage('/api/events', message)).toEqual([]);
    }
    aliceStream.close();
    staffStream.close();
  });

  it('still delivers an event whose transaction commits after later events were streamed', async (t) => {
    // SQLite has one writer and knex one connection per process: an open transaction would block the
    // stream's own reads, so the interleaving only exists on PostgreSQL.
    if (env().dialect !== 'postgres') t.skip();
    const carol = await userWithToken(env(), 'customer');
    const stream = openStream(base, carol.token);
    await stream.ready;
    const change = (number: string): DomainEvents['order.status_changed'] => ({
      order_id: `o-${number}`,
      number,
      user_id: carol.user.id,
      from: 'paid',
      to: 'shipped',
    });
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    // The slow transaction takes its event id first…
    const slow = env().engine.store.unitOfWork.run(systemContext(), async (tx) => {
      await env().engine.store.repositories.outbox.record(tx, 'order.status_changed', change('SLOW'));
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    // …a later event commits and is streamed…
    await record(otherProcess, 'order.status_changed', change('FAST'));
    await stream.waitFor((m) => m.length >= 1);
    // …then the slow one commits, with an id older than the event already sent.
    commit();
    await slow;
    await stream.waitFor((m) => m.length >= 2);
    expect(stream.messages.map((m) => m.data.number)).toEqual(['FAST', 'SLOW']);
    stream.close();
  });
});
