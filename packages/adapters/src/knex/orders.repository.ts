import {
  newId,
  type Context,
  type IdempotencyRecord,
  type IdempotencyRepository,
  type OrderFilter,
  type OrderItemRecord,
  type OrderPricingSnapshot,
  type OrderRecord,
  type OrderRepository,
  type OrderStatus,
  type ChosenShippingMethod,
  type PostalAddress,
  type ListWindow,
  type StatusHistoryEntry,
  type StatusHistoryRepository,
  type RowPage,
} from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { pageById } from './pagination.js';
import { db } from './store.js';
import { fromJson, toBool, toIso, toJson } from './values.js';

function orderOf(r: Record<string, unknown>): OrderRecord {
  return {
    id: r.id as string,
    number: r.number as string,
    user_id: (r.user_id as string | null) ?? null,
    guest_email: (r.guest_email as string | null) ?? null,
    order_token_hash: (r.order_token_hash as string | null) ?? null,
    status: r.status as OrderStatus,
    currency: r.currency as string,
    subtotal: Number(r.subtotal),
    discount_total: Number(r.discount_total ?? 0),
    shipping_total: Number(r.shipping_total ?? 0),
    tax_total: Number(r.tax_total ?? 0),
    total: Number(r.total),
    prices_include_tax: toBool(r.prices_include_tax ?? false),
    pricing: r.pricing
      ? fromJson<OrderPricingSnapshot>(r.pricing)
      : { tax_lines: [], discounts: [], shipping_discount: 0, shipping_tax: 0 },
    shipping_address: r.shipping_address ? fromJson<PostalAddress>(r.shipping_address) : null,
    billing_address: r.billing_address ? fromJson<PostalAddress>(r.billing_address) : null,
    shipping_method: r.shipping_method ? fromJson<ChosenShippingMethod>(r.shipping_method) : null,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

export class KnexOrderRepository implements OrderRepository {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async nextNumber(ctx: Context): Promise<number> {
    if (this.dialect === 'postgres') {
      // nextval is outside transactional locking: concurrent checkouts never wait on each other here.
      const result = await db(ctx, this.knex).raw("select nextval('order_number_seq') as n");
      return Number(result.rows[0].n);
    }
    if (this.dialect === 'mysql') {
      // AUTO_INCREMENT, MySQL's stand-in for a sequence: no lock held until commit either.
      const [n] = await db(ctx, this.knex)('order_number_seq').insert({});
      return Number(n);
    }
    const rows = await db(
      ctx,
      this.knex,
    )('order_number_counter')
      .where('id', 1)
      .update({ value: this.knex.raw('value + 1') })
      .returning('value');
    return Number((rows[0] as { value: number }).value);
  }

  async insert(ctx: Context, order: OrderRecord, items: OrderItemRecord[]): Promise<void> {
    const q = db(ctx, this.knex);
    await q('orders').insert({
      ...order,
      pricing: toJson(order.pricing),
      shipping_address: order.shipping_address && toJson(order.shipping_address),
      billing_address: order.billing_address && toJson(order.billing_address),
      shipping_method: order.shipping_method && toJson(order.shipping_method),
    });
    await q('order_items').insert(items);
  }

  async findById(ctx: Context, id: string): Promise<OrderRecord | null> {
    const row = await db(ctx, this.knex)('orders').where('id', id).first();
    return row ? orderOf(row) : null;
  }

  async findByNumber(ctx: Context, number: string): Promise<OrderRecord | null> {
    const row = await db(ctx, this.knex)('orders').where('number', number).first();
    return row ? orderOf(row) : null;
  }

  async itemsOf(ctx: Context, orderIds: string[]): Promise<OrderItemRecord[]> {
    if (orderIds.length === 0) return [];
    const rows = await db(
      ctx,
      this.knex,
    )('order_items')
      .whereIn('order_id', orderIds)
      .orderBy(['order_id', 'position']);
    return rows.map((r: Record<string, unknown>) => ({
      order_id: r.order_id as string,
      position: Number(r.position),
      variant_id: r.variant_id as string,
      product_id: r.product_id as string,
      sku: r.sku as string,
      name: r.name as string,
      unit_price: Number(r.unit_price),
      quantity: Number(r.quantity),
      discount_total: Number(r.discount_total ?? 0),
      tax_total: Number(r.tax_total ?? 0),
      tax_class: (r.tax_class as string | undefined) ?? 'standard',
      line_total: Number(r.line_total),
    }));
  }

  async existForUser(ctx: Context, userId: string): Promise<boolean> {
    return (await db(ctx, this.knex)('orders').where('user_id', userId).first('id')) !== undefined;
  }

  async eraseAddressesForUser(ctx: Context, userId: string): Promise<void> {
    const rows = await db(
      ctx,
      this.knex,
    )('orders')
      .where('user_id', userId)
      .andWhere((q) => q.whereNotNull('shipping_address').orWhereNotNull('billing_address'))
      .select('id', 'shipping_address', 'billing_address');
    const blank = (json: unknown): string | null => {
      if (!json) return null;
      const a = fromJson<PostalAddress>(json as string);
      const erased: PostalAddress = {
        name: '',
        company: null,
        line1: '',
        line2: null,
        city: '',
        postal_code: null,
        region: a.region,
        country: a.country,
        phone: null,
      };
      return toJson(erased);
    };
    for (const r of rows) {
      await db(
        ctx,
        this.knex,
      )('orders')
        .where('id', r.id)
        .update({ shipping_address: blank(r.shipping_address), billing_address: blank(r.billing_address) });
    }
  }

  async claimGuestOrders(ctx: Context, userId: string, email: string): Promise<number> {
    const q = db(ctx, this.knex);
    // Their payments go with them (first: the subquery finds the orders while they are still the guest's).
    await q('payments')
      .whereNull('user_id')
      .whereIn('order_id', q('orders').select('id').whereNull('user_id').where('guest_email', email))
      .update({ user_id: userId });
    return q('orders').whereNull('user_id').where('guest_email', email).update({ user_id: userId });
  }

  async list(ctx: Context, filter: OrderFilter, window: ListWindow): Promise<RowPage<OrderRecord>> {
    const query = db(ctx, this.knex)('orders').select('*');
    if (filter.user_id) query.where('user_id', filter.user_id);
    if (filter.status) query.where('status', filter.status);
    if (filter.created_after) query.where('created_at', '>=', filter.created_after);
    if (filter.created_before) query.where('created_at', '<', filter.created_before);
    return pageById(query, window, orderOf);
  }

  async setStatus(ctx: Context, id: string, from: string, to: string, at: string): Promise<boolean> {
    // Compare-and-set: of two concurrent moves from the same status, exactly one updates a row.
    const n = await db(ctx, this.knex)('orders').where({ id, status: from }).update({ status: to, updated_at: at });
    return n === 1;
  }
}

export class KnexStatusHistoryRepository implements StatusHistoryRepository {
  constructor(private readonly knex: Knex) {}

  async record(ctx: Context, subjectType: string, subjectId: string, entry: StatusHistoryEntry): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('status_history').insert({
      id: newId(),
      subject_type: subjectType,
      subject_id: subjectId,
      from_status: entry.from,
      to_status: entry.to,
      actor_id: entry.actor_id,
      actor: entry.actor,
      note: entry.note === null ? null : entry.note.slice(0, 500),
      created_at: entry.at,
    });
  }

  async of(
    ctx: Context,
    subjectType: string,
    subjectIds: string[],
  ): Promise<Array<StatusHistoryEntry & { subject_id: string }>> {
    if (subjectIds.length === 0) return [];
    const rows = await db(
      ctx,
      this.knex,
    )('status_history')
      .where('subject_type', subjectType)
      .whereIn('subject_id', subjectIds)
      .orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      subject_id: r.subject_id as string,
      from: r.from_status as string,
      to: r.to_status as string,
      actor_id: (r.actor_id as string | null) ?? null,
      actor: r.actor as StatusHistoryEntry['actor'],
      note: (r.note as string | null) ?? null,
      at: toIso(r.created_at),
    }));
  }
}

