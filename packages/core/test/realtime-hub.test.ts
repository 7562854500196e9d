import {
  newId,
  RateLimitedError,
  RealtimeHub,
  userContext,
  type OutboxEvent,
  type RealtimeSignal,
} from '@emporia/core';
import { describe, expect, it } from 'vitest';

/** An outbox that counts its reads. */
function fakeOutbox() {
  const events: OutboxEvent[] = [];
  let reads = 0;
  return {
    events,
    get reads() {
      return reads;
    },
    add(user_id: string, number: string) {
      const event = {
        id: newId(),
        type: 'order.status_changed',
        payload: { order_id: `o-${number}`, number, user_id, from: 'pending', to: 'paid' },
        user_id,
        created_at: new Date().toISOString(),
      } as OutboxEvent;
      events.push(event);
      return event;
    },
    async since(_ctx: unknown, after: string | null, limit: number) {
      reads++;
      return events.filter((e) => after === null || e.id > after).slice(0, limit);
    },
  };
}

/** A signal the test fires by hand. */
function manualSignal() {
  const listeners: Array<() => void> = [];
  const signal: RealtimeSignal = {
    name: 'manual',
    publish: () => listeners.forEach((l) => l()),
    subscribe: async (l) => void listeners.push(l),
    close: async () => {},
  };
  return signal;
}

const systemClock = { now: () => new Date() };
const customer = (id = newId()) => userContext({ id, email: `${id}@example.test`, role: 'customer', permissions: [] });

async function until(predicate: () => boolean) {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
}

describe('RealtimeHub', () => {
  it('keeps reading for a listener without streams, hands it every event, and stops when it leaves', async () => {
    const outbox = fakeOutbox();
    const signal = manualSignal();
    const hub = new RealtimeHub(outbox, systemClock, { maxStreamsPerUser: 5, maxStreams: 1000 }, signal);
    const heard: string[] = [];
    const stop = hub.listen((events) => heard.push(...events.map((e) => (e.payload as { number: string }).number)));
    await new Promise((r) => setTimeout(r, 20));
    outbox.add(newId(), 'EM-1');
    outbox.add(newId(), 'EM-2');
    signal.publish();
    // No audience filter: a listener is the process itself, never a client.
    await until(() => heard.length === 2);
    expect(heard).toEqual(['EM-1', 'EM-2']);
    stop();
    const reads = outbox.reads;
    outbox.add(newId(), 'EM-3');
    signal.publish();
    await new Promise((r) => setTimeout(r, 50));
    expect(outbox.reads).toBe(reads);
    expect(heard).toEqual(['EM-1', 'EM-2']);
    await hub.close();
  });

  it('reads the outbox once per wake for all its streams, and gives each user only theirs', async () => {
    const outbox = fakeOutbox();
    const signal = manualSignal();
    const hub = new RealtimeHub(outbox, systemClock, { maxStreamsPerUser: 5, maxStreams: 1000 }, signal);
    const users = Array.from({ length: 50 }, () => customer());
    const got = new Map<string, string[]>();
    const streams = users.map((ctx) => {
      const id = ctx.actor.kind === 'user' ? ctx.actor.id : '';
      got.set(id, []);
      return hub.open(ctx, null, (e) => got.get(id)!.push((e.payload as { number: string }).number));
    });
    await new Promise((r) => setTimeout(r, 20));
    const before = outbox.reads;
    const target = users[7].actor.kind === 'user' ? users[7].actor.id : '';
    outbox.add(target, 'N-1');
    signal.publish();
    await until(() => got.get(target)!.length === 1);
    // 50 streams, one wake: one read (the per-stream resume reads happened at open).
    expect(outbox.reads - before).toBe(1);
    expect([...got.values()].flat()).toEqual(['N-1']);
    streams.forEach((s) => s.close());
    await hub.close();
  });

  it('reads once its subscription stands, so a commit signalled while it was being set up is not left to the safety read', async () => {
    const outbox = fakeOutbox();
    const listeners: Array<() => void> = [];
    let subscribed!: () => void;
    // A subscription that takes a while: signals sent meanwhile reach no listener.
    const slow: RealtimeSignal = {
      name: 'slow',
      publish: () => listeners.forEach((l) => l()),
      subscribe: (l) =>
        new Promise<void>((resolve) => {
          subscribed = () => {
            listeners.push(l);
            resolve();
          };
        }),
      close: async () => {},
    };
    // The safety read is an hour off: only a read when the subscription stands can deliver in time.
    const hub = new RealtimeHub(
      outbox,
      systemClock,
      { maxStreamsPerUser: 5, maxStreams: 10, signalledPollMs: 3_600_000 },
      slow,
    );
    const ctx = customer();
    const id = ctx.actor.kind === 'user' ? ctx.actor.id : '';
    const got: string[] = [];
    const stream = hub.open(ctx, null, (e) => got.push((e.payload as { number: string }).number));
    await new Promise((r) => setTimeout(r, 20));
    outbox.add(id, 'EARLY-1');
    slow.publish(); // lost: nobody listens yet
    subscribed();
    await until(() => got.length === 1);
    expect(got).toEqual(['EARLY-1']);
    stream.close();
    await hub.close();
  });

  it('caps streams per user and per process with RateLimitedError, and frees a place on close', async () => {
    const hub = new RealtimeHub(fakeOutbox(), systemClock, { maxStreamsPerUser: 2, maxStreams: 3 }, manualSignal());
    const ann = customer();
    const a1 = hub.open(ann, null, () => {});
    hub.open(ann, null, () => {});
    expect(() => hub.open(ann, null, () => {})).toThrow(RateLimitedError);
    hub.open(customer(), null, () => {});
    expect(() => hub.open(customer(), null, () => {})).toThrow(/as many event streams as it allows/);
    a1.close();
    a1.close(); // twice is harmless
    expect(hub.size).toBe(2);
    expect(() => hub.open(ann, null, () => {})).not.toThrow();
    await hub.close();
  });
});
