import { z } from 'zod';
import { taxClassSchema } from '../tax/schemas.js';
import { MAX_INT32, currencyField, idField, int32, int64, jsonObject, text, timestampField } from '../shared/input.js';
import { MAX_PAGE_SIZE, boolParam, intParam, pageQuerySchema } from '../shared/pagination.js';

/**
 * Catalog inputs and outputs: one zod schema per shape, used by the services, the HTTP route
 * declarations (validation + OpenAPI) and the CLI.
 */

/** A product's statuses: only `published` products are visible to customers and guests. */
export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
/** One of {@link PRODUCT_STATUSES}. */
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** The sorts of the product list; a leading `-` sorts descending. */
export const PRODUCT_SORTS = ['price', '-price', 'name', '-name', 'created_at', '-created_at'] as const;
/** One of {@link PRODUCT_SORTS}. */
export type ProductSort = (typeof PRODUCT_SORTS)[number];

/** Largest stock a variant may hold (the column is a 32-bit integer). */
export const MAX_STOCK = MAX_INT32;
/** Most variants one product has (created with it or added later). */
export const MAX_VARIANTS = 200;
/** Longest `q` accepted: search terms beyond it add nothing but cost. */
export const MAX_QUERY_LENGTH = 200;

/** A URL slug: lower-case letters, digits and single hyphens. */
export const slugSchema = text()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lower-case letters, digits and single hyphens');
const idSchema = z.uuid();
const nameSchema = text().trim().min(1).max(200);
const descriptionSchema = text({ multiline: true }).max(20_000);
const currencySchema = text()
  .length(3)
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 code like USD')
  .transform((v) => v.toUpperCase());
/** Money in integer minor units (cents). */
export const priceSchema = int64(0);
const stockSchema = int32(0, MAX_STOCK);
const thresholdSchema = int32(0, MAX_STOCK);
/** A variant's shipping weight in grams (0: weightless, e.g. a download). */
const weightSchema = int32(0);
/** A SKU: up to 64 letters, digits, `.`, `-`, `_` or `/`. */
export const skuSchema = text()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.\-/]+$/, 'use letters, digits, ".", "-", "_" or "/"');
const optionNameSchema = text().trim().min(1).max(50);
const optionValueSchema = text().trim().min(1).max(100);
const imageUrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000);

/**
 * A whole number from a query string or from a library caller. Parsing is idempotent, so the
 * service re-validates what the HTTP layer already parsed, and library callers pass numbers.
 */
const queryInt = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.union([intParam(min, max), z.number().int().min(min).max(max)]);
const queryBool = () => z.union([boolParam(), z.boolean()]);

// ---------------------------------------------------------------- categories

