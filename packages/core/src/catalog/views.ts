import { PERMISSIONS } from '../identity/permissions.js';
import { can, type Context } from '../shared/context.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { hasControlCharacters } from '../shared/input.js';
import type { ListedProductRow, ProductRepository, ProductRow, VariantRow } from './ports.js';
import type { Product, ProductOption, Variant } from './schemas.js';

/** What the catalog answers: rows as the API shows them, and the checks variant options share. */

export function toVariant(row: VariantRow): Variant {
  return {
    id: row.id,
    product_id: row.product_id,
    sku: row.sku,
    price: row.price,
    currency: row.currency,
    stock: row.stock,
    low_stock_threshold: row.low_stock_threshold,
    weight_grams: row.weight_grams,
    options: row.options,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A product's fields before its variants, in the answer's order (`toProduct`, `listedProduct`). */
function productHead(row: ProductRow, stock: number): Omit<Product, 'variants' | 'created_at' | 'updated_at'> {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    category_id: row.category_id,
    tax_class: row.tax_class,
    attributes: row.attributes,
    images: row.images,
    options: row.options,
    price: row.min_price,
    currency: row.currency,
    stock,
    in_stock: row.in_stock,
  };
}

export function toProduct(row: ProductRow, variants: VariantRow[]): Product {
  return {
    ...productHead(
      row,
      variants.reduce((sum, v) => sum + v.stock, 0),
    ),
    variants: variants.map(toVariant),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The variants' JSON text of products made by `listedProduct` whose `variants` were never read nor assigned. */
const unreadVariants = new WeakMap<object, string>();

/**
 * `variants` of a product made by `listedProduct`: parsed from its text on the first read, then an
 * ordinary property (as is an assigned value), and the text is dropped.
 */
const lazyVariants: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Product): Variant[] {
    const variants = JSON.parse(unreadVariants.get(this) ?? '[]') as Variant[];
    settle(this, variants);
    return variants;
  },
  set(this: Product, variants: Variant[]) {
    settle(this, variants);
  },
};

function settle(product: Product, variants: Variant[]): void {
  unreadVariants.delete(product);
  Object.defineProperty(product, 'variants', { value: variants, writable: true, enumerable: true, configurable: true });
}

/**
 * The product of a listed row: `toProduct`'s object, field for field and in its order. When the
 * row carries its variants as the API's JSON text (`variants_json`), `variants` parses that text
 * on the first read, so an answer written by `productAnswerJson` never builds the variant objects.
 */
export function listedProduct(row: ListedProductRow): Product {
  if (row.variants_json === undefined) return toProduct(row, row.variants ?? []);
  const product = productHead(row, row.variants_stock ?? 0) as Product;
  Object.defineProperty(product, 'variants', lazyVariants);
  product.created_at = row.created_at;
  product.updated_at = row.updated_at;
  unreadVariants.set(product, row.variants_json);
  return product;
}

const encode = JSON.stringify;

/**
 * `JSON.stringify(product)`, byte for byte, without parsing and writing out again the variants of a
 * product from `listedProduct` that nobody has read: their text goes in as the database wrote it.
 */
export function productAnswerJson(product: Product): string {
  const variants = unreadVariants.get(product);
  if (variants === undefined) return encode(product);
  const p = product;
  const head = encode({
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    status: p.status,
    category_id: p.category_id,
    tax_class: p.tax_class,
    attributes: p.attributes,
    images: p.images,
    options: p.options,
    price: p.price,
    currency: p.currency,
    stock: p.stock,
    in_stock: p.in_stock,
  });
  return `${head.slice(0, -1)},"variants":${variants},"created_at":${encode(p.created_at)},"updated_at":${encode(p.updated_at)}}`;
}

/** Checks variant option values against the product's options; returns them in option order. */
export function checkVariantOptions(
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

/** For writers: a product of any status; NotFoundError when there is none. */
export async function productForWriter(
  products: ProductRepository,
  ctx: Context,
  idOrSlug: string,
): Promise<ProductRow> {
  const row = hasControlCharacters(idOrSlug) ? null : await products.find(ctx, idOrSlug);
  if (!row) throw new NotFoundError(`Product '${idOrSlug}' not found`);
  return row;
}

/** For readers: drafts and archived products do not exist for anonymous and customer callers. */
export async function visibleProduct(
  products: Pick<ProductRepository, 'find'>,
  ctx: Context,
  idOrSlug: string,
): Promise<ProductRow> {
  const row = hasControlCharacters(idOrSlug) ? null : await products.find(ctx, idOrSlug);
  if (!row || (row.status !== 'published' && !can(ctx, PERMISSIONS.productRead))) {
    throw new NotFoundError(`Product '${idOrSlug}' not found`);
  }
  return row;
}
