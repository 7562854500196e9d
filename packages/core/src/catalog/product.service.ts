import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { Config } from '../shared/config.js';
import { can, requirePermission, type Context } from '../shared/context.js';
import { ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { encodeCursor, toPageRequest, windowOffset, type ListResult } from '../shared/pagination.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { categoryForField } from './category.service.js';
import type { InventoryService } from './inventory.service.js';
import { parseCursor, SORT_KEYS, sortValue } from './product-cursor.js';
import {
  CATALOG_TOKENS,
  type CategoryRepository,
  type ListedProductRow,
  type ProductListFilter,
  type ProductListRequest,
  type ProductRepository,
  type ProductRow,
  type ProductSearchIndex,
  type ProductSortKey,
  type VariantRow,
} from './ports.js';
import {
  createProductSchema,
  createVariantSchema,
  productListQuerySchema,
  updateProductSchema,
  type Category,
  type CreateProductInput,
  type Product,
  type ProductListQuery,
  type UpdateProductInput,
  type VariantInput,
} from './schemas.js';
import { freeSlug, searchTerms, slugify } from './text.js';
import { checkVariantOptions, listedProduct, productForWriter, toProduct, visibleProduct } from './views.js';

/** Products (`engine.catalog`'s product methods): the list and search, reads, and staff writes. */
@injectable()
export class ProductService {
  constructor(
    @inject(CATALOG_TOKENS.ProductRepository) private readonly products: ProductRepository,
    @inject(CATALOG_TOKENS.CategoryRepository) private readonly categories: CategoryRepository,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: InventoryService,
    @inject(CATALOG_TOKENS.ProductSearchIndex) private readonly search: ProductSearchIndex,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  /**
   * Lists products: filters, sort, page or keyset pagination. Costs a fixed number of queries: the
   * category tree (when filtering by category), the page with its
   * variants (a search reads the variants apart) and its count (page mode).
   */
  async listProducts(ctx: Context, query: ProductListQuery = {}): Promise<ListResult<Product>> {
    const q = parseInput(productListQuerySchema, query, 'query');
    const pageRequest = toPageRequest(q);
    const empty = (): ListResult<Product> =>
      pageRequest.kind === 'page'
        ? { kind: 'page', count: 0, page: pageRequest.page, page_size: pageRequest.pageSize, results: [] }
        : { kind: 'keyset', results: [], next_cursor: null, limit: pageRequest.limit };

    const filter: ProductListFilter = { minPrice: q.min_price, maxPrice: q.max_price, inStock: q.in_stock };
    if (q.min_price !== undefined && q.max_price !== undefined && q.min_price > q.max_price) {
      throw new ValidationError('Invalid query', [{ path: 'query.max_price', message: 'must not be below min_price' }]);
    }
    if (can(ctx, PERMISSIONS.productRead)) {
      if (q.status) filter.statuses = [q.status];
    } else {
      // Anonymous and customer callers see published products only, whatever they ask for.
      if (q.status && q.status !== 'published') return empty();
      filter.statuses = ['published'];
    }
    if (q.category !== undefined) {
      filter.categoryIds = await this.categories.subtreeIds(ctx, q.category);
      if (filter.categoryIds.length === 0) {
        throw new ValidationError('Invalid query', [{ path: 'query.category', message: 'no such category' }]);
      }
    }
    if (q.q !== undefined) {
      filter.terms = searchTerms(q.q);
      if (filter.terms.length === 0) {
        throw new ValidationError('Invalid query', [{ path: 'query.q', message: 'must contain letters or digits' }]);
      }
    }
    const sortName = q.sort ?? (filter.terms ? 'relevance' : '-created_at');
    const key: ProductSortKey = SORT_KEYS[sortName.replace(/^-/, '')] ?? 'relevance';
    const sort = { key, descending: sortName.startsWith('-') || key === 'relevance' };

    if (pageRequest.kind === 'page') {
      const window = {
        kind: 'page' as const,
        offset: windowOffset(pageRequest),
        limit: pageRequest.pageSize,
      };
      const { rows, count, countIsEstimate } = await this.products.list(ctx, { filter, sort, window });
      return {
        kind: 'page',
        count: count ?? 0,
        ...(countIsEstimate ? { count_is_estimate: true as const } : {}),
        page: pageRequest.page,
        page_size: pageRequest.pageSize,
        ...(pageRequest.offset !== undefined ? { offset: pageRequest.offset } : {}),
        results: await this.withVariants(ctx, rows),
      };
    }
    const after = pageRequest.cursor ? parseCursor(pageRequest.cursor, sortName, key) : null;
    const request: ProductListRequest = {
      filter,
      sort,
      window: { kind: 'keyset', after, limit: pageRequest.limit + 1 },
    };
    const { rows } = await this.products.list(ctx, request);
    const page = rows.slice(0, pageRequest.limit);
    const last = page[page.length - 1];
    return {
      kind: 'keyset',
      results: await this.withVariants(ctx, page),
      next_cursor: rows.length > pageRequest.limit ? encodeCursor([sortName, sortValue(last, key), last.id]) : null,
      limit: pageRequest.limit,
    };
  }

  /** A product by id or slug; drafts and archived products are 404 for anonymous and customer callers. */
  async getProduct(ctx: Context, idOrSlug: string): Promise<Product> {
    if (this.products.findWithVariants) {
      // One statement for the row and its variants; the visibility rule is visibleProduct's.
      const products = this.products;
      const row = await visibleProduct(
        { find: (c: Context, key: string) => products.findWithVariants!(c, key) },
        ctx,
        idOrSlug,
      );
      return listedProduct(row as ListedProductRow);
    }
    const row = await this.visibleProduct(ctx, idOrSlug);
    return toProduct(row, await this.products.variantsOf(ctx, [row.id]));
  }

  /** Adds a product with its variants (`product:write`); a taken slug or SKU is a 409. */
  async createProduct(ctx: Context, input: CreateProductInput): Promise<Product> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(createProductSchema, input);
    const currency = data.currency ?? this.config.currency;
    const options = data.options ?? [];
    const optionNames = options.map((o) => o.name);
    if (new Set(optionNames).size !== optionNames.length) {
      throw new ValidationError('Invalid options', [{ path: 'options', message: 'option names must be unique' }]);
    }
    const id = newId();
    const now = ctx.clock.now().toISOString();
    // A simple product without a SKU gets one from its name and the random tail of its id.
    const simpleSku = `${slugify(data.name, 'product').slice(0, 50)}-${id.slice(-8)}`.toUpperCase();
    const variantInputs: VariantInput[] = data.variants ?? [
      {
        sku: data.sku ?? simpleSku,
        price: data.price!,
        stock: data.stock ?? 0,
        low_stock_threshold: data.low_stock_threshold,
        weight_grams: data.weight_grams,
      },
    ];
    const combinations = new Set<string>();
    const skus = new Set<string>();
    const variants: VariantRow[] = variantInputs.map((input, i) => {
      const v = parseInput(createVariantSchema, input);
      const variantOptions = options.length ? checkVariantOptions(options, v.options, `variants.${i}.options`) : {};
      const combination = JSON.stringify(variantOptions);
      if (options.length && combinations.has(combination)) {
        throw new ValidationError('Duplicate variant', [
          { path: `variants.${i}.options`, message: 'another variant has the same option values' },
        ]);
      }
      if (skus.has(v.sku)) {
        throw new ValidationError('Duplicate SKU', [{ path: `variants.${i}.sku`, message: 'appears twice' }]);
      }
      combinations.add(combination);
      skus.add(v.sku);
      return {
        id: newId(),
        product_id: id,
        sku: v.sku,
        price: v.price,
        currency,
        stock: v.stock,
        low_stock_threshold: v.low_stock_threshold ?? this.config.lowStockThreshold,
        weight_grams: v.weight_grams,
        options: variantOptions,
        position: i,
        created_at: now,
        updated_at: now,
      };
    });

    return this.unitOfWork.run(ctx, async (tx) => {
      if (data.category_id) await this.requireCategory(tx, data.category_id, 'category_id');
      const base = slugify(data.name, 'product');
      const slug = data.slug ?? freeSlug(base, await this.products.takenSlugs(tx, base));
      const row: ProductRow = {
        id,
        slug,
        name: data.name,
        description: data.description,
        status: data.status,
        category_id: data.category_id ?? null,
        tax_class: data.tax_class,
        attributes: data.attributes,
        images: data.images,
        options,
        currency,
        min_price: Math.min(...variants.map((v) => v.price)),
        in_stock: variants.some((v) => v.stock > 0),
        created_at: now,
        updated_at: now,
      };
      await this.products.insert(tx, row, variants);
      await this.inventory.recordInitialStock(tx, variants);
      await this.search.reindex(tx, [id]);
      await this.outbox.record(tx, 'product.created', { product_id: id, slug, status: row.status });
      return toProduct(row, variants);
    });
  }

  /** Changes a product's own fields (`product:write`); unknown fields are a 400. */
  async updateProduct(ctx: Context, idOrSlug: string, input: UpdateProductInput): Promise<Product> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(updateProductSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.requireProduct(tx, idOrSlug);
      if (data.category_id) await this.requireCategory(tx, data.category_id, 'category_id');
      const patch: Partial<ProductRow> = { ...data, updated_at: ctx.clock.now().toISOString() };
      await this.products.update(tx, current.id, patch);
      if (data.name !== undefined || data.description !== undefined) await this.search.reindex(tx, [current.id]);
      const updated = { ...current, ...patch } as ProductRow;
      await this.outbox.record(tx, 'product.updated', {
        product_id: current.id,
        slug: updated.slug,
        status: updated.status,
      });
      return toProduct({ ...current, ...patch } as ProductRow, await this.products.variantsOf(tx, [current.id]));
    });
  }

  /** Deletes a product and its variants (`product:write`); orders keep their snapshots. */
  async deleteProduct(ctx: Context, idOrSlug: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    await this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.requireProduct(tx, idOrSlug);
      await this.search.remove(tx, [current.id]);
      await this.products.remove(tx, current.id);
      await this.outbox.record(tx, 'product.deleted', {
        product_id: current.id,
        slug: current.slug,
        status: current.status,
      });
    });
  }

  private requireCategory(ctx: Context, idOrSlug: string, path: string): Promise<Category> {
    return categoryForField(this.categories, ctx, idOrSlug, path);
  }

  private requireProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    return productForWriter(this.products, ctx, idOrSlug);
  }

  private visibleProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    return visibleProduct(this.products, ctx, idOrSlug);
  }

  private async withVariants(ctx: Context, rows: ListedProductRow[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    // The list may have read them with the rows already (the page in one statement).
    if (rows.every((r) => r.variants || r.variants_json !== undefined)) return rows.map(listedProduct);
    const variants = await this.products.variantsOf(
      ctx,
      rows.map((r) => r.id),
    );
    const byProduct = new Map<string, VariantRow[]>();
    for (const v of variants) {
      const list = byProduct.get(v.product_id);
      if (list) list.push(v);
      else byProduct.set(v.product_id, [v]);
    }
    return rows.map((r) => toProduct(r, byProduct.get(r.id) ?? []));
  }
}
