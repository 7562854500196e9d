import type { ListedProductRow, ProductOption, ProductRow, ProductStatus, VariantRow } from '@emporia/core';
import type { Dialect } from './database.js';
import { fromJson, toBool, toIso, toJson } from './values.js';

/** Product columns a list or detail reads (never the PostgreSQL search_vector). */
export const PRODUCT_COLUMNS = [
  'p.id',
  'p.slug',
  'p.name',
  'p.description',
  'p.status',
  'p.category_id',
  'p.tax_class',
  'p.attributes',
  'p.images',
  'p.options',
  'p.currency',
  'p.min_price',
  'p.in_stock',
  'p.created_at',
  'p.updated_at',
];

/** The product column each list sort reads. */
export const SORT_COLUMNS = { price: 'p.min_price', name: 'p.name', created_at: 'p.created_at' } as const;

export function toProductRow(r: Record<string, unknown>): ListedProductRow {
  const row: ListedProductRow = {
    id: r.id as string,
    slug: r.slug as string,
    name: r.name as string,
    description: r.description as string,
    status: r.status as ProductStatus,
    category_id: (r.category_id as string | null) ?? null,
    tax_class: (r.tax_class as string | undefined) ?? 'standard',
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
  if (r.variants_json !== undefined) {
    row.variants = (fromJson<Array<Record<string, unknown>> | null>(r.variants_json) ?? []).map(toVariantRow);
  }
  return row;
}

/** The variant columns `toVariantRow` reads, as they are named inside `variantsJson`'s objects. */
const VARIANT_FIELDS = [
  'id',
  'product_id',
  'sku',
  'price',
  'currency',
  'stock',
  'low_stock_threshold',
  'weight_grams',
  'options',
  'position',
  'created_at',
  'updated_at',
] as const;

/**
 * A select-list column, `variants_json`, holding the variants of the row's product `p` as one JSON
 * array in the order `variantsOf` reads them (position, then id), so a list page reads its products
 * and their variants in one statement; `toProductRow` turns it into `variants`. Put it only in a
 * statement whose outer rows are the page's own (a correlated subquery runs once per outer row).
 * A variant's `options` stay JSON text inside the array, and MySQL/MariaDB's DATETIME is written out
 * as ISO text (inside JSON it would be its local `YYYY-MM-DD hh:mm:ss` form).
 */
export function variantsJson(dialect: Dialect): string {
  const value = (field: (typeof VARIANT_FIELDS)[number]) =>
    dialect === 'mysql' && field.endsWith('_at') ? `date_format(v.${field}, '%Y-%m-%dT%H:%i:%s.%fZ')` : `v.${field}`;
  const object = VARIANT_FIELDS.map((field) => `'${field}', ${value(field)}`).join(', ');
  const aggregate =
    dialect === 'postgres'
      ? `json_agg(json_build_object(${object}) order by v.position, v.id)`
      : dialect === 'mysql'
        ? `json_arrayagg(json_object(${object}) order by v.position, v.id)`
        : `json_group_array(json_object(${object}) order by v.position, v.id)`;
  return `(select ${aggregate} from product_variants v where v.product_id = p.id) as variants_json`;
}

export function toVariantRow(r: Record<string, unknown>): VariantRow {
  return {
    id: r.id as string,
    product_id: r.product_id as string,
    sku: r.sku as string,
    price: Number(r.price),
    currency: r.currency as string,
    stock: Number(r.stock),
    low_stock_threshold: Number(r.low_stock_threshold),
    weight_grams: Number(r.weight_grams ?? 0),
    options: fromJson<Record<string, string>>(r.options),
    position: Number(r.position),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

/** A product row (or patch) as columns: JSON fields as text. */
export function productColumns(row: Partial<ProductRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const key of ['attributes', 'images', 'options'] as const) if (key in row) out[key] = toJson(row[key]);
  return out;
}

/** A variant row (or patch) as columns: JSON fields as text. */
export function variantColumns(row: Partial<VariantRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  if ('options' in row) out.options = toJson(row.options);
  return out;
}
