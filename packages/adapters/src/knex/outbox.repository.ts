import {
  newId,
  type Context,
  type DomainEvents,
  type EventOutbox,
  type EventType,
  type OutboxEvent,
} from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { toJson } from './values.js';

/** Appends domain events to `outbox_events` in the caller's transaction. */
export class KnexEventOutbox implements EventOutbox {
  private readonly committed: Array<() => void> = [];
  private readonly announced = new WeakSet<object>();

  constructor(private readonly knex: Knex) {}

  /** Calls `listener` once after each commit that recorded events (live streams' wake-up). */
  onCommit(listener: () => void): void {
    this.committed.push(listener);
  }

  private announce(ctx: Context): void {
    if (this.committed.length === 0) return;
    const notify = () => {
      for (const listener of this.committed) listener();
    };
    const trx = ctx.tx as unknown as Knex.Transaction | undefined;
    if (!trx) return notify();
    if (this.announced.has(trx)) return;
    this.announced.add(trx);
    // Resolves after COMMIT, rejects on rollback: nothing is announced for a rolled-back write.
    trx.executionPromise.then(notify, () => {});
  }

  async record<T extends EventType>(ctx: Context, type: T, payload: DomainEvents[T]): Promise<OutboxEvent<T>> {
    const event: OutboxEvent<T> = {
      id: newId(),
      type,
      payload,
      user_id: (payload as { user_id?: string | null }).user_id ?? null,
      created_at: ctx.clock.now().toISOString(),
    };
    await db(
      ctx,
      this.knex,
    )('outbox_events').insert({
      id: event.id,
      type: event.type,
      payload: toJson(event.payload),
      user_id: event.user_id,
      created_at: event.created_at,
    });
    this.announce(ctx);
    return event;
  }
}
