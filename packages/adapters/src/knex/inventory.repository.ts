import type {
  Context,
  InventoryRepository,
  ProductOption,
  ProductStatus,
  SaleVariantRow,
  StockChange,
  StockMovement,
} from '@emporia/core';
import { MAX_INT32 as MAX_STOCK } from '@emporia/core';
import type { Knex } from 'knex';
import { hasReturning, inTransaction, knexDialect } from './dialect.js';
import { KnexProductSearchIndex, searchRankSql } from './search.repository.js';
import { db } from './store.js';
import { fromJson, toIso } from './values.js';

/** Stock rows: conditional updates only, never read-then-write. */
export class KnexInventoryRepository implements InventoryRepository {
  constructor(private readonly knex: Knex) {}

  async saleVariants(ctx: Context, variantIds: string[]): Promise<SaleVariantRow[]> {
    const rows = await db(
      ctx,
      this.knex,
    )('product_variants as v')
      .join('products as p', 'p.id', 'v.product_id')
      .whereIn('v.id', variantIds)
      .select(
        'v.id',
        'v.product_id',
        'v.sku',
        'v.price',
        'v.currency',
        'v.stock',
        'v.options',
        'v.weight_grams',
        'p.name as product_name',
        'p.status as product_status',
        'p.options as product_options',
        'p.category_id',
        'p.tax_class',
        this.knex.raw('(select count(*) from product_variants c where c.product_id = v.product_id) as variant_count'),
      );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      product_id: r.product_id as string,
      sku: r.sku as string,
      price: Number(r.price),
      currency: r.currency as string,
      stock: Number(r.stock),
      options: fromJson<Record<string, string>>(r.options),
      product_name: r.product_name as string,
      product_status: r.product_status as ProductStatus,
      product_options: fromJson<ProductOption[]>(r.product_options),
      variant_count: Number(r.variant_count),
      category_id: (r.category_id as string | null) ?? null,
      tax_class: (r.tax_class as string | undefined) ?? 'standard',
      weight_grams: Number(r.weight_grams ?? 0),
    }));
  }

  async variantIdsOf(ctx: Context, productId: string, limit: number): Promise<string[] | null> {
    const rows = await db(
      ctx,
      this.knex,
    )('products as p')
      .leftJoin('product_variants as v', 'v.product_id', 'p.id')
      .where('p.id', productId)
      .orderBy('v.position')
      .limit(limit)
      .select('v.id');
    if (rows.length === 0) return null;
    return rows.map((r: { id: string | null }) => r.id).filter((id): id is string => id !== null);
  }

  async variantExists(ctx: Context, variantId: string): Promise<boolean> {
    const row = await db(ctx, this.knex)('product_variants').where('id', variantId).first('id');
    return row !== undefined;
  }

  async changeStock(ctx: Context, variantId: string, delta: number): Promise<StockChange | null> {
    const columns = ['id', 'product_id', 'sku', 'stock', 'low_stock_threshold'];
    const change = (k: Knex) => {
      const update = k('product_variants')
        .where('id', variantId)
        .update({ stock: this.knex.raw('stock + ?', [delta]), updated_at: ctx.clock.now().toISOString() });
      // The condition makes the decrement and the check one statement: no read-then-write race.
      if (delta < 0) update.andWhere('stock', '>=', -delta);
      // Nor past the 32-bit column: PostgreSQL would fail the statement, SQLite would store it.
      else update.andWhere('stock', '<=', MAX_STOCK - delta);
      return update;
    };
    const k = db(ctx, this.knex);
    let row: Record<string, unknown> | undefined;
    if (hasReturning(knexDialect(this.knex))) {
      [row] = (await change(k).returning(columns)) as Array<Record<string, unknown>>;
    } else {
      // The update's row lock holds until commit, so the row read back is the one it wrote.
      row = await inTransaction(k, async (trx) =>
        (await change(trx)) === 1 ? trx('product_variants').where('id', variantId).first(columns) : undefined,
      );
    }
    if (!row) return null;
    return {
      variant_id: row.id as string,
      product_id: row.product_id as string,
      sku: row.sku as string,
      stock: Number(row.stock),
      low_stock_threshold: Number(row.low_stock_threshold),
    };
  }

  async recordMovements(ctx: Context, movements: StockMovement[]): Promise<void> {
    if (movements.length) await db(ctx, this.knex)('stock_movements').insert(movements);
  }

  async refreshInStock(ctx: Context, productIds: string[]): Promise<string[]> {
    const anyInStock = 'exists (select 1 from product_variants v where v.product_id = products.id and v.stock > 0)';
    const dialect = knexDialect(this.knex);
    // The search's static score follows the flag in the same statement (an out-of-stock product
    // ranks below an in-stock equal match); SQLite keeps it in the search row's rowid, rewritten
    // below, and MySQL's search words carry it in their key, re-keyed below.
    const rank = dialect === 'sqlite' ? {} : { search_rank: this.knex.raw(searchRankSql('products', anyInStock)) };
    const flipped: string[] = [];
    for (const id of productIds) {
      // Only rows whose flag changes are written: a busy product's row is not rewritten on every sale.
      const changed = await db(
        ctx,
        this.knex,
      )('products')
        .where('id', id)
        .whereRaw(`in_stock <> ${anyInStock}`)
        .update({ in_stock: this.knex.raw(anyInStock), ...rank });
      if (changed > 0) flipped.push(id);
    }
    if (dialect !== 'postgres' && flipped.length)
      await new KnexProductSearchIndex(this.knex, dialect).rerank(ctx, flipped);
    return flipped;
  }

  async movements(ctx: Context, variantId: string, limit: number): Promise<StockMovement[]> {
    const rows = await db(
      ctx,
      this.knex,
    )('stock_movements')
      .where('variant_id', variantId)
      .orderBy('id', 'desc')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      variant_id: r.variant_id as string,
      product_id: r.product_id as string,
      delta: Number(r.delta),
      stock_after: Number(r.stock_after),
      reason: r.reason as string,
      reference: (r.reference as string | null) ?? null,
      actor_id: (r.actor_id as string | null) ?? null,
      created_at: toIso(r.created_at),
    }));
  }
}
