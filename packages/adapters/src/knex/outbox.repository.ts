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

/** What one transaction recorded, and its after-commit announcement once it started. */
interface Recorded {
  events: OutboxEvent[];
  announced?: Promise<void>;
}

/**
 * Appends domain events to `outbox_events` in the caller's transaction, and announces each
 * committed transaction's events to the listeners (live streams' wake-up, the catalog cache).
 */
export class KnexEventOutbox implements EventOutbox {
  private readonly committed: Array<(events: readonly OutboxEvent[]) => void | Promise<void>> = [];
  private readonly recorded = new WeakMap<object, Recorded>();

  constructor(private readonly knex: Knex) {}

  /**
   * Calls `listener` once after each commit that recorded events, with those events. The unit of
   * work awaits the listeners before its caller goes on (`afterCommit`), so a write's answer leaves
   * only after, say, the catalog cache dropped what it made stale.
   */
  onCommit(listener: (events: readonly OutboxEvent[]) => void | Promise<void>): void {
    this.committed.push(listener);
  }

  /**
   * Announces what the committed transaction `trx` recorded (once; later calls wait for the same
   * announcement). The unit of work calls it after its commit; a transaction opened elsewhere is
   * announced when knex settles it.
   */
  afterCommit(trx: object): Promise<void> {
    const recorded = this.recorded.get(trx);
    if (!recorded) return Promise.resolve();
    recorded.announced ??= Promise.all(
      this.committed.map(async (listener) => {
        try {
          await listener(recorded.events);
        } catch {
          // A listener's failure (Redis away) must not fail a committed write.
        }
      }),
    ).then(() => {});
    return recorded.announced;
  }

  private announce(ctx: Context, event: OutboxEvent): void {
    if (this.committed.length === 0) return;
    const trx = ctx.tx as unknown as Knex.Transaction | undefined;
    if (!trx) {
      const alone = {};
      this.recorded.set(alone, { events: [event] });
      void this.afterCommit(alone);
      return;
    }
    const known = this.recorded.get(trx);
    if (known) {
      known.events.push(event);
      return;
    }
    this.recorded.set(trx, { events: [event] });
    // Resolves after COMMIT, rejects on rollback: nothing is announced for a rolled-back write.
    trx.executionPromise.then(
      () => this.afterCommit(trx),
      () => {},
    );
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
    this.announce(ctx, event);
    return event;
  }
}
