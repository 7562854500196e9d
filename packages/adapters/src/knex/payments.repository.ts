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
    user_id: r.user_id as string,
    provider: r.provider as string,
    status: r.status as PaymentStatus,
    amount: Number(r.amount),
    currency: r.currency as string,
    reference: r.reference as string,
    checkout_url: (r.checkout_url as string | null) ?? null,
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

  async setStatus(ctx: Context, id: string, from: string, to: string, at: string): Promise<boolean> {
    const n = await db(ctx, this.knex)('payments').where({ id, status: from }).update({ status: to, updated_at: at });
    return n === 1;
  }
}
