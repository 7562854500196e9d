import type {
  CartCheckoutFields,
  CartItemRecord,
  CartRecord,
  CartRepository,
  Context,
  PostalAddress,
} from '@emporia/core';
import type { Knex } from 'knex';
import { hasReturning, inTransaction, incoming, knexDialect } from './dialect.js';
import { db } from './store.js';
import { fromJson, rawRows, toIso, toJson } from './values.js';

function cartOf(r: Record<string, unknown>): CartRecord {
  return {
    id: r.id as string,
    user_id: (r.user_id as string | null) ?? null,
    shipping_address: r.shipping_address ? fromJson<PostalAddress>(r.shipping_address) : null,
    billing_address: r.billing_address ? fromJson<PostalAddress>(r.billing_address) : null,
    shipping_method_id: (r.shipping_method_id as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

const NO_CHECKOUT_FIELDS: CartCheckoutFields = {
  shipping_address: null,
  billing_address: null,
  shipping_method_id: null,
  email: null,
};

function itemOf(r: Record<string, unknown>): CartItemRecord {
  return {
    id: r.id as string,
    cart_id: r.cart_id as string,
    variant_id: r.variant_id as string,
    quantity: Number(r.quantity),
    sku: r.sku as string,
    name: r.name as string,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

const CART_COLUMNS = [
  'id',
  'user_id',
  'shipping_address',
  'billing_address',
  'shipping_method_id',
  'email',
  'created_at',
  'updated_at',
];

export class KnexCartRepository implements CartRepository {
  constructor(private readonly knex: Knex) {}

  async findByUser(ctx: Context, userId: string): Promise<CartRecord | null> {
    const row = await db(ctx, this.knex)('carts').where('user_id', userId).first(CART_COLUMNS);
    return row ? cartOf(row) : null;
  }

  async findByTokenHash(ctx: Context, tokenHash: string): Promise<CartRecord | null> {
    const row = await db(ctx, this.knex)('carts').where('token_hash', tokenHash).first(CART_COLUMNS);
    return row ? cartOf(row) : null;
  }

  async ensureForUser(ctx: Context, userId: string, id: string, now: string): Promise<CartRecord> {
    // Insert-or-nothing on the unique user_id: two first requests at once still make one cart.
    await db(
      ctx,
      this.knex,
    )('carts')
      .insert({ id, user_id: userId, token_hash: null, created_at: now, updated_at: now })
      .onConflict('user_id')
      .ignore();
    return (await this.findByUser(ctx, userId))!;
  }

  async createGuest(ctx: Context, id: string, tokenHash: string, now: string): Promise<CartRecord> {
    await db(
      ctx,
      this.knex,
    )('carts').insert({ id, user_id: null, token_hash: tokenHash, created_at: now, updated_at: now });
    return { id, user_id: null, ...NO_CHECKOUT_FIELDS, created_at: now, updated_at: now };
  }

  async items(ctx: Context, cartId: string): Promise<CartItemRecord[]> {
    const rows = await db(ctx, this.knex)('cart_items').where('cart_id', cartId).orderBy('id');
    return rows.map(itemOf);
  }

  async addQuantity(ctx: Context, item: Omit<CartItemRecord, 'updated_at'>): Promise<CartItemRecord[]> {
    const q = db(ctx, this.knex);
    // One statement adds to an existing line or creates it; no read-then-write between requests.
    await q('cart_items')
      .insert({ ...item, updated_at: item.created_at })
      .onConflict(['cart_id', 'variant_id'])
      .merge({
        quantity: this.knex.raw(`cart_items.quantity + ${incoming(knexDialect(this.knex), 'quantity')}`),
        sku: item.sku,
        name: item.name,
        updated_at: item.created_at,
      });
    await q('carts').where('id', item.cart_id).update({ updated_at: item.created_at });
    // The line as stored comes with the others: the caller counts them and answers with them.
    return this.items(ctx, item.cart_id);
  }

  async setQuantity(ctx: Context, cartId: string, itemId: string, quantity: number, now: string): Promise<boolean> {
    const q = db(ctx, this.knex);
    const n = await q('cart_items').where({ id: itemId, cart_id: cartId }).update({ quantity, updated_at: now });
    if (n > 0) await q('carts').where('id', cartId).update({ updated_at: now });
    return n > 0;
  }

  async removeItem(ctx: Context, cartId: string, itemId: string): Promise<boolean> {
    return (await db(ctx, this.knex)('cart_items').where({ id: itemId, cart_id: cartId }).delete()) > 0;
  }

  async takeItems(ctx: Context, cartId: string, now: string): Promise<CartItemRecord[]> {
    const q = db(ctx, this.knex);
    let rows: Array<Record<string, unknown>>;
    if (hasReturning(knexDialect(this.knex))) {
      // Raw because knex drops RETURNING on SQLite deletes (SQLite ≥ 3.35 has it).
      rows = rawRows(await q.raw('delete from cart_items where cart_id = ? returning *', [cartId]));
    } else {
      // Locked first: of two racing checkouts the second waits here and then finds no lines.
      rows = await inTransaction(q, async (trx) => {
        const taken = await trx('cart_items').where('cart_id', cartId).forUpdate();
        if (taken.length) await trx('cart_items').where('cart_id', cartId).delete();
        return taken;
      });
    }
    await q('carts').where('id', cartId).update({ updated_at: now });
    return rows.map(itemOf).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async setCheckoutFields(
    ctx: Context,
    cartId: string,
    fields: Partial<CartCheckoutFields>,
    now: string,
  ): Promise<void> {
    const columns: Record<string, unknown> = { updated_at: now };
    for (const key of ['shipping_address', 'billing_address'] as const) {
      if (fields[key] !== undefined) columns[key] = fields[key] === null ? null : toJson(fields[key]);
    }
    if (fields.shipping_method_id !== undefined) columns.shipping_method_id = fields.shipping_method_id;
    if (fields.email !== undefined) columns.email = fields.email;
    await db(ctx, this.knex)('carts').where('id', cartId).update(columns);
  }

  async delete(ctx: Context, cartId: string): Promise<void> {
    await db(ctx, this.knex)('carts').where('id', cartId).delete();
  }
}
