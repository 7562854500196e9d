import type { Context, OutboxDispatch, OutboxEvent } from '@emporia/core';
import type { Knex } from 'knex';
import { hasReturning, inTransaction, locksRows, type Dialect } from '../knex/dialect.js';
import { db } from '../knex/store.js';
import { fromJson, rawRows, toIso } from '../knex/values.js';

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

/** Reads `outbox_events` for the dispatcher and for live streams; several runners may dispatch at once. */
export class KnexOutboxDispatch implements OutboxDispatch {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async hasPending(ctx: Context): Promise<boolean> {
    // `outbox_undispatched_idx` (dispatched_at, id) answers it from the index.
    const row = await db(ctx, this.knex)('outbox_events').whereNull('dispatched_at').first('id');
    return row !== undefined;
  }

  async claim(ctx: Context, limit: number): Promise<OutboxEvent[]> {
    const at = ctx.clock.now().toISOString();
    if (!hasReturning(this.dialect)) {
      // MySQL has no UPDATE … RETURNING: lock the events (skipping another dispatcher's), then mark
      // them, in the caller's transaction.
      return inTransaction(db(ctx, this.knex), async (trx) => {
        const rows = (await trx('outbox_events')
          .whereNull('dispatched_at')
          .orderBy('id')
          .limit(limit)
          .forUpdate()
          .skipLocked()) as Row[];
        if (rows.length === 0) return [];
        await trx('outbox_events')
          .whereIn(
            'id',
            rows.map((r) => r.id as string),
          )
          .update({ dispatched_at: at });
        return rows.map((r) => toEvent({ ...r, dispatched_at: at }));
      });
    }
    // One statement: PostgreSQL skips the events another dispatcher holds; SQLite has one writer.
    const lock = locksRows(this.dialect) ? 'FOR UPDATE SKIP LOCKED' : '';
    const result = await db(ctx, this.knex).raw(
      `UPDATE outbox_events SET dispatched_at = ?
       WHERE id IN (SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT ? ${lock})
       RETURNING *`,
      [at, limit],
    );
    return rawRows<Row>(result)
      .map(toEvent)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async since(ctx: Context, afterId: string | null, limit: number): Promise<OutboxEvent[]> {
    const q = db(ctx, this.knex)('outbox_events').orderBy('id').limit(limit);
    if (afterId) q.where('id', '>', afterId);
    return ((await q) as Row[]).map(toEvent);
  }

  async purge(ctx: Context, before: string): Promise<number> {
    return db(ctx, this.knex)('outbox_events').where('dispatched_at', '<', before).delete();
  }
}
