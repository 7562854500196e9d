import type { Context, OutboxDispatch, OutboxEvent, Transaction } from '@emporia/core';
import type { Knex } from 'knex';
import { locksRows, type Dialect } from '../knex/dialect.js';
import { db } from '../knex/store.js';
import { fromJson, toIso } from '../knex/values.js';

type Row = Record<string, unknown>;

function toEvent(row: Row): OutboxEvent {
  return {
    id: row.id as string,
    type: row.type as OutboxEvent['type'],
    payload: fromJson(row.payload),
    user_id: (row.user_id as string | null) ?? null,
    created_at: toIso(row.created_at),
  };
}

/** Moves committed outbox events to jobs; several runners may do it at once on PostgreSQL and MySQL. */
export class KnexOutboxDispatch implements OutboxDispatch {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async dispatch(
    ctx: Context,
    limit: number,
    toJobs: (tx: Context, events: OutboxEvent[]) => Promise<void>,
  ): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const tx: Context = { ...ctx, tx: trx as unknown as Transaction };
      const q = trx('outbox_events').whereNull('dispatched_at').orderBy('id').limit(limit);
      if (locksRows(this.dialect)) q.forUpdate().skipLocked();
      const events = ((await q) as Row[]).map(toEvent);
      if (events.length === 0) return 0;
      await trx('outbox_events')
        .whereIn(
          'id',
          events.map((e) => e.id),
        )
        .update({ dispatched_at: ctx.clock.now().toISOString() });
      await toJobs(tx, events);
      return events.length;
    });
  }

  async since(ctx: Context, afterId: string | null, limit: number): Promise<OutboxEvent[]> {
    const q = db(ctx, this.knex)('outbox_events').orderBy('id').limit(limit);
    if (afterId) q.where('id', '>', afterId);
    return ((await q) as Row[]).map(toEvent);
  }
}