/** A category as every surface shows it; categories form a tree through `parent_id`. */
export const categorySchema = z
  .object({
    id: idField(),
    parent_id: idField().nullable(),
    slug: z.string().max(200),
    name: z.string().max(200),
    description: z.string().max(20_000),
    position: z.number().int(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Category' });
/** A category (see {@link categorySchema}). */
export type Category = z.infer<typeof categorySchema>;

/** A category with its sub-categories, as `catalog.categoryTree` answers. */
export interface CategoryNode extends Category {
  children: CategoryNode[];
}
/** Schema of a {@link CategoryNode}: a category with nested `children`. */
export const categoryNodeSchema: z.ZodType<CategoryNode> = categorySchema
  .extend({
    get children(): z.ZodArray<z.ZodType<CategoryNode>> {
      return z.array(categoryNodeSchema);
    },
  })
  .meta({ id: 'CategoryNode' });

/** `parent` as DRF clients send it: the parent category's id or slug (null: top level), instead of `parent_id`. */
const parentRefSchema = z
  .string()
  .min(1)
  .max(200)
  .nullable()
  .optional()
  .describe('The parent category by id or slug (instead of parent_id); null: top level');

/** Input of `catalog.createCategory`; the slug comes from the name when omitted. */
export const createCategorySchema = z.strictObject({
  name: nameSchema,
  slug: slugSchema.optional(),
  description: descriptionSchema.default(''),
  parent_id: idSchema.nullable().optional(),
  parent: parentRefSchema,
  position: int32(0, 1_000_000).default(0),
});
/** Input of `catalog.createCategory` (see {@link createCategorySchema}). */
export type CreateCategoryInput = z.input<typeof createCategorySchema>;

/** Input of `catalog.updateCategory`: any of the category's fields. */
export const updateCategorySchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  description: descriptionSchema.optional(),
  parent_id: idSchema.nullable().optional(),
  parent: parentRefSchema,
  position: int32(0, 1_000_000).optional(),
});
/** Input of `catalog.updateCategory` (see {@link updateCategorySchema}). */
export type UpdateCategoryInput = z.input<typeof updateCategorySchema>;

/** Query of the category list: `tree` chooses `catalog.categoryTree` over the flat `catalog.listCategories`. */
export const categoryListQuerySchema = z.object({
  tree: queryBool().optional().describe('true: nested tree with `children`; otherwise a flat list with parent_id'),
});

/** Options of `catalog.deleteCategory`: where the products and sub-categories of a non-empty category go. */
export const deleteCategoryQuerySchema = z.object({
  reassign_to: text()
    .min(1)
    .max(200)
    .optional()
    .describe('Category (id or slug) that takes over the products and children; `root` lifts children to the top'),
});
/** Options of `catalog.deleteCategory` (see {@link deleteCategoryQuerySchema}). */
export type DeleteCategoryOptions = z.input<typeof deleteCategoryQuerySchema>;

// ---------------------------------------------------------------- products and variants

/** An option a product's variants differ by, with its values: `{ name: 'Size', values: ['S', 'M'] }`. */
export const productOptionSchema = z
  .strictObject({
    name: optionNameSchema,
    values: z.array(optionValueSchema).min(1).max(100),
  })
  .meta({ id: 'ProductOption' });
/** A product option and its values (see {@link productOptionSchema}). */
export type ProductOption = z.infer<typeof productOptionSchema>;

/** A variant as every surface shows it: SKU, price in minor units, stock and its option values. */
export const variantSchema = z
  .object({
    id: idField(),
    product_id: idField(),
    sku: z.string().max(64),
    price: z.number().int(),
    currency: currencyField(),
    stock: z.number().int(),
    low_stock_threshold: z.number().int(),
    weight_grams: z.number().int().describe('Shipping weight; the cart weighs Σ quantity × weight_grams'),
    options: z.record(z.string().max(50), z.string().max(100)),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Variant' });
/** A sellable variant of a product (see {@link variantSchema}). */
export type Variant = z.infer<typeof variantSchema>;

/** A product as every surface shows it, with its variants, lowest price and total stock. */
export const productSchema = z
  .object({
    id: idField(),
    slug: z.string().max(200),
    name: z.string().max(200),
    description: z.string().max(20_000),
    status: z.enum(PRODUCT_STATUSES),
    category_id: idField().nullable(),
    tax_class: z.string().max(32).describe('Which tax rates apply: standard, reduced, zero or a class staff added'),
    attributes: z.record(z.string().max(200), z.unknown()),
    images: z.array(z.string().max(2000)).max(50),
    options: z.array(productOptionSchema).max(5),
    price: z.number().int().describe('Lowest variant price, in minor units'),
    currency: currencyField(),
    stock: z.number().int().describe('Sum of the variants’ stock'),
    in_stock: z.boolean(),
    variants: z.array(variantSchema).max(MAX_VARIANTS),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Product' });
/** A product with its variants (see {@link productSchema}). */
export type Product = z.infer<typeof productSchema>;

/** A new variant: SKU, price, initial stock, alert level and option values. */
export const variantInputSchema = z.strictObject({
  sku: skuSchema,
  price: priceSchema,
  stock: stockSchema.default(0),
  low_stock_threshold: thresholdSchema.optional(),
  weight_grams: weightSchema.default(0),
  options: z.record(optionNameSchema, optionValueSchema).default({}),
});
/** Input of `catalog.createVariant`, and each of `variants` in `catalog.createProduct` (see {@link createVariantSchema}). */
export type VariantInput = z.input<typeof variantInputSchema>;

/**
 * Input of `catalog.createProduct`: `price` (with `sku`, `stock`) makes a simple product with one
 * variant; `options` and `variants` make a multi-variant one.
 */
export const createProductSchema = z
  .strictObject({
    name: nameSchema,
    slug: slugSchema.optional(),
    description: descriptionSchema.default(''),
    status: z.enum(PRODUCT_STATUSES).default('draft'),
    category_id: idSchema.nullable().optional(),
    tax_class: taxClassSchema.default('standard'),
    attributes: jsonObject().default({}),
    images: z.array(imageUrlSchema).max(50).default([]),
    currency: currencySchema.optional(),
    // A simple product: one variant from these.
    price: priceSchema.optional(),
    sku: skuSchema.optional(),
    stock: stockSchema.optional(),
    low_stock_threshold: thresholdSchema.optional(),
    weight_grams: weightSchema.optional(),
    // A multi-variant product.
    options: z.array(productOptionSchema).max(5).optional(),
    variants: z.array(variantInputSchema).min(1).max(MAX_VARIANTS).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.variants === undefined && v.price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'give price (a simple product) or variants' });
    }
    if (v.variants !== undefined) {
      for (const key of ['price', 'sku', 'stock', 'low_stock_threshold', 'weight_grams'] as const) {
        if (v[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'set it on each variant when giving variants' });
        }
      }
    }
  });
/** Input of `catalog.createProduct` (see {@link createProductSchema}). */
export type CreateProductInput = z.input<typeof createProductSchema>;

/** Input of `catalog.updateProduct`: the product's own fields (variants change through their own calls). */
export const updateProductSchema = z.strictObject({
  name: nameSchema.optional(),
  slug: slugSchema.optional(),
  description: descriptionSchema.optional(),
  status: z.enum(PRODUCT_STATUSES).optional(),
  category_id: idSchema.nullable().optional(),
  tax_class: taxClassSchema.optional(),
  attributes: jsonObject().optional(),
  images: z.array(imageUrlSchema).max(50).optional(),
});
/** Input of `catalog.updateProduct` (see {@link updateProductSchema}). */
export type UpdateProductInput = z.input<typeof updateProductSchema>;

/** Input of `catalog.createVariant`: SKU, price, initial stock, alert level and option values. */
export const createVariantSchema = variantInputSchema;

/**
 * Input of `catalog.updateVariant`. Stock is not here on purpose: it moves only through stock
 * adjustments (`inventory.adjustStock`), which are logged.
 */
export const updateVariantSchema = z.strictObject({
  sku: skuSchema.optional(),
  price: priceSchema.optional(),
  low_stock_threshold: thresholdSchema.optional(),
  weight_grams: weightSchema.optional(),
  options: z.record(optionNameSchema, optionValueSchema).optional(),
});
/** Input of `catalog.updateVariant` (see {@link updateVariantSchema}). */
export type UpdateVariantInput = z.input<typeof updateVariantSchema>;

/**
 * Query of `catalog.listProducts`: category, price range, stock, status (staff), full-text `q`, sort,
 * and page or cursor. Numbers and booleans may be given as query-string text or as values.
 */
export const productListQuerySchema = pageQuerySchema.extend({
  page: queryInt(1).optional(),
  page_size: queryInt(1, MAX_PAGE_SIZE).optional(),
  limit: queryInt(1, MAX_PAGE_SIZE).optional(),
  offset: queryInt(0).optional().describe('Rows to skip (with `limit`): a counted page starting there'),
  category: text().min(1).max(200).optional().describe('Category id or slug; includes its sub-categories'),
  min_price: queryInt().optional().describe('Lowest price (minor units), inclusive'),
  max_price: queryInt().optional().describe('Highest price (minor units), inclusive'),
  in_stock: queryBool().optional(),
  status: z.enum(PRODUCT_STATUSES).optional().describe('Staff only; others always see published products'),
  q: text().trim().min(1).max(MAX_QUERY_LENGTH).optional().describe('Full-text search on name, description and SKU'),
  sort: z.enum(PRODUCT_SORTS).optional().describe('Default: relevance when q is given, otherwise -created_at'),
});
/** Query of `catalog.listProducts`, as text or as parsed values (see {@link productListQuerySchema}). */
export type ProductListQuery = z.input<typeof productListQuerySchema> | z.output<typeof productListQuerySchema>;

// ---------------------------------------------------------------- inventory

/** Input of `inventory.adjustStock`: a non-zero delta, a reason and an optional reference. */
export const stockAdjustmentSchema = z.strictObject({
  delta: int32(-MAX_STOCK, MAX_STOCK).refine((d) => d !== 0, 'must not be zero'),
  reason: text().trim().min(1).max(200),
  reference: text().trim().min(1).max(200).optional(),
});
/** Input of `inventory.adjustStock` (see {@link stockAdjustmentSchema}). */
export type StockAdjustmentInput = z.input<typeof stockAdjustmentSchema>;

/** Most stock movements one read answers (the latest ones). */
export const MAX_MOVEMENTS = 50;

/** One logged change of a variant's stock: who, why, by how much and the stock after it. */
export const stockMovementSchema = z
  .object({
    id: idField(),
    variant_id: idField(),
    product_id: idField(),
    delta: z.number().int(),
    stock_after: z.number().int(),
    reason: z.string().max(200),
    reference: z.string().max(200).nullable(),
    actor_id: idField().nullable(),
    created_at: timestampField(),
  })
  .meta({ id: 'StockMovement' });
/** A logged stock change (see {@link stockMovementSchema}). */
export type StockMovement = z.infer<typeof stockMovementSchema>;