function keyOf(r: Record<string, unknown>): IdempotencyRecord {
  return {
    id: r.id as string,
    scope: r.scope as string,
    key: r.key as string,
    request_hash: r.request_hash as string,
    status: r.status as IdempotencyRecord['status'],
    response_status: r.response_status === null ? null : Number(r.response_status),
    response_body: r.response_body === null ? null : fromJson(r.response_body),
    created_at: toIso(r.created_at),
    expires_at: toIso(r.expires_at),
  };
}

export class KnexIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly knex: Knex) {}

  async claim(
    ctx: Context,
    row: Omit<IdempotencyRecord, 'status' | 'response_status' | 'response_body'>,
  ): Promise<IdempotencyRecord> {
    const q = db(ctx, this.knex);
    // Insert-or-nothing: of concurrent requests with one key, exactly one row (one owner) exists.
    await q('idempotency_keys')
      .insert({ ...row, status: 'in_progress', response_status: null, response_body: null })
      .onConflict(['scope', 'key'])
      .ignore();
    return keyOf(await q('idempotency_keys').where({ scope: row.scope, key: row.key }).first());
  }

  async complete(ctx: Context, id: string, responseStatus: number, responseBody: unknown): Promise<boolean> {
    const n = await db(
      ctx,
      this.knex,
    )('idempotency_keys')
      .where({ id, status: 'in_progress' })
      .update({ status: 'completed', response_status: responseStatus, response_body: toJson(responseBody) });
    return n > 0;
  }

  async release(ctx: Context, id: string): Promise<void> {
    await db(ctx, this.knex)('idempotency_keys').where({ id, status: 'in_progress' }).delete();
  }

  async discard(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('idempotency_keys').where('id', id).delete()) > 0;
  }

  async purgeExpired(ctx: Context, now: string): Promise<number> {
    return db(ctx, this.knex)('idempotency_keys').where('expires_at', '<=', now).delete();
  }
}
