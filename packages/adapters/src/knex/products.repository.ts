import {
  ConflictError,
  type Context,
  type ListedProductRow,
  PRODUCT_STATUSES,
  type ProductListFilter,
  type ProductListRequest,
  type ProductOption,
  type ProductRepository,
  type ProductRow,
  type ProductStatus,
  type VariantRow,
} from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { searchClause, withLargeSqliteCache, type SearchClause } from './search.repository.js';
import { db } from './store.js';
import { fromJson, isUniqueViolation, rawRows, toBool, toIso, toJson } from './values.js';

/** Product columns a list or detail reads (never the PostgreSQL search_vector). */
const PRODUCT_COLUMNS = [
  'p.id',
  'p.slug',
  'p.name',
  'p.description',
  'p.status',
  'p.category_id',
  'p.attributes',
  'p.images',
  'p.options',
  'p.currency',
  'p.min_price',
  'p.in_stock',
  'p.created_at',
  'p.updated_at',
];

const SORT_COLUMNS = { price: 'p.min_price', name: 'p.name', created_at: 'p.created_at' } as const;

/** Past this many (category × status) index ranges, one plain query is cheaper than merging them. */
const MAX_BRANCHES = 64;

/** A ranked page deeper than this many hits ranks every hit instead of fetching the best by id. */
const MAX_TOP_HITS = 4000;

