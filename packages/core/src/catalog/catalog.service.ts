import { inject, injectable } from 'inversify';
import type { Context } from '../shared/context.js';
import type { ListResult } from '../shared/pagination.js';
import type { CategoryService } from './category.service.js';
import { CATALOG_TOKENS } from './ports.js';
import type { ProductService } from './product.service.js';
import type {
  Category,
  CategoryNode,
  CreateCategoryInput,
  CreateProductInput,
  DeleteCategoryOptions,
  Product,
  ProductListQuery,
  UpdateCategoryInput,
  UpdateProductInput,
  UpdateVariantInput,
  Variant,
  VariantInput,
} from './schemas.js';
import type { CatalogSeeder, SeedOptions, SeedResult } from './seed.service.js';
import type { VariantService } from './variant.service.js';

/**
 * Categories, products and variants (`engine.catalog`): staff write them, everybody reads what is
 * published. One surface over the module's services (`CategoryService`, `ProductService`,
 * `VariantService`, `CatalogSeeder`), which hold the rules.
 */
@injectable()
export class CatalogService {
  constructor(
    @inject(CATALOG_TOKENS.CategoryService) private readonly categories: CategoryService,
    @inject(CATALOG_TOKENS.ProductService) private readonly products: ProductService,
    @inject(CATALOG_TOKENS.VariantService) private readonly variants: VariantService,
    @inject(CATALOG_TOKENS.CatalogSeeder) private readonly seeder: CatalogSeeder,
  ) {}

  /** Every category, flat, with parent_id (public). */
  listCategories(ctx: Context): Promise<Category[]> {
    return this.categories.listCategories(ctx);
  }

  /** Every category as a tree of `children` (public). */
  categoryTree(ctx: Context): Promise<CategoryNode[]> {
    return this.categories.categoryTree(ctx);
  }

  /** One category by id or slug (public); NotFoundError when there is none. */
  getCategory(ctx: Context, idOrSlug: string): Promise<Category> {
    return this.categories.getCategory(ctx, idOrSlug);
  }

  /** Adds a category (`category:write`); a taken slug is a 409, an unknown `parent_id` a 400. */
  createCategory(ctx: Context, input: CreateCategoryInput): Promise<Category> {
    return this.categories.createCategory(ctx, input);
  }

  /** Changes a category (`category:write`); a move under its own descendant is a 400. */
  updateCategory(ctx: Context, idOrSlug: string, input: UpdateCategoryInput): Promise<Category> {
    return this.categories.updateCategory(ctx, idOrSlug, input);
  }

  /** Deletes a category; one still in use is a 409 unless `reassign_to` names who takes over. */
  deleteCategory(ctx: Context, idOrSlug: string, options: DeleteCategoryOptions = {}): Promise<void> {
    return this.categories.deleteCategory(ctx, idOrSlug, options);
  }

  /** Lists products: filters, search, sort, page or keyset pagination, in a fixed number of queries. */
  listProducts(ctx: Context, query: ProductListQuery = {}): Promise<ListResult<Product>> {
    return this.products.listProducts(ctx, query);
  }

  /** A product by id or slug; drafts and archived products are 404 for anonymous and customer callers. */
  getProduct(ctx: Context, idOrSlug: string): Promise<Product> {
    return this.products.getProduct(ctx, idOrSlug);
  }

  /** Adds a product with its variants (`product:write`); a taken slug or SKU is a 409. */
  createProduct(ctx: Context, input: CreateProductInput): Promise<Product> {
    return this.products.createProduct(ctx, input);
  }

  /** Changes a product's own fields (`product:write`); unknown fields are a 400. */
  updateProduct(ctx: Context, idOrSlug: string, input: UpdateProductInput): Promise<Product> {
    return this.products.updateProduct(ctx, idOrSlug, input);
  }

  /** Deletes a product and its variants (`product:write`); orders keep their snapshots. */
  deleteProduct(ctx: Context, idOrSlug: string): Promise<void> {
    return this.products.deleteProduct(ctx, idOrSlug);
  }

  /** The variants of a product the caller may see, in position order. */
  listVariants(ctx: Context, productRef: string): Promise<Variant[]> {
    return this.variants.listVariants(ctx, productRef);
  }

  /** One variant of a product the caller may see; NotFoundError otherwise. */
  getVariant(ctx: Context, productRef: string, variantId: string): Promise<Variant> {
    return this.variants.getVariant(ctx, productRef, variantId);
  }

  /** Adds a variant to a product (`product:write`); its option values must be the product's, and unique. */
  createVariant(ctx: Context, productRef: string, input: VariantInput): Promise<Variant> {
    return this.variants.createVariant(ctx, productRef, input);
  }

  /** Changes SKU, price, threshold or options. Stock is not accepted here: it moves through adjustments. */
  updateVariant(ctx: Context, productRef: string, variantId: string, input: UpdateVariantInput): Promise<Variant> {
    return this.variants.updateVariant(ctx, productRef, variantId, input);
  }

  /** Deletes a variant (`product:write`); a product's last variant is a 409 (delete the product instead). */
  deleteVariant(ctx: Context, productRef: string, variantId: string): Promise<void> {
    return this.variants.deleteVariant(ctx, productRef, variantId);
  }

  /** True when there is neither a category nor a product (the demo seed only fills an empty shop). */
  isEmpty(ctx: Context): Promise<boolean> {
    return this.seeder.isEmpty(ctx);
  }

  /** Generates a realistic catalog in batched multi-row inserts, one transaction per batch. */
  seed(ctx: Context, options: SeedOptions): Promise<SeedResult> {
    return this.seeder.seed(ctx, options);
  }
}
