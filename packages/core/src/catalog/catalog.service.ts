import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import type { Config } from '../shared/config.js';
import { can, requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { hasControlCharacters } from '../shared/input.js';
import { decodeCursor, encodeCursor, toPageRequest, type ListResult } from '../shared/pagination.js';
import type { Store, UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { catalogGenerator } from './seed.js';
import type {
  CategoryRepository,
  InventoryRepository,
  ListedProductRow,
  ProductListFilter,
  ProductListRequest,
  ProductRepository,
  ProductRow,
  ProductSearchIndex,
  ProductSortKey,
  VariantRow,
} from './ports.js';
import {
  createCategorySchema,
  createProductSchema,
  createVariantSchema,
  productListQuerySchema,
  updateCategorySchema,
  updateProductSchema,
  updateVariantSchema,
  type Category,
  type CategoryNode,
  type CreateCategoryInput,
  type CreateProductInput,
  type DeleteCategoryOptions,
  type Product,
  type ProductListQuery,
  type ProductOption,
  type UpdateCategoryInput,
  type UpdateProductInput,
  type UpdateVariantInput,
  type Variant,
  type VariantInput,
} from './schemas.js';

/** Most search terms taken from `q`; more add cost, not precision. */
const MAX_SEARCH_TERMS = 8;

/** "Café Crème 2000!" → "cafe-creme-2000": what a slug is made of when none is given. */
export function slugify(text: string, fallback = 'item'): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 180)
    .replace(/-+$/, '');
  return slug || fallback;
}

