import {
  ConflictError,
  type Context,
  type PromotionKind,
  type PromotionRecord,
  type PromotionRepository,
  type RedemptionRecord,
} from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { fromJson, isUniqueViolation, toBool, toIso, toJson } from './values.js';

const iso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Record<string, unknown>): PromotionRecord {
  return {
    id: r.id as string,
    code: r.code as string,
    kind: r.kind as PromotionKind,
    value: Number(r.value),
    min_subtotal: num(r.min_subtotal),
    starts_at: iso(r.starts_at),
    ends_at: iso(r.ends_at),
    usage_limit: num(r.usage_limit),
    usage_limit_per_customer: num(r.usage_limit_per_customer),
    category_ids: fromJson<string[]>(r.category_ids),
    product_ids: fromJson<string[]>(r.product_ids),
    is_active: toBool(r.is_active),
    // An unlimited code's row counter is not kept (checkouts do not lock it): its redemptions count.
    times_used: r.usage_limit === null && r.redeemed !== undefined ? Number(r.redeemed) : Number(r.times_used),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

function toRow(r: PromotionRecord) {
  return { ...r, category_ids: toJson(r.category_ids), product_ids: toJson(r.product_ids) };
}

const clash = (code: string) => new ConflictError(`A promotion with the code ${code} already exists`);

/** Promotions, the codes carts hold (`cart_promotions`) and redemptions (`promotion_redemptions`). */
export class KnexPromotionRepository implements PromotionRepository {
  constructor(private readonly knex: Knex) {}

  /** Promotions with `redeemed`, their redemption count (one subquery per row, on its index). */
  private withUses(ctx: Context) {
    const q = db(ctx, this.knex);
    return q('promotions as p').select(
      'p.*',
      q('promotion_redemptions as r').count('*').where('r.promotion_id', this.knex.ref('p.id')).as('redeemed'),
    );
  }

  async list(ctx: Context): Promise<PromotionRecord[]> {
    return (await this.withUses(ctx).orderBy('p.id', 'desc')).map(toRecord);
  }

  async findById(ctx: Context, id: string): Promise<PromotionRecord | null> {
    const row = await this.withUses(ctx).where('p.id', id).first();
    return row ? toRecord(row) : null;
  }

  async findByCodes(ctx: Context, codes: readonly string[]): Promise<PromotionRecord[]> {
    if (codes.length === 0) return [];
    return (await db(ctx, this.knex)('promotions').whereIn('code', [...codes])).map(toRecord);
  }

  async insert(ctx: Context, record: PromotionRecord): Promise<void> {
    try {
      await db(ctx, this.knex)('promotions').insert(toRow(record));
    } catch (err) {
      if (isUniqueViolation(err)) throw clash(record.code);
      throw err;
    }
  }

  async update(ctx: Context, record: PromotionRecord): Promise<boolean> {
    const { id, created_at: _created, times_used: _used, ...fields } = toRow(record);
    // A code that gets a total limit starts counting from its redemptions (while unlimited its row
    // counter stood still). First in the SET list: MySQL evaluates assignments left to right, so
    // `usage_limit` here is still the old value on every dialect.
    const times_used = this.knex.raw(
      'case when usage_limit is null then (select count(*) from promotion_redemptions where promotion_id = ?) else times_used end',
      [id],
    );
    try {
      return (
        (await db(
          ctx,
          this.knex,
        )('promotions')
          .where({ id })
          .update({ times_used, ...fields })) === 1
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw clash(record.code);
      throw err;
    }
  }

  async delete(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('promotions').where({ id }).delete()) === 1;
  }

  async ofCart(ctx: Context, cartId: string): Promise<PromotionRecord[]> {
    const rows = await db(
      ctx,
      this.knex,
    )('cart_promotions as c')
      .join('promotions as p', 'p.id', 'c.promotion_id')
      .where('c.cart_id', cartId)
      .orderBy([{ column: 'c.created_at' }, { column: 'p.id' }])
      .select('p.*');
    return rows.map(toRecord);
  }

  async attachToCart(ctx: Context, cartId: string, promotionId: string, now: string): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('cart_promotions')
      .insert({ cart_id: cartId, promotion_id: promotionId, created_at: now })
      .onConflict(['cart_id', 'promotion_id'])
      .ignore();
  }

  async takeFromCart(ctx: Context, cartId: string): Promise<string[]> {
    const codes = (await this.ofCart(ctx, cartId)).map((p) => p.code);
    if (codes.length) await db(ctx, this.knex)('cart_promotions').where('cart_id', cartId).delete();
    return codes;
  }

  async detachFromCart(ctx: Context, cartId: string, promotionId: string): Promise<boolean> {
    return (
      (await db(ctx, this.knex)('cart_promotions').where({ cart_id: cartId, promotion_id: promotionId }).delete()) > 0
    );
  }

  async incrementUse(ctx: Context, promotionId: string): Promise<boolean> {
    // One conditional statement: of racing checkouts for the last use, exactly one matches the row.
    const n = await db(
      ctx,
      this.knex,
    )('promotions')
      .where('id', promotionId)
      .where('is_active', true)
      .where((q) => q.whereNull('usage_limit').orWhere('times_used', '<', this.knex.ref('usage_limit')))
      .increment('times_used', 1);
    return n === 1;
  }

  async customerUses(
    ctx: Context,
    promotionId: string,
    customerKey: string,
  ): Promise<{ slots: number[]; count: number }> {
    const rows = await db(
      ctx,
      this.knex,
    )('promotion_redemptions')
      .where({ promotion_id: promotionId, customer_key: customerKey })
      .select('slot');
    return {
      slots: rows.map((r: { slot: unknown }) => num(r.slot)).filter((s): s is number => s !== null),
      count: rows.length,
    };
  }

  async insertRedemption(ctx: Context, record: RedemptionRecord): Promise<boolean> {
    const q = db(ctx, this.knex)('promotion_redemptions').insert(record);
    if (record.slot === null) {
      await q;
      return true;
    }
    // Insert-or-nothing: a slot another checkout holds (committed, or committing: we wait for it) is taken.
    await q.onConflict(['promotion_id', 'customer_key', 'slot']).ignore();
    const row = await db(ctx, this.knex)('promotion_redemptions').where({ id: record.id }).first('id');
    return row !== undefined;
  }

  async releaseOrder(ctx: Context, orderId: string): Promise<string[]> {
    const q = db(ctx, this.knex);
    const rows = (await q('promotion_redemptions').where('order_id', orderId).select('id', 'promotion_id')) as Array<{
      id: string;
      promotion_id: string;
    }>;
    if (rows.length === 0) return [];
    const deleted = await q('promotion_redemptions')
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .delete();
    // The cancellation's compare-and-set already makes this run once; the count guards a second caller.
    if (deleted !== rows.length) return [];
    const ids = [...new Set(rows.map((r) => r.promotion_id))].sort();
    for (const id of ids) {
      const uses = rows.filter((r) => r.promotion_id === id).length;
      // Only a limited code keeps its counter on the row (an unlimited one counts its redemptions).
      await q('promotions')
        .where('id', id)
        .whereNotNull('usage_limit')
        .where('times_used', '>=', uses)
        .decrement('times_used', uses);
    }
    return ids;
  }
}
