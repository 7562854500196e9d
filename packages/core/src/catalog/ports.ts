import type { Context } from '../shared/context.js';
import type { Category, ProductOption, ProductStatus, StockMovement, Variant } from './schemas.js';

/** A product row as stored: the list filters and sorts on `min_price` and `in_stock`. */
export interface ProductRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: ProductStatus;
  category_id: string | null;
  /** Which tax rates apply to it (`standard` unless staff say otherwise). */
  tax_class: string;
  attributes: Record<string, unknown>;
  images: string[];
  options: ProductOption[];
  currency: string;
  min_price: number;
  in_stock: boolean;
  created_at: string;
  updated_at: string;
}

/** A variant row as stored: the variant plus its position among the product's variants. */
export interface VariantRow extends Variant {
  position: number;
}

/** Port: the category tree. */
export interface CategoryRepository {
  /** Every category (a small table), ordered by position then name. */
  all(ctx: Context): Promise<Category[]>;
  /** The category with this id or slug, or null. */
  find(ctx: Context, idOrSlug: string): Promise<Category | null>;
  /** The id of this category (by id or slug) and of every category below it; empty when there is none. */
  subtreeIds(ctx: Context, idOrSlug: string): Promise<string[]>;
  /** Throws ConflictError on a duplicate slug. */
  insert(ctx: Context, category: Category): Promise<void>;
  /**
   * Inserts the category unless its slug is taken, and answers the category stored under the slug
   * either way: of two transactions creating one slug at once, the second waits for the first and
   * gets its row (the CSV import creates missing categories this way).
   */
  insertIfAbsent(ctx: Context, category: Category): Promise<Category>;
  /** Writes the changed columns; ConflictError on a duplicate slug. */
  update(ctx: Context, id: string, patch: Partial<Category>): Promise<void>;
  /** Deletes the category (the service has moved its products and children first). */
  remove(ctx: Context, id: string): Promise<void>;
  /** How many sub-categories and products point at the category. */
  usage(ctx: Context, id: string): Promise<{ children: number; products: number }>;
  /** Moves the products (to `productsTo`) and the children (to `childrenTo`) of a category. */
  reassign(ctx: Context, fromId: string, productsTo: string | null, childrenTo: string | null): Promise<void>;
}

/** The column a product list is ordered by (`relevance`: the search score, best first). */
export type ProductSortKey = 'price' | 'name' | 'created_at' | 'relevance';

/** What a product list keeps; every field given must match. */
export interface ProductListFilter {
  /** Undefined: every status (staff). */
  statuses?: ProductStatus[];
  categoryIds?: string[];
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  /** Search terms (letters and digits only; the adapter quotes them for its engine). */
  terms?: string[];
}

/** One product list read: the filter, the order (ties broken by id) and the page or keyset window. */
export interface ProductListRequest {
  filter: ProductListFilter;
  sort: { key: ProductSortKey; descending: boolean };
  /** `after`: the last row's [sort value, id] for keyset pages. */
  window:
    | { kind: 'page'; offset: number; limit: number }
    | { kind: 'keyset'; after: [unknown, string] | null; limit: number };
}

/** `score` is the search relevance (higher is better) when terms were given. */
export type ListedProductRow = ProductRow & {
  score?: number;
  /** The product's variants (ordered by position), when the list read them in the same statement. */
  variants?: VariantRow[];
  /**
   * Or the same variants as text: the JSON array the API answers for them (`toVariant`'s objects,
   * exactly as `JSON.stringify` writes them), with their total stock in `variants_stock`. A product
   * made from it (`listedProduct`) parses the text only when its `variants` are read.
   */
  variants_json?: string;
  variants_stock?: number;
};

