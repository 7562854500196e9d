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
  constructor(private readonly knex: Knex) {}

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
    return event;
  }
}