function toProductRow(r: Record<string, unknown>): ListedProductRow {
  const row: ListedProductRow = {
    id: r.id as string,
    slug: r.slug as string,
    name: r.name as string,
    description: r.description as string,
    status: r.status as ProductStatus,
    category_id: (r.category_id as string | null) ?? null,
    attributes: fromJson<Record<string, unknown>>(r.attributes),
    images: fromJson<string[]>(r.images),
    options: fromJson<ProductOption[]>(r.options),
    currency: r.currency as string,
    min_price: Number(r.min_price),
    in_stock: toBool(r.in_stock),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
  if (r.score !== undefined) row.score = Number(r.score);
  return row;
}

function toVariantRow(r: Record<string, unknown>): VariantRow {
  return {
    id: r.id as string,
    product_id: r.product_id as string,
    sku: r.sku as string,
    price: Number(r.price),
    currency: r.currency as string,
    stock: Number(r.stock),
    low_stock_threshold: Number(r.low_stock_threshold),
    options: fromJson<Record<string, string>>(r.options),
    position: Number(r.position),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

function productColumns(row: Partial<ProductRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const key of ['attributes', 'images', 'options'] as const) if (key in row) out[key] = toJson(row[key]);
  return out;
}

function variantColumns(row: Partial<VariantRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  if ('options' in row) out.options = toJson(row.options);
  return out;
}

/**
 * Multi-row `INSERT … VALUES (…), (…)` in chunks under SQLite's 32766 bound parameters. (Knex
 * writes SQLite multi-row inserts as a compound SELECT, which SQLite caps at 500 rows.)
 */
async function insertRows(k: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const perChunk = Math.max(1, Math.floor(30_000 / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    await k.raw(
      `insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => tuple).join(', ')}`,
      chunk.flatMap((row) => columns.map((c) => row[c] as Knex.Value)),
    );
  }
}

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

/** Products and variants; the list is one query (+ one count) whatever the filters. */
export class KnexProductRepository implements ProductRepository {
  private readonly search: SearchClause;

  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {
    this.search = searchClause(dialect);
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

  async list(ctx: Context, request: ProductListRequest): Promise<{ rows: ListedProductRow[]; count?: number }> {
    const k = db(ctx, this.knex);
    const { filter, sort, window } = request;
    if (filter.statuses?.length === 0 || filter.categoryIds?.length === 0) {
      return { rows: [], count: window.kind === 'page' ? 0 : undefined };
    }
    const terms = filter.terms?.length ? filter.terms : undefined;
    const filtered = (query: Knex.QueryBuilder) => {
      if (filter.statuses) query.whereIn('p.status', filter.statuses);
      if (filter.categoryIds) query.whereIn('p.category_id', filter.categoryIds);
      if (filter.minPrice !== undefined) query.where('p.min_price', '>=', filter.minPrice);
      if (filter.maxPrice !== undefined) query.where('p.min_price', '<=', filter.maxPrice);
      if (filter.inStock !== undefined) query.where('p.in_stock', filter.inStock);
      return query;
    };
    const base = filtered(terms ? this.search.from(k, terms) : k('products as p'));
    const countAll = async () => {
      if (!terms && filter.minPrice === undefined && filter.maxPrice === undefined && filter.inStock === undefined) {
        return this.countFromSummary(k, filter);
      }
      const statusOnly =
        !filter.categoryIds &&
        filter.minPrice === undefined &&
        filter.maxPrice === undefined &&
        filter.inStock === undefined;
      if (terms && statusOnly && this.search.countMatches) return this.search.countMatches(k, terms, filter.statuses);
      const counted = filtered(terms ? this.search.matches(k, terms) : k('products as p'));
      return Number(((await counted.count({ n: '*' }).first()) as { n?: unknown })?.n ?? 0);
    };
    if (!terms && sort.key !== 'relevance' && filter.categoryIds) {
      const merged = this.mergedBranches(k, request, SORT_COLUMNS[sort.key]);
      if (merged) {
        const [rows, count] = await Promise.all([merged, window.kind === 'page' ? countAll() : undefined]);
        return { rows: rows.map(toProductRow), count };
      }
    }
    if (terms && sort.key === 'relevance' && !(window.kind === 'keyset' && window.after)) {
      const ranked = await this.topRanked(k, terms, filtered, window);
      if (ranked) return { rows: ranked, count: window.kind === 'page' ? await countAll() : undefined };
    }

    const rowsQuery = base.clone().select(PRODUCT_COLUMNS);
    const key =
      sort.key === 'relevance'
        ? this.search.score(terms ?? [])
        : { sql: SORT_COLUMNS[sort.key], bindings: [] as string[] };
    if (terms) {
      const score = this.search.score(terms);
      rowsQuery.select(this.knex.raw(`${score.sql} as score`, score.bindings));
    }
    const dir = sort.descending ? 'desc' : 'asc';
    rowsQuery.orderByRaw(`${key.sql} ${dir}, p.id ${dir}`, key.bindings);

    if (window.kind === 'keyset') {
      if (window.after) {
        // A row-value comparison the (…, key, id) indexes answer directly: deep pages cost like page 1.
        rowsQuery.whereRaw(`(${key.sql}, p.id) ${sort.descending ? '<' : '>'} (?, ?)`, [
          ...key.bindings,
          window.after[0] as string | number,
          window.after[1],
        ]);
      }
      const rows = await rowsQuery.limit(window.limit);
      return { rows: rows.map(toProductRow) };
    }
    if (sort.key === 'relevance') {
      // Ranking scores every hit before the limit anyway, so the window count is nearly free and
      // saves running the full-text match a second time; past the last page it is asked for apart.
      // (With another sort the limit can stop early on an index, so the count stays separate.)
      const rows = await rowsQuery
        .select(this.knex.raw('count(*) over () as total_count'))
        .limit(window.limit)
        .offset(window.offset);
      const count = rows.length ? Number(rows[0].total_count) : window.offset > 0 ? await countAll() : 0;
      return { rows: rows.map(toProductRow), count };
    }
    const [rows, count] = await Promise.all([rowsQuery.limit(window.limit).offset(window.offset), countAll()]);
    return { rows: rows.map(toProductRow), count };
  }

  /**
   * A category listing as one ordered index range per (category, status), merged: each branch reads
   * at most `offset + limit` entries of its (category_id, status, sort column, id) index, then the
   * few rows of the window are fetched by id. With sub-categories the filter is an IN list, and a
   * single query over it has to gather and sort every match before the limit (10 ms at 100k
   * products, 100 ms at 1M); this costs the same at any catalog size. Null when there are too many
   * branches to be worth it.
   */
  private mergedBranches(
    k: Knex,
    request: ProductListRequest,
    column: (typeof SORT_COLUMNS)[keyof typeof SORT_COLUMNS],
  ): Promise<Array<Record<string, unknown>>> | null {
    const { filter, sort, window } = request;
    const statuses = filter.statuses ?? PRODUCT_STATUSES;
    const categories = filter.categoryIds ?? [];
    if (categories.length * statuses.length > MAX_BRANCHES) return null;
    const dir = sort.descending ? 'desc' : 'asc';
    const reach = window.kind === 'page' ? window.offset + window.limit : window.limit;
    // Each branch: its category and status, then the same filters and keyset bound for all.
    const conditions = ['p.category_id = ?', 'p.status = ?'];
    const shared: Knex.Value[] = [];
    const where = (condition: string, ...values: Knex.Value[]) => {
      conditions.push(condition);
      shared.push(...values);
    };
    if (filter.minPrice !== undefined) where('p.min_price >= ?', filter.minPrice);
    if (filter.maxPrice !== undefined) where('p.min_price <= ?', filter.maxPrice);
    if (filter.inStock !== undefined) where('p.in_stock = ?', filter.inStock);
    if (window.kind === 'keyset' && window.after) {
      where(`(${column}, p.id) ${sort.descending ? '<' : '>'} (?, ?)`, window.after[0] as Knex.Value, window.after[1]);
    }
    const branch = `select * from (select p.id, ${column} as sort_key from products p
      where ${conditions.join(' and ')} order by ${column} ${dir}, p.id ${dir} limit ${reach}) as b`;
    const bindings: Knex.Value[] = [];
    for (const category of categories) for (const status of statuses) bindings.push(category, status, ...shared);
    const offset = window.kind === 'page' ? window.offset : 0;
    return k
      .raw(
        `select ${PRODUCT_COLUMNS.join(', ')} from products p join (
           select id, sort_key from (${Array(categories.length * statuses.length)
             .fill(branch)
             .join(' union all ')}) as branches
           order by sort_key ${dir}, id ${dir} limit ${window.limit} offset ${offset}
         ) as w on w.id = p.id
         order by w.sort_key ${dir}, w.id ${dir}`,
        bindings,
      )
      .then((result: unknown) => rawRows(result));
  }

  /** How many products match a category/status filter, summed from `product_counts` (kept by triggers). */
  private async countFromSummary(k: Knex, filter: ProductListFilter): Promise<number> {
    const query = k('product_counts');
    if (filter.statuses) query.whereIn('status', filter.statuses);
    if (filter.categoryIds) query.whereIn('category_key', filter.categoryIds);
    const row = (await query.sum({ n: 'n' }).first()) as { n?: unknown } | undefined;
    return Number(row?.n ?? 0);
  }

  /**
   * The first relevance-ranked rows from the best-scored hits alone: the index hands over the first
   * `n` hits of the full ranking without touching a product, and only those are fetched and
   * filtered. When they fill the window it is exactly the window of the full ranking; null (the
   * caller ranks every hit) when the filters left too few.
   */
  private async topRanked(
    k: Knex,
    terms: string[],
    filtered: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
    window: ProductListRequest['window'],
  ): Promise<ListedProductRow[] | null> {
    if (!this.search.topHits) return null;
    const offset = window.kind === 'page' ? window.offset : 0;
    // Room for the rows the filters drop (drafts, other categories); a wider miss falls back.
    const n = Math.max(4 * (offset + window.limit), 200);
    if (n > MAX_TOP_HITS) return null;
    const hits = await this.search.topHits(k, terms, n);
    const complete = hits.length < n;
    const scores = new Map(hits.map((h) => [h.product_id, Number(h.score)]));
    const found = await filtered(k('products as p'))
      .whereIn('p.id', [...scores.keys()])
      .select(PRODUCT_COLUMNS);
    const ranked = found
      .map((r: Record<string, unknown>) => toProductRow({ ...r, score: scores.get(r.id as string) }))
      .sort(
        (a: ListedProductRow, b: ListedProductRow) => b.score! - a.score! || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .slice(offset, offset + window.limit);
    return complete || ranked.length === window.limit ? ranked : null;
  }

  async insert(ctx: Context, product: ProductRow, variants: VariantRow[]): Promise<void> {
    await this.insertMany(ctx, [product], variants);
  }

  async insertMany(ctx: Context, products: ProductRow[], variants: VariantRow[]): Promise<void> {
    const k = db(ctx, this.knex);
    await uniqueness(insertRows(k, 'products', products.map(productColumns)));
    await uniqueness(insertRows(k, 'product_variants', variants.map(variantColumns)));
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
    const k = db(ctx, this.knex);
    if (this.dialect === 'sqlite') {
      await k.raw('analyze');
      return;
    }
    // VACUUM also sets the visibility map, so counts can be index-only scans; it cannot run in a transaction.
    await k.raw(
      ctx.tx
        ? 'analyze products, product_variants, categories'
        : 'vacuum (analyze) products, product_variants, categories',
    );
  }

  async withoutSecondaryIndexes<T>(ctx: Context, load: () => Promise<T>): Promise<T> {
    const k = db(ctx, this.knex);
    // Read from the schema rather than repeated here, so an index another migration adds comes back too.
    // PostgreSQL keeps the indexes behind constraints (primary keys, unique slug and SKU).
    const result =
      this.dialect === 'sqlite'
        ? await k.raw(
            `select name, sql as definition from sqlite_master
              where type = 'index' and tbl_name in ('products', 'product_variants') and sql is not null`,
          )
        : await k.raw(
            `select indexname as name, indexdef as definition from pg_indexes i
              where schemaname = current_schema() and tablename in ('products', 'product_variants')
                and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
          );
    const indexes = rawRows<{ name: string; definition: string }>(result);
    for (const index of indexes) await k.raw(`drop index ${index.name}`);
    return withLargeSqliteCache(k, this.dialect, async () => {
      try {
        return await load();
      } finally {
        for (const index of indexes) await k.raw(index.definition);
      }
    });
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
