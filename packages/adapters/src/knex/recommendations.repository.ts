import type {
  Basket,
  ContentFeatures,
  Context,
  NeighbourRow,
  ProductOption,
  ProductRow,
  RecommendationRepository,
  Scored,
  SeedHistory,
  SeedProduct,
} from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { insertRows, insertValues } from './product-bulk-load.js';
import { toProductRow } from './product-rows.js';
import { KnexProductSearchIndex } from './search.repository.js';
import { db } from './store.js';
import { fromJson, toIso } from './values.js';

/**
 * Rows of `product_recommendations` per insert statement. Measured over a 378k-row rebuild: on
 * SQLite 250 rows peaked about 60 MB lower than 6,000 (the parameter bound) and ran no slower; the
 * network drivers hold no statement memory and gain from fewer round trips.
 */
const WRITE_ROWS_PER_STATEMENT: Record<Dialect, number> = { sqlite: 250, postgres: 2000, mysql: 2000 };
/** Ids per `IN (…)` list: well under every driver's bound-parameter limit. */
const IN_CHUNK = 500;
/** Never recommended: seeded and real orders alike, but a cancelled order says nothing. */
const COUNTED = "status <> 'cancelled'";

/** The planted group a seeded product carries (`attributes.seed_group`), if any. */
function seedGroupOf(attributes: unknown): string | null {
  const group = fromJson<Record<string, unknown>>(attributes)?.seed_group;
  return typeof group === 'string' || typeof group === 'number' ? String(group) : null;
}

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The recommender's reads over orders and the catalog, and its two tables. Order history is read in
 * keyset windows over the orders' primary key (UUIDv7, so time order) and the lines of a window
 * with one range scan of `order_items`' primary key `(order_id, position)`.
 */
export class KnexRecommendationRepository implements RecommendationRepository {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async countOrders(ctx: Context, beforeId?: string | null): Promise<number> {
    const q = db(ctx, this.knex)('orders').whereRaw(COUNTED).count<{ n: number | string }[]>({ n: '*' });
    if (beforeId) q.where('id', '<', beforeId);
    const [row] = await q;
    return Number(row.n);
  }

  async orderIdAt(ctx: Context, position: number): Promise<string | null> {
    const row = await db(
      ctx,
      this.knex,
    )('orders')
      .whereRaw(COUNTED)
      .orderBy('id')
      .offset(position)
      .first<{ id: string } | undefined>('id');
    return row?.id ?? null;
  }

  async baskets(ctx: Context, afterId: string | null, limit: number, beforeId?: string | null): Promise<Basket[]> {
    const k = db(ctx, this.knex);
    const q = k('orders').whereRaw(COUNTED).select('id', 'user_id', 'created_at').orderBy('id').limit(limit);
    if (afterId) q.where('id', '>', afterId);
    if (beforeId) q.where('id', '<', beforeId);
    const orders = (await q) as Array<{ id: string; user_id: string; created_at: unknown }>;
    if (orders.length === 0) return [];
    const byId = new Map<string, Basket>();
    for (const o of orders) {
      byId.set(o.id, { order_id: o.id, user_id: o.user_id, created_at: toIso(o.created_at), product_ids: [] });
    }
    const lines = (await k('order_items')
      .select('order_id', 'product_id')
      .where('order_id', '>=', orders[0].id)
      .andWhere('order_id', '<=', orders[orders.length - 1].id)
      .orderBy([
        { column: 'order_id', order: 'asc' },
        { column: 'position', order: 'asc' },
      ])) as Array<{ order_id: string; product_id: string }>;
    for (const line of lines) byId.get(line.order_id)?.product_ids.push(line.product_id);
    return [...byId.values()];
  }

