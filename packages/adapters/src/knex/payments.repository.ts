import type {
  Context,
  ListWindow,
  PaymentFilter,
  PaymentRecord,
  PaymentRepository,
  PaymentStatus,
  RowPage,
} from '@emporia/core';
import type { Knex } from 'knex';
import { pageById } from './pagination.js';
import { db } from './store.js';
import { toIso } from './values.js';

function paymentOf(r: Record<string, unknown>): PaymentRecord {
  return {
    id: r.id as string,
    order_id: r.order_id as string,
    user_id: (r.user_id as string | null) ?? null,
    provider: r.provider as string,
    status: r.status as PaymentStatus,
    amount: Number(r.amount),
    currency: r.currency as string,
    reference: r.reference as string,
    checkout_url: (r.checkout_url as string | null) ?? null,
    refunded_amount: Number(r.refunded_amount ?? 0),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

export class KnexPaymentRepository implements PaymentRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, payment: PaymentRecord): Promise<void> {
    await db(ctx, this.knex)('payments').insert(payment);
  }

  async findById(ctx: Context, id: string): Promise<PaymentRecord | null> {
    const row = await db(ctx, this.knex)('payments').where('id', id).first();
    return row ? paymentOf(row) : null;
  }

  async findByReference(ctx: Context, provider: string, reference: string): Promise<PaymentRecord | null> {
    const row = await db(ctx, this.knex)('payments').where({ provider, reference }).first();
    return row ? paymentOf(row) : null;
  }

  async list(ctx: Context, filter: PaymentFilter, window: ListWindow): Promise<RowPage<PaymentRecord>> {
    const query = db(ctx, this.knex)('payments').select('*');
    if (filter.user_id) query.where('user_id', filter.user_id);
    if (filter.status) query.where('status', filter.status);
    if (filter.order_id) query.where('order_id', filter.order_id);
    return pageById(query, window, paymentOf);
  }

  async succeededOf(ctx: Context, orderId: string): Promise<PaymentRecord[]> {
    const rows = await db(ctx, this.knex)('payments').where({ order_id: orderId, status: 'succeeded' }).orderBy('id');
    return rows.map(paymentOf);
  }

  async holdRefund(ctx: Context, paymentId: string, amount: number): Promise<boolean> {
    // One conditional statement: concurrent refunds queue on the row and each sees the sum before it.
    const n = await db(
      ctx,
      this.knex,
    )('payments')
      .where({ id: paymentId, status: 'succeeded' })
      .andWhereRaw('refunded_amount + ? <= amount', [amount])
      .update({ refunded_amount: this.knex.raw('refunded_amount + ?', [amount]) });
    return n === 1;
  }

  async releaseRefund(ctx: Context, paymentId: string, amount: number): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('payments')
      .where('id', paymentId)
      .andWhere('refunded_amount', '>=', amount)
      .update({ refunded_amount: this.knex.raw('refunded_amount - ?', [amount]) });
  }

  async lock(ctx: Context, paymentId: string): Promise<void> {
    // A write that changes nothing still takes the row lock (SQLite's writer holds the database anyway).
    await db(
      ctx,
      this.knex,
    )('payments')
      .where('id', paymentId)
      .update({ refunded_amount: this.knex.raw('refunded_amount') });
  }

  async setStatus(ctx: Context, id: string, from: string, to: string, at: string): Promise<boolean> {
    const n = await db(ctx, this.knex)('payments').where({ id, status: from }).update({ status: to, updated_at: at });
    return n === 1;
  }
}
