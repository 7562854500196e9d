import type { Context, RefundLine, RefundRecord, RefundRepository, RefundStatus } from '@emporia/core';
import type { Knex } from 'knex';
import { hasReturning, inTransaction, knexDialect } from './dialect.js';
import { db } from './store.js';
import { fromJson, toBool, toIso, toJson } from './values.js';

function refundOf(r: Record<string, unknown>): RefundRecord {
  return {
    id: r.id as string,
    order_id: r.order_id as string,
    payment_id: r.payment_id as string,
    provider: r.provider as string,
    status: r.status as RefundStatus,
    amount: Number(r.amount),
    currency: r.currency as string,
    reason: (r.reason as string | null) ?? null,
    lines: fromJson<RefundLine[]>(r.lines) ?? [],
    restock: toBool(r.restock),
    reference: (r.reference as string | null) ?? null,
    created_by: (r.created_by as string | null) ?? null,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

export class KnexRefundRepository implements RefundRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, refund: RefundRecord): Promise<void> {
    await db(ctx, this.knex)('refunds').insert({ ...refund, lines: toJson(refund.lines) });
  }

  async findById(ctx: Context, id: string): Promise<RefundRecord | null> {
    const row = await db(ctx, this.knex)('refunds').where('id', id).first();
    return row ? refundOf(row) : null;
  }

  async findByReference(ctx: Context, provider: string, reference: string): Promise<RefundRecord | null> {
    const row = await db(ctx, this.knex)('refunds').where({ provider, reference }).first();
    return row ? refundOf(row) : null;
  }

  async setReference(ctx: Context, id: string, reference: string, at: string): Promise<void> {
    await db(ctx, this.knex)('refunds').where('id', id).update({ reference, updated_at: at });
  }

  async listByOrder(ctx: Context, orderId: string): Promise<RefundRecord[]> {
    const rows = await db(ctx, this.knex)('refunds').where('order_id', orderId).orderBy('id');
    return rows.map(refundOf);
  }

  async completedTotal(ctx: Context, orderId: string): Promise<number> {
    const [row] = await db(
      ctx,
      this.knex,
    )('refunds')
      .where({ order_id: orderId, status: 'completed' })
      .sum({ total: 'amount' });
    return Number(row?.total ?? 0);
  }

  async setStatus(ctx: Context, id: string, from: string, to: string, at: string): Promise<boolean> {
    const n = await db(ctx, this.knex)('refunds').where({ id, status: from }).update({ status: to, updated_at: at });
    return n === 1;
  }

  async holdUnits(ctx: Context, orderId: string, position: number, quantity: number): Promise<number | null> {
    // One conditional statement: of concurrent refunds of the same units, one passes the condition.
    const hold = (k: Knex) =>
      k('order_items')
        .where({ order_id: orderId, position })
        .andWhereRaw('refunded_quantity + ? <= quantity', [quantity])
        .update({ refunded_quantity: this.knex.raw('refunded_quantity + ?', [quantity]) });
    const k = db(ctx, this.knex);
    let row: { refunded_quantity: unknown } | undefined;
    if (hasReturning(knexDialect(this.knex))) {
      [row] = (await hold(k).returning(['refunded_quantity'])) as Array<{ refunded_quantity: unknown }>;
    } else {
      // The update's row lock holds until commit, so the row read back is the one it wrote.
      row = await inTransaction(k, async (trx) =>
        (await hold(trx)) === 1
          ? trx('order_items').where({ order_id: orderId, position }).first('refunded_quantity')
          : undefined,
      );
    }
    return row ? Number(row.refunded_quantity) - quantity : null;
  }

  async releaseUnits(ctx: Context, orderId: string, position: number, quantity: number): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('order_items')
      .where({ order_id: orderId, position })
      .andWhere('refunded_quantity', '>=', quantity)
      .update({ refunded_quantity: this.knex.raw('refunded_quantity - ?', [quantity]) });
  }
}
