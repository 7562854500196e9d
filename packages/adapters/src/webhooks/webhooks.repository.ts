import type { Context, WebhookDeliveryLog, WebhookRecord, WebhookRepository } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from '../knex/store.js';
import { fromJson, toBool, toIso, toIsoOrNull, toJson } from '../knex/values.js';

type Row = Record<string, unknown>;

function toRecord(row: Row): WebhookRecord {
  return {
    id: row.id as string,
    url: row.url as string,
    event_types: fromJson<WebhookRecord['event_types']>(row.event_types),
    secret: row.secret as string,
    is_active: toBool(row.is_active),
    consecutive_failures: Number(row.consecutive_failures),
    disabled_reason: (row.disabled_reason as string | null) ?? null,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

function toDelivery(row: Row): WebhookDeliveryLog {
  return {
    id: row.id as string,
    subscription_id: row.subscription_id as string,
    event_id: row.event_id as string,
    event_type: row.event_type as string,
    attempt: Number(row.attempt),
    status_code: row.status_code == null ? null : Number(row.status_code),
    error: (row.error as string | null) ?? null,
    duration_ms: Number(row.duration_ms),
    delivered_at: toIsoOrNull(row.delivered_at) as string,
  };
}

export class KnexWebhookRepository implements WebhookRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, record: WebhookRecord & { created_by: string | null }): Promise<void> {
    await db(ctx, this.knex)('webhook_subscriptions').insert({ ...record, event_types: toJson(record.event_types) });
  }

  async find(ctx: Context, id: string): Promise<WebhookRecord | null> {
    const row = (await db(ctx, this.knex)('webhook_subscriptions').where({ id }).first()) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  async list(ctx: Context): Promise<WebhookRecord[]> {
    const rows = (await db(ctx, this.knex)('webhook_subscriptions').orderBy('created_at').orderBy('id')) as Row[];
    return rows.map(toRecord);
  }

  async update(ctx: Context, id: string, changes: Partial<WebhookRecord>): Promise<void> {
    const { event_types, ...rest } = changes;
    await db(
      ctx,
      this.knex,
    )('webhook_subscriptions')
      .where({ id })
      .update({ ...rest, ...(event_types ? { event_types: toJson(event_types) } : {}) });
  }

  async delete(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('webhook_subscriptions').where({ id }).delete()) === 1;
  }

  async listActive(ctx: Context): Promise<WebhookRecord[]> {
    // Subscriptions are few: the caller filters the JSON lists of event types rather than dialect-specific JSON SQL.
    const rows = (await db(ctx, this.knex)('webhook_subscriptions').where('is_active', true)) as Row[];
    return rows.map(toRecord);
  }

  async insertDelivery(ctx: Context, delivery: WebhookDeliveryLog): Promise<void> {
    await db(ctx, this.knex)('webhook_deliveries').insert(delivery);
  }

  async addFailure(ctx: Context, id: string, now: string): Promise<number> {
    const q = db(ctx, this.knex);
    await q('webhook_subscriptions')
      .where({ id })
      .update({ consecutive_failures: q.raw('consecutive_failures + 1'), updated_at: now });
    const row = (await q('webhook_subscriptions').where({ id }).first('consecutive_failures')) as Row | undefined;
    return Number(row?.consecutive_failures ?? 0);
  }

  async listDeliveries(ctx: Context, subscriptionId: string, limit: number): Promise<WebhookDeliveryLog[]> {
    const rows = (await db(
      ctx,
      this.knex,
    )('webhook_deliveries')
      .where({ subscription_id: subscriptionId })
      .orderBy([
        { column: 'delivered_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)) as Row[];
    return rows.map(toDelivery);
  }

  async purgeDeliveries(ctx: Context, before: string): Promise<number> {
    return db(ctx, this.knex)('webhook_deliveries').where('delivered_at', '<', before).delete();
  }
}