/** Words of a text as every search engine should see them: letters and digits, lower-cased, no accents. */
export function searchWords(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * Search terms from free text. Nothing a client types can reach the search engine's query
 * syntax: terms hold letters and digits only, and the adapter quotes each.
 */
export function searchTerms(q: string): string[] {
  return [...new Set(searchWords(q))].slice(0, MAX_SEARCH_TERMS);
}

/** The first of `base`, `base-2`, `base-3`… not in `taken`. */
function freeSlug(base: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

function toVariant(row: VariantRow): Variant {
  return {
    id: row.id,
    product_id: row.product_id,
    sku: row.sku,
    price: row.price,
    currency: row.currency,
    stock: row.stock,
    low_stock_threshold: row.low_stock_threshold,
    options: row.options,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toProduct(row: ProductRow, variants: VariantRow[]): Product {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    category_id: row.category_id,
    attributes: row.attributes,
    images: row.images,
    options: row.options,
    price: row.min_price,
    currency: row.currency,
    stock: variants.reduce((sum, v) => sum + v.stock, 0),
    in_stock: row.in_stock,
    variants: variants.map(toVariant),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const SORT_KEYS: Record<string, ProductSortKey> = { price: 'price', name: 'name', created_at: 'created_at' };

/** The value of a row's sort key, as carried in a keyset cursor. */
function sortValue(row: ListedProductRow, key: ProductSortKey): unknown {
  if (key === 'price') return row.min_price;
  if (key === 'name') return row.name;
  if (key === 'created_at') return row.created_at;
  return row.score ?? 0;
}

/** A cursor carries the sort it was made for, so it cannot be replayed against another sort. */
function parseCursor(cursor: string, sort: string, key: ProductSortKey): [unknown, string] {
  const bad = () =>
    new ValidationError('Invalid query', [{ path: 'query.cursor', message: 'not a cursor of this list and sort' }]);
  const values = decodeCursor(cursor);
  if (!values || values.length !== 3 || values[0] !== sort || typeof values[2] !== 'string') throw bad();
  const value = values[1];
  const numeric = key === 'price' || key === 'relevance';
  if (numeric ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'string') throw bad();
  if (key === 'created_at' && Number.isNaN(Date.parse(value as string))) throw bad();
  return [value, values[2]];
}

/** Checks variant option values against the product's options; returns them in option order. */
function checkVariantOptions(
  options: ProductOption[],
  values: Record<string, string>,
  path: string,
): Record<string, string> {
  const errors: Array<{ path: string; message: string }> = [];
  for (const key of Object.keys(values)) {
    if (!options.some((o) => o.name === key))
      errors.push({ path: `${path}.${key}`, message: 'not an option of this product' });
  }
  const ordered: Record<string, string> = {};
  for (const o of options) {
    const v = values[o.name];
    if (v === undefined) errors.push({ path: `${path}.${o.name}`, message: 'required' });
    else if (!o.values.includes(v))
      errors.push({ path: `${path}.${o.name}`, message: `must be one of ${o.values.join(', ')}` });
    else ordered[o.name] = v;
  }
  if (errors.length) throw new ValidationError('Invalid variant options', errors);
  return ordered;
}

/** Options of `catalog.seed`: how many products, the PRNG seed and the batch size. */
export interface SeedOptions {
  /** How many products to generate. */
  products: number;
  /** Same seed, same catalog (ids aside). */
  seed?: number;
  /** Products per transaction (default 2,000). */
  batchSize?: number;
  /** Called after each batch with the products written so far. */
  onProgress?(done: number, total: number): void;
}

/** How many rows `catalog.seed` wrote. */
export interface SeedResult {
  categories: number;
  products: number;
  variants: number;
}

/** Categories, products and variants: staff write them, everybody reads what is published. */
@injectable()
export class CatalogService {
  private readonly categories: CategoryRepository;
  private readonly products: ProductRepository;
  private readonly inventory: InventoryRepository;
  private readonly search: ProductSearchIndex;

  constructor(
    @inject(TOKENS.Store) store: Store,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {
    this.categories = store.repositories.categories;
    this.products = store.repositories.products;
    this.inventory = store.repositories.inventory;
    this.search = store.repositories.productSearch;
  }

  // ------------------------------------------------------------ categories

  /** Every category, flat, with parent_id (public). */
  async listCategories(ctx: Context): Promise<Category[]> {
    return this.categories.all(ctx);
  }

  /** Every category as a tree of `children` (public). */
  async categoryTree(ctx: Context): Promise<CategoryNode[]> {
    const all = await this.categories.all(ctx);
    const nodes = new Map<string, CategoryNode>(all.map((c) => [c.id, { ...c, children: [] }]));
    const roots: CategoryNode[] = [];
    for (const c of all) {
      const node = nodes.get(c.id)!;
      const parent = c.parent_id ? nodes.get(c.parent_id) : undefined;
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  /** One category by id or slug (public); NotFoundError when there is none. */
  async getCategory(ctx: Context, idOrSlug: string): Promise<Category> {
    const category = hasControlCharacters(idOrSlug) ? null : await this.categories.find(ctx, idOrSlug);
    if (!category) throw new NotFoundError(`Category '${idOrSlug}' not found`);
    return category;
  }

  /** Adds a category (`category:write`); a taken slug is a 409, an unknown `parent_id` a 400. */
  async createCategory(ctx: Context, input: CreateCategoryInput): Promise<Category> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    const data = parseInput(createCategorySchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      if (data.parent_id) await this.requireCategory(tx, data.parent_id, 'parent_id');
      const all = await this.categories.all(tx);
      const slug =
        data.slug ??
        freeSlug(
          slugify(data.name, 'category'),
          all.map((c) => c.slug),
        );
      const now = ctx.clock.now().toISOString();
      const category: Category = {
        id: newId(),
        parent_id: data.parent_id ?? null,
        slug,
        name: data.name,
        description: data.description,
        position: data.position,
        created_at: now,
        updated_at: now,
      };
      await this.categories.insert(tx, category);
      return category;
    });
  }

  /** Changes a category (`category:write`); a move under its own descendant is a 400. */
  async updateCategory(ctx: Context, idOrSlug: string, input: UpdateCategoryInput): Promise<Category> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    const data = parseInput(updateCategorySchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.getCategory(tx, idOrSlug);
      if (data.parent_id) {
        await this.requireCategory(tx, data.parent_id, 'parent_id');
        const subtree = await this.categories.subtreeIds(tx, current.id);
        if (subtree.includes(data.parent_id)) {
          throw new ValidationError('A category cannot move under itself', [
            { path: 'parent_id', message: 'is this category or one of its sub-categories' },
          ]);
        }
      }
      const patch: Partial<Category> = { ...data, updated_at: ctx.clock.now().toISOString() };
      await this.categories.update(tx, current.id, patch);
      return { ...current, ...patch } as Category;
    });
  }

  /**
   * Deletes a category. One that still has products or children is a 409 unless `reassign_to`
   * names the category that takes them over (`root`: children move to the top, products lose
   * their category).
   */
  async deleteCategory(ctx: Context, idOrSlug: string, options: DeleteCategoryOptions = {}): Promise<void> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    await this.unitOfWork.run(ctx, async (tx) => {
      const current = await this.getCategory(tx, idOrSlug);
      const usage = await this.categories.usage(tx, current.id);
      if (usage.children || usage.products) {
        if (options.reassign_to === undefined) {
          throw new ConflictError(
            `Category '${current.slug}' has ${usage.products} product(s) and ${usage.children} sub-categories; pass reassign_to to move them`,
          );
        }
        let target: string | null = null;
        if (options.reassign_to !== 'root') {
          target = (await this.requireCategory(tx, options.reassign_to, 'reassign_to')).id;
          if ((await this.categories.subtreeIds(tx, current.id)).includes(target)) {
            throw new ValidationError('Invalid reassign_to', [
              { path: 'reassign_to', message: 'is this category or one of its sub-categories' },
            ]);
          }
        }
        await this.categories.reassign(tx, current.id, target, target);
      }
      await this.categories.remove(tx, current.id);
    });
  }

  private async requireCategory(ctx: Context, idOrSlug: string, path: string): Promise<Category> {
    const category = hasControlCharacters(idOrSlug) ? null : await this.categories.find(ctx, idOrSlug);
    if (!category) throw new ValidationError('Unknown category', [{ path, message: 'no such category' }]);
    return category;
  }

  // ------------------------------------------------------------ products

  /**
   * Lists products: filters, sort, page or keyset pagination. Costs a fixed number of queries: the
   * category tree (when filtering by category), the page, its count (page mode) and its variants.
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
        offset: (pageRequest.page - 1) * pageRequest.pageSize,
        limit: pageRequest.pageSize,
      };
      const { rows, count } = await this.products.list(ctx, { filter, sort, window });
      return {
        kind: 'page',
        count: count ?? 0,
        page: pageRequest.page,
        page_size: pageRequest.pageSize,
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
      await this.inventory.recordMovements(
        tx,
        variants
          .filter((v) => v.stock > 0)
          .map((v) => ({
            id: newId(),
            variant_id: v.id,
            product_id: id,
            delta: v.stock,
            stock_after: v.stock,
            reason: 'initial stock',
            reference: null,
            actor_id: ctx.actor.kind === 'user' ? ctx.actor.id : null,
            created_at: now,
          })),
      );
      await this.search.reindex(tx, [id]);
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
    });
  }

  // ------------------------------------------------------------ variants

  /** The variants of a product the caller may see, in position order. */
  async listVariants(ctx: Context, productRef: string): Promise<Variant[]> {
    const product = await this.visibleProduct(ctx, productRef);
    return (await this.products.variantsOf(ctx, [product.id])).map(toVariant);
  }

  /** One variant of a product the caller may see; NotFoundError otherwise. */
  async getVariant(ctx: Context, productRef: string, variantId: string): Promise<Variant> {
    const product = await this.visibleProduct(ctx, productRef);
    const variant = await this.products.findVariant(ctx, product.id, variantId);
    if (!variant) throw new NotFoundError(`Variant ${variantId} not found`);
    return toVariant(variant);
  }

  /** Adds a variant to a product (`product:write`); its option values must be the product's, and unique. */
  async createVariant(ctx: Context, productRef: string, input: VariantInput): Promise<Variant> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(createVariantSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      const options = product.options.length ? checkVariantOptions(product.options, data.options, 'options') : {};
      this.requireUniqueCombination(product, siblings, options, null);
      const now = ctx.clock.now().toISOString();
      const variant: VariantRow = {
        id: newId(),
        product_id: product.id,
        sku: data.sku,
        price: data.price,
        currency: product.currency,
        stock: data.stock,
        low_stock_threshold: data.low_stock_threshold ?? this.config.lowStockThreshold,
        options,
        position: siblings.reduce((max, v) => Math.max(max, v.position + 1), 0),
        created_at: now,
        updated_at: now,
      };
      await this.products.insertVariant(tx, variant);
      if (variant.stock > 0) {
        await this.inventory.recordMovements(tx, [
          {
            id: newId(),
            variant_id: variant.id,
            product_id: product.id,
            delta: variant.stock,
            stock_after: variant.stock,
            reason: 'initial stock',
            reference: null,
            actor_id: ctx.actor.kind === 'user' ? ctx.actor.id : null,
            created_at: now,
          },
        ]);
      }
      await this.products.refreshDerived(tx, [product.id]);
      await this.search.reindex(tx, [product.id]);
      return toVariant(variant);
    });
  }

  /** Changes SKU, price, threshold or options. Stock is not accepted here: it moves through adjustments. */
  async updateVariant(
    ctx: Context,
    productRef: string,
    variantId: string,
    input: UpdateVariantInput,
  ): Promise<Variant> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(updateVariantSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      const current = siblings.find((v) => v.id === variantId);
      if (!current) throw new NotFoundError(`Variant ${variantId} not found`);
      const patch: Partial<VariantRow> = { ...data, updated_at: ctx.clock.now().toISOString() };
      if (data.options !== undefined) {
        patch.options = product.options.length ? checkVariantOptions(product.options, data.options, 'options') : {};
        this.requireUniqueCombination(product, siblings, patch.options, current.id);
      }
      await this.products.updateVariant(tx, current.id, patch);
      if (data.price !== undefined) await this.products.refreshDerived(tx, [product.id]);
      if (data.sku !== undefined) await this.search.reindex(tx, [product.id]);
      return toVariant({ ...current, ...patch } as VariantRow);
    });
  }

  /** Deletes a variant (`product:write`); a product's last variant is a 409 (delete the product instead). */
  async deleteVariant(ctx: Context, productRef: string, variantId: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    await this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      if (!siblings.some((v) => v.id === variantId)) throw new NotFoundError(`Variant ${variantId} not found`);
      if (siblings.length === 1) {
        throw new ConflictError('A product keeps at least one variant; delete the product instead');
      }
      await this.products.removeVariant(tx, variantId);
      await this.products.refreshDerived(tx, [product.id]);
      await this.search.reindex(tx, [product.id]);
    });
  }

  // ------------------------------------------------------------ seeding

  /** True when there is neither a category nor a product (the demo seed only fills an empty shop). */
  async isEmpty(ctx: Context): Promise<boolean> {
    if ((await this.categories.all(ctx)).length) return false;
    const { rows } = await this.products.list(ctx, {
      filter: {},
      sort: { key: 'created_at', descending: false },
      window: { kind: 'keyset', after: null, limit: 1 },
    });
    return rows.length === 0;
  }

  /**
   * Generates a realistic catalog (category tree, variants, prices, stock) in batched multi-row
   * inserts, one transaction per batch. Seeded stock is starting data: it has no movement rows.
   */
  async seed(ctx: Context, options: SeedOptions): Promise<SeedResult> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    requirePermission(ctx, PERMISSIONS.productWrite);
    const total = options.products;
    if (!Number.isSafeInteger(total) || total < 0 || total > 10_000_000) {
      throw new ValidationError('Invalid seed size', [{ path: 'products', message: 'must be 0 … 10,000,000' }]);
    }
    const batchSize = options.batchSize ?? 2000;
    const generator = catalogGenerator({
      seed: options.seed ?? Date.now(),
      currency: this.config.currency,
      lowStockThreshold: this.config.lowStockThreshold,
      now: ctx.clock.now(),
      total,
    });
    // Into an empty catalog the load runs without secondary indexes and the search index is built
    // once at the end: maintaining both row by row was most of the seeding time.
    const bulk = total > 0 && (await this.isEmpty(ctx));
    await this.unitOfWork.run(ctx, async (tx) => {
      for (const category of generator.categories) await this.categories.insert(tx, category);
    });
    let variants = 0;
    options.onProgress?.(0, total);
    const load = async () => {
      for (let from = 0; from < total; from += batchSize) {
        const batch = generator.batch(from, Math.min(batchSize, total - from));
        await this.unitOfWork.run(ctx, async (tx) => {
          await this.products.insertMany(tx, batch.products, batch.variants);
          if (!bulk) {
            await this.search.reindex(
              tx,
              batch.products.map((p) => p.id),
            );
          }
        });
        variants += batch.variants.length;
        options.onProgress?.(from + batch.products.length, total);
      }
    };
    if (bulk) {
      await this.products.withoutSecondaryIndexes(ctx, load);
      await this.unitOfWork.run(ctx, (tx) => this.search.rebuild(tx));
    } else {
      await load();
    }
    await this.products.refreshStatistics(ctx);
    return { categories: generator.categories.length, products: total, variants };
  }

  // ------------------------------------------------------------ helpers

  private requireUniqueCombination(
    product: ProductRow,
    siblings: VariantRow[],
    options: Record<string, string>,
    exceptId: string | null,
  ): void {
    if (!product.options.length) return;
    const key = JSON.stringify(options);
    if (siblings.some((v) => v.id !== exceptId && JSON.stringify(v.options) === key)) {
      throw new ConflictError('Another variant of this product has the same option values');
    }
  }

  /** For writers: any status. */
  private async requireProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    const row = hasControlCharacters(idOrSlug) ? null : await this.products.find(ctx, idOrSlug);
    if (!row) throw new NotFoundError(`Product '${idOrSlug}' not found`);
    return row;
  }

  /** For readers: drafts and archived products do not exist for anonymous and customer callers. */
  private async visibleProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    const row = hasControlCharacters(idOrSlug) ? null : await this.products.find(ctx, idOrSlug);
    if (!row || (row.status !== 'published' && !can(ctx, PERMISSIONS.productRead))) {
      throw new NotFoundError(`Product '${idOrSlug}' not found`);
    }
    return row;
  }

  private async withVariants(ctx: Context, rows: ProductRow[]): Promise<Product[]> {
    if (rows.length === 0) return [];
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