  async contentFeatures(ctx: Context, afterId: string | null, limit: number): Promise<ContentFeatures[]> {
    const q = db(
      ctx,
      this.knex,
    )('products')
      .select('id', 'category_id', 'name', 'description', 'status', 'options')
      .orderBy('id')
      .limit(limit);
    if (afterId) q.where('id', '>', afterId);
    const rows = (await q) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as string,
      category_id: (r.category_id as string | null) ?? null,
      name: r.name as string,
      description: (r.description as string | null) ?? '',
      options: fromJson<ProductOption[]>(r.options),
      published: r.status === 'published',
    }));
  }

  async replace(ctx: Context, rows: AsyncIterable<NeighbourRow[]>, popularity: Scored[]): Promise<number> {
    const k = db(ctx, this.knex);
    await k('product_recommendations').delete();
    await k('product_popularity').delete();
    let written = 0;
    const columns = ['product_id', 'kind', 'position', 'neighbour_id', 'score'];
    for await (const batch of rows) {
      const values: Knex.Value[] = [];
      for (const r of batch) values.push(r.product_id, r.kind, r.rank, r.neighbour_id, r.score);
      await insertValues(k, 'product_recommendations', columns, values, WRITE_ROWS_PER_STATEMENT[this.dialect]);
      written += batch.length;
    }
    for (const batch of chunks(popularity, 5000)) {
      await insertRows(
        k,
        'product_popularity',
        batch.map((p) => ({ product_id: p.id, score: Math.round(p.score * 1e6) / 1e6 })),
      );
    }
    // Search walks its hits by a static score that includes this popularity: bring it up to date.
    await new KnexProductSearchIndex(this.knex, this.dialect).rerank(ctx);
    return written;
  }

  async neighbours(ctx: Context, productIds: string[], kind: NeighbourRow['kind']): Promise<Map<string, Scored[]>> {
    const out = new Map<string, Scored[]>();
    for (const ids of chunks(productIds)) {
      const rows = (await db(
        ctx,
        this.knex,
      )('product_recommendations')
        .select('product_id', 'neighbour_id', 'score')
        .where('kind', kind)
        .whereIn('product_id', ids)
        .orderBy([
          { column: 'product_id', order: 'asc' },
          { column: 'position', order: 'asc' },
        ])) as Array<{ product_id: string; neighbour_id: string; score: number | string }>;
      for (const r of rows) {
        const list = out.get(r.product_id) ?? [];
        if (list.length === 0) out.set(r.product_id, list);
        list.push({ id: r.neighbour_id, score: Number(r.score) });
      }
    }
    return out;
  }

  async recommendable(ctx: Context, productIds: string[]): Promise<ProductRow[]> {
    const out: ProductRow[] = [];
    for (const ids of chunks(productIds)) {
      const rows = (await db(
        ctx,
        this.knex,
      )('products')
        .select('*')
        .whereIn('id', ids)
        .where('status', 'published')
        .where('in_stock', true)) as Array<Record<string, unknown>>;
      out.push(...rows.map(toProductRow));
    }
    return out;
  }

  async popular(ctx: Context, categoryIds: string[] | null, exclude: string[], limit: number): Promise<ProductRow[]> {
    const q = db(
      ctx,
      this.knex,
    )('product_popularity as pp')
      .join('products as p', 'p.id', 'pp.product_id')
      .select('p.*')
      .where('p.status', 'published')
      .where('p.in_stock', true)
      .orderBy([
        { column: 'pp.score', order: 'desc' },
        { column: 'p.id', order: 'asc' },
      ])
      .limit(limit);
    if (categoryIds) q.whereIn('p.category_id', categoryIds.slice(0, IN_CHUNK));
    if (exclude.length > 0) q.whereNotIn('p.id', exclude.slice(0, IN_CHUNK));
    return ((await q) as Array<Record<string, unknown>>).map(toProductRow);
  }

  async recentPurchases(
    ctx: Context,
    userId: string,
    limit: number,
  ): Promise<Array<{ product_id: string; category_id: string | null }>> {
    const rows = (await db(
      ctx,
      this.knex,
    )('orders as o')
      .join('order_items as oi', 'oi.order_id', 'o.id')
      .leftJoin('products as p', 'p.id', 'oi.product_id')
      .where('o.user_id', userId)
      .whereRaw(`o.${COUNTED}`)
      .groupBy('oi.product_id', 'p.category_id')
      .select('oi.product_id', 'p.category_id')
      .max({ last: 'o.id' })
      .orderBy([
        { column: 'last', order: 'desc' },
        { column: 'oi.product_id', order: 'asc' },
      ])
      .limit(limit)) as Array<{ product_id: string; category_id: string | null }>;
    return rows.map((r) => ({ product_id: r.product_id, category_id: r.category_id ?? null }));
  }

  async seedProducts(ctx: Context): Promise<SeedProduct[]> {
    const rows = (await db(
      ctx,
      this.knex,
    )('products as p')
      .join('product_variants as v', 'v.product_id', 'p.id')
      .where('p.status', 'published')
      .where('v.stock', '>', 0)
      .select(
        'p.id as product_id',
        'p.name',
        'p.category_id',
        'p.attributes',
        'v.id as variant_id',
        'v.sku',
        'v.price',
        'v.currency',
      )
      .orderBy([
        { column: 'p.id', order: 'asc' },
        { column: 'v.position', order: 'asc' },
        { column: 'v.id', order: 'asc' },
      ])) as Array<Record<string, unknown>>;
    const out: SeedProduct[] = [];
    for (const r of rows) {
      if (out.length > 0 && out[out.length - 1].product_id === r.product_id) continue;
      out.push({
        product_id: r.product_id as string,
        variant_id: r.variant_id as string,
        sku: r.sku as string,
        name: r.name as string,
        price: Number(r.price),
        currency: r.currency as string,
        category_id: (r.category_id as string | null) ?? null,
        seed_group: seedGroupOf(r.attributes),
      });
    }
    return out;
  }

  async insertHistory(ctx: Context, history: SeedHistory): Promise<void> {
    const k = db(ctx, this.knex);
    await insertRows(
      k,
      'users',
      // '!' is no Argon2 hash: seeded shoppers cannot sign in.
      history.users.map((u) => ({ ...u, password_hash: '!', role: 'customer', updated_at: u.created_at })),
    );
    await insertRows(
      k,
      'orders',
      history.orders.map((o) => ({
        id: o.id,
        number: o.number,
        user_id: o.user_id,
        status: 'delivered',
        currency: o.currency,
        subtotal: o.total,
        total: o.total,
        created_at: o.created_at,
        updated_at: o.created_at,
      })),
    );
    await insertRows(
      k,
      'order_items',
      history.lines.map((l) => ({ ...l, line_total: l.unit_price * l.quantity })),
    );
  }

  async refreshStatistics(ctx: Context): Promise<void> {
    const tables = 'orders, order_items, users, product_recommendations, product_popularity';
    const k = db(ctx, this.knex);
    if (this.dialect === 'sqlite') await k.raw('analyze');
    else if (this.dialect === 'mysql') await k.raw(`analyze table ${tables}`);
    else await k.raw(`analyze ${tables}`);
  }
}