/** Port: products and their variants. */
export interface ProductRepository {
  /** The product with this id or slug, or null. */
  find(ctx: Context, idOrSlug: string): Promise<ProductRow | null>;
  /**
   * The product with this id or slug with its `variants` (in `variantsOf`'s order) read in the
   * same statement, or null. Optional: without it a product read is `find`, then `variantsOf`.
   */
  findWithVariants?(ctx: Context, idOrSlug: string): Promise<ListedProductRow | null>;
  /** Slugs equal to `base` or of the form `base-<n>`, to pick a free one. */
  takenSlugs(ctx: Context, base: string): Promise<string[]>;
  /** The variants of these products in one query, ordered by product then position. */
  variantsOf(ctx: Context, productIds: string[]): Promise<VariantRow[]>;
  /** The variant if it belongs to that product, or null. */
  findVariant(ctx: Context, productId: string, variantId: string): Promise<VariantRow | null>;
  /** The variants with these SKUs, in one query; unknown SKUs are absent. */
  variantsBySku(ctx: Context, skus: string[]): Promise<VariantRow[]>;
  /**
   * One query for the rows (+ one count for page windows). The rows may carry their `variants`,
   * read in the same query; where they do not, the caller reads them with `variantsOf`.
   */
  list(
    ctx: Context,
    request: ProductListRequest,
  ): Promise<{ rows: ListedProductRow[]; count?: number; countIsEstimate?: boolean }>;
  /** Throws ConflictError on a duplicate slug or SKU. */
  insert(ctx: Context, product: ProductRow, variants: VariantRow[]): Promise<void>;
  /** Many products at once in batched multi-row inserts (seeding, imports). */
  insertMany(ctx: Context, products: ProductRow[], variants: VariantRow[]): Promise<void>;
  /**
   * Set where the database writes on the caller's own thread with one connection (SQLite): a seed
   * then writes its batches one after the other and generates each in slices of this many
   * products, each written before the next is made, instead of a whole batch ahead of its write
   * (nothing overlaps on one thread, and a whole batch outlived V8's young generation: about half
   * of generating it was garbage collection). Unset: batches are generated whole and overlap.
   */
  readonly seedSlice?: number;
  /** Writes the changed columns; ConflictError on a duplicate slug. */
  update(ctx: Context, id: string, patch: Partial<ProductRow>): Promise<void>;
  /** Deletes the product and its variants. */
  remove(ctx: Context, id: string): Promise<void>;
  /** Adds a variant to an existing product; ConflictError on a duplicate SKU. */
  insertVariant(ctx: Context, variant: VariantRow): Promise<void>;
  /** Writes the changed columns of a variant; ConflictError on a duplicate SKU. */
  updateVariant(ctx: Context, id: string, patch: Partial<VariantRow>): Promise<void>;
  /** Deletes a variant. */
  removeVariant(ctx: Context, id: string): Promise<void>;
  /** Refreshes the planner's statistics after a bulk load (without them a fresh table gets poor plans). */
  refreshStatistics(ctx: Context): Promise<void>;
  /**
   * Runs `load` with the secondary indexes of products and variants dropped and builds them again
   * afterwards (even when `load` fails): one index build over the loaded rows is far cheaper than
   * updating every B-tree row by row. For loads into an empty catalog only. `index` (the search
   * index build) runs where it costs least: before the indexes return when it rewrites the rows
   * (PostgreSQL), after them when it only reads them.
   */
  withoutSecondaryIndexes<T>(ctx: Context, load: () => Promise<T>, index?: () => Promise<void>): Promise<T>;
  /**
   * Builds back the indexes a `withoutSecondaryIndexes` load dropped when it was stopped before
   * building them (the process was killed); returns how many it had dropped (0: none missing).
   */
  restoreInterruptedLoad(ctx: Context): Promise<number>;
  /** Recomputes the denormalised `min_price` and `in_stock` of these products from their variants. */
  refreshDerived(ctx: Context, productIds: string[]): Promise<void>;
}

