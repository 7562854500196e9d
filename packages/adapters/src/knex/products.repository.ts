import {
  ConflictError,
  type Context,
  type ListedProductRow,
  type ProductListRequest,
  type ProductRepository,
  type ProductRow,
  type VariantRow,
} from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import {
  loadRows,
  refreshStatistics,
  restoreInterruptedLoad,
  withoutSecondaryIndexes,
  withSearchColumns,
} from './product-bulk-load.js';
import { listProducts, type ProductListPage } from './product-list.js';
import {
  PRODUCT_COLUMNS,
  productColumns,
  productRecord,
  productSelect,
  toProductRow,
  toVariantRow,
  variantColumns,
  variantsJson,
} from './product-rows.js';
import { readRowArrays } from './read-statements.js';
import { searchClause, type SearchClause } from './search.repository.js';
import { db } from './store.js';
import { isUniqueViolation } from './values.js';

/** Duplicate slug or SKU → 409 with a message that says which. */
async function uniqueness<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const e = err as { message?: string; constraint?: string; detail?: string };
    const text = `${e.constraint ?? ''} ${e.message ?? ''} ${e.detail ?? ''}`;
    throw new ConflictError(
      /sku/i.test(text) ? 'A variant with this SKU already exists' : 'A product with this slug already exists',
    );
  }
}

/** Products and variants; the list is `product-list.ts`, bulk loading `product-bulk-load.ts`. */
export class KnexProductRepository implements ProductRepository {
  private readonly search: SearchClause;
  /** A product by id or slug with its variants as one JSON column: one fixed statement. */
  private readonly withVariantsSql: string;
  /**
   * SQLite writes on this thread (see the port). 200: at 200k products, generating in slices of
   * 200 cost half the CPU of 2,000-product batches, and the writes the same.
   */
  readonly seedSlice: number | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {
    this.search = searchClause(dialect);
    this.seedSlice = dialect === 'sqlite' ? 200 : undefined;
    this.withVariantsSql = `select ${productSelect(dialect)}, ${variantsJson(dialect)}
      from products p where p.id = ? or p.slug = ? limit 1`;
  }

  async findWithVariants(ctx: Context, idOrSlug: string): Promise<ListedProductRow | null> {
    const [row] = await readRowArrays(db(ctx, this.knex), this.withVariantsSql, [idOrSlug, idOrSlug]);
    return row ? toProductRow(productRecord(row)) : null;
  }

  async find(ctx: Context, idOrSlug: string): Promise<ProductRow | null> {
    const row = await db(
      ctx,
      this.knex,
    )('products as p')
      .where('p.id', idOrSlug)
      .orWhere('p.slug', idOrSlug)
      .first(PRODUCT_COLUMNS);
    return row ? toProductRow(row) : null;
  }

  async takenSlugs(ctx: Context, base: string): Promise<string[]> {
    const rows = await db(
      ctx,
      this.knex,
    )('products')
      .where('slug', base)
      .orWhere('slug', 'like', `${base.replace(/[%_]/g, '')}-%`)
      .pluck('slug');
    return rows as string[];
  }

  async variantsOf(ctx: Context, productIds: string[]): Promise<VariantRow[]> {
    if (productIds.length === 0) return [];
    const rows = await db(
      ctx,
      this.knex,
    )('product_variants')
      .whereIn('product_id', productIds)
      .orderBy([{ column: 'product_id' }, { column: 'position' }, { column: 'id' }]);
    return rows.map(toVariantRow);
  }

  async findVariant(ctx: Context, productId: string, variantId: string): Promise<VariantRow | null> {
    const row = await db(ctx, this.knex)('product_variants').where({ id: variantId, product_id: productId }).first();
    return row ? toVariantRow(row) : null;
  }

  async variantsBySku(ctx: Context, skus: string[]): Promise<VariantRow[]> {
    if (skus.length === 0) return [];
    return ((await db(ctx, this.knex)('product_variants').whereIn('sku', skus)) as Array<Record<string, unknown>>).map(
      toVariantRow,
    );
  }

  list(ctx: Context, request: ProductListRequest): Promise<ProductListPage> {
    return listProducts(db(ctx, this.knex), this.search, request);
  }

  async insert(ctx: Context, product: ProductRow, variants: VariantRow[]): Promise<void> {
    await this.insertMany(ctx, [product], variants);
  }

  async insertMany(ctx: Context, products: ProductRow[], variants: VariantRow[]): Promise<void> {
    const k = db(ctx, this.knex);
    const rows = products.map(productColumns);
    if (this.dialect !== 'sqlite') withSearchColumns(this.dialect, rows, products, variants);
    await uniqueness(loadRows(k, this.dialect, 'products', rows));
    await uniqueness(loadRows(k, this.dialect, 'product_variants', variants.map(variantColumns)));
  }

  async update(ctx: Context, id: string, patch: Partial<ProductRow>): Promise<void> {
    await uniqueness(db(ctx, this.knex)('products').where('id', id).update(productColumns(patch)));
  }

  async remove(ctx: Context, id: string): Promise<void> {
    await db(ctx, this.knex)('products').where('id', id).delete();
  }

  async insertVariant(ctx: Context, variant: VariantRow): Promise<void> {
    await uniqueness(db(ctx, this.knex)('product_variants').insert(variantColumns(variant)));
  }

  async updateVariant(ctx: Context, id: string, patch: Partial<VariantRow>): Promise<void> {
    await uniqueness(db(ctx, this.knex)('product_variants').where('id', id).update(variantColumns(patch)));
  }

  async removeVariant(ctx: Context, id: string): Promise<void> {
    await db(ctx, this.knex)('product_variants').where('id', id).delete();
  }

  async refreshStatistics(ctx: Context): Promise<void> {
    await refreshStatistics(db(ctx, this.knex), this.dialect, ctx.tx !== undefined);
  }

  async withoutSecondaryIndexes<T>(ctx: Context, load: () => Promise<T>, index?: () => Promise<void>): Promise<T> {
    return withoutSecondaryIndexes(db(ctx, this.knex), this.dialect, load, index);
  }

  restoreInterruptedLoad(ctx: Context): Promise<number> {
    return restoreInterruptedLoad(db(ctx, this.knex), this.dialect);
  }

  async refreshDerived(ctx: Context, productIds: string[]): Promise<void> {
    if (productIds.length === 0) return;
    await db(ctx, this.knex).raw(
      `update products set
         min_price = coalesce((select min(v.price) from product_variants v where v.product_id = products.id), 0),
         in_stock = exists (select 1 from product_variants v where v.product_id = products.id and v.stock > 0)
       where id in (${productIds.map(() => '?').join(',')})`,
      productIds,
    );
  }
}
