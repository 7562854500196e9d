import { PERMISSIONS } from '../identity/permissions.js';
import { can, type Context } from '../shared/context.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { hasControlCharacters } from '../shared/input.js';
import type { ProductRepository, ProductRow, VariantRow } from './ports.js';
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

export function toProduct(row: ProductRow, variants: VariantRow[]): Product {
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
    stock: variants.reduce((sum, v) => sum + v.stock, 0),
    in_stock: row.in_stock,
    variants: variants.map(toVariant),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
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