/** A variant with what a sale needs from its product. */
export interface SaleVariantRow {
  id: string;
  product_id: string;
  sku: string;
  price: number;
  currency: string;
  stock: number;
  options: Record<string, string>;
  product_name: string;
  product_status: ProductStatus;
  product_options: ProductOption[];
  variant_count: number;
  /** The product's category (promotion targets) and tax class (pricing). */
  category_id: string | null;
  tax_class: string;
  /** Shipping weight of one unit. */
  weight_grams: number;
}

/** A variant's state right after a stock change. */
export interface StockChange {
  variant_id: string;
  product_id: string;
  sku: string;
  stock: number;
  low_stock_threshold: number;
}

/** Port: variant stock, changed only by conditional updates, and its movement log. */
export interface InventoryRepository {
  /** The variants with these ids joined with what a sale needs from their products; unknown ids are absent. */
  saleVariants(ctx: Context, variantIds: string[]): Promise<SaleVariantRow[]>;
  /** Up to `limit` variant ids of a product; null when the product does not exist. */
  variantIdsOf(ctx: Context, productId: string, limit: number): Promise<string[] | null>;
  /** True when a variant with this id exists. */
  variantExists(ctx: Context, variantId: string): Promise<boolean>;
  /**
   * Adds `delta` to a variant's stock in one conditional statement (no read-then-write): null
   * when the variant does not exist, a negative delta would take stock below zero, or a positive
   * one past `MAX_STOCK`.
   */
  changeStock(ctx: Context, variantId: string, delta: number): Promise<StockChange | null>;
  /** Appends rows to the stock movement log. */
  recordMovements(ctx: Context, movements: StockMovement[]): Promise<void>;
  /** Sets `products.in_stock` from the variants, writing only rows whose flag changes; returns those products' ids. */
  refreshInStock(ctx: Context, productIds: string[]): Promise<string[]>;
  /** The latest `limit` movements of a variant, newest first. */
  movements(ctx: Context, variantId: string, limit: number): Promise<StockMovement[]>;
}

/**
 * The search port. The knex adapter keeps an in-database index (SQLite FTS5, PostgreSQL
 * tsvector + GIN) that the product list queries directly; another engine implements this to
 * be told what changed.
 */
export interface ProductSearchIndex {
  /** (Re)indexes name, description and SKUs of these products, in the caller's transaction. */
  reindex(ctx: Context, productIds: string[]): Promise<void>;
  /** Drops these products from the index (they are being deleted). */
  remove(ctx: Context, productIds: string[]): Promise<void>;
  /**
   * Indexes every product from scratch, in a few set-wide statements (after a bulk load). With
   * `keepLoaded`, what `insertMany` already wrote with the rows (where the store writes the search
   * columns with them) is kept and only the rest is indexed: for a load into an empty catalog.
   */
  rebuild(ctx: Context, options?: { keepLoaded?: boolean }): Promise<void>;
}

/** Inversify service identifiers of the catalog module (bound in `catalog/module.ts`). */
export const CATALOG_TOKENS = {
  CategoryRepository: Symbol.for('emporia.CategoryRepository'),
  ProductRepository: Symbol.for('emporia.ProductRepository'),
  InventoryRepository: Symbol.for('emporia.InventoryRepository'),
  ProductSearchIndex: Symbol.for('emporia.ProductSearchIndex'),
  CategoryService: Symbol.for('emporia.CategoryService'),
  ProductService: Symbol.for('emporia.ProductService'),
  VariantService: Symbol.for('emporia.VariantService'),
  CatalogSeeder: Symbol.for('emporia.CatalogSeeder'),
  ProductImporter: Symbol.for('emporia.ProductImporter'),
  CatalogService: Symbol.for('emporia.CatalogService'),
  InventoryService: Symbol.for('emporia.InventoryService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    categories: CategoryRepository;
    products: ProductRepository;
    inventory: InventoryRepository;
    productSearch: ProductSearchIndex;
  }
}
