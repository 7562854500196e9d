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

/**
 * `PRODUCT_COLUMNS` as a select list for the hot reads (`productRecord`'s order). PostgreSQL prints
 * the timestamps as `toISOString()` text (milliseconds, truncated as the driver's Date is): pg's
 * parsing each into a Date and `toIso` printing it again cost ~1 µs a value, 40 on a list page.
 */
export function productSelect(dialect: Dialect): string {
  if (dialect !== 'postgres') return PRODUCT_COLUMNS.join(', ');
  return PRODUCT_COLUMNS.map((column) =>
    column.endsWith('_at') ? `${isoText(column)} as ${column.slice(2)}` : column,
  ).join(', ');
}

/** A PostgreSQL `timestamptz` column as `Date.prototype.toISOString()` writes it. */
function isoText(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The product column each list sort reads. */
export const SORT_COLUMNS = { price: 'p.min_price', name: 'p.name', created_at: 'p.created_at' } as const;

/**
 * A row read as values (`readRowArrays`: `PRODUCT_COLUMNS` in their order, then `variantsJson`'s
 * column) as the record `toProductRow` reads. Building it here costs less than the driver making
 * each row an object by its column names (better-sqlite3 sets every property through V8's C++ API).
 */
export function productRecord(values: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: values[0],
    slug: values[1],
    name: values[2],
    description: values[3],
    status: values[4],
    category_id: values[5],
    tax_class: values[6],
    attributes: values[7],
    images: values[8],
    options: values[9],
    currency: values[10],
    min_price: values[11],
    in_stock: values[12],
    created_at: values[13],
    updated_at: values[14],
    variants_text: undefined,
  };
  record.variants_text = values[15];
  return record;
}

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
  if (typeof r.variants_text === 'string') {
    // `variantsJson`'s "<stock>,<variants as the API's JSON array>": kept as text, parsed only when read.
    const text = r.variants_text;
    const comma = text.indexOf(',');
    row.variants_stock = Number(text.slice(0, comma));
    row.variants_json = text.slice(comma + 1);
  }
  return row;
}

/** The variant columns `toVariantRow` reads, in `toVariant`'s order (`variantsJson` writes them but `position`). */
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
 * The SQL of one variant field's JSON value, for the dialects that concatenate the text themselves:
 * `options` is stored JSON, numbers go as they are, timestamps and strings through the dialect's
 * ISO text and JSON quoting.
 */
function variantFieldText(
  isoString: (column: string) => string,
  quoted: (column: string) => string,
): (field: (typeof VARIANT_ANSWER)[number]) => string {
  return (field) =>
    field === 'options'
      ? 'v.options'
      : field === 'weight_grams'
        ? 'coalesce(v.weight_grams, 0)'
        : field.endsWith('_at')
          ? isoString(`v.${field}`)
          : ['price', 'stock', 'low_stock_threshold'].includes(field)
            ? `v.${field}`
            : quoted(`v.${field}`);
}

/**
 * A select-list column holding the variants of the row's product `p`, in the order `variantsOf`
 * reads them (position, then id), so a list page reads its products and their variants in one
 * statement. Put it only in a statement whose outer rows are the page's own (a correlated subquery
 * runs once per outer row).
 *
 * It is `variants_text`: the variants' total stock, a comma, then the
 * variants written as the API answers them — the exact text `JSON.stringify` gives for
 * `toVariant`'s objects (its fields in that order, `options` as the stored JSON object, timestamps
 * as stored: `toISOString()` text on SQLite, printed the same way from PostgreSQL's `timestamptz`).
 * `toProductRow` keeps it as text: the HTTP answer splices it in, a library caller's read parses it
 * (`listedProduct` in core). The databases escape strings in JSON as `JSON.stringify` does
 * (`"`, `\\`, `\b\f\n\r\t`, other control characters as lower-case `\u00xx`, everything else
 * as it is); `product-answer.test.ts` holds each to it with hostile names.
 *
 * MySQL/MariaDB write the same text with `concat` and `group_concat` (the session allows 1 MB).
 */
export function variantsJson(dialect: Dialect): string {
  if (dialect === 'sqlite') {
    const object = VARIANT_ANSWER.map(
      (field) =>
        `'${field}', ${field === 'options' ? 'json(v.options)' : field === 'weight_grams' ? 'coalesce(v.weight_grams, 0)' : `v.${field}`}`,
    ).join(', ');
    return `(select coalesce(sum(v.stock), 0) || ',' || json_group_array(json_object(${object}) order by v.position, v.id)
      from product_variants v where v.product_id = p.id) as variants_text`;
  }
  if (dialect === 'postgres') {
    const value = variantFieldText(
      (column) => `'"' || ${isoText(column)} || '"'`,
      (column) => `to_json(${column})::text`,
    );
    const object = VARIANT_ANSWER.map((field, i) => `'${i ? ',' : '{'}"${field}":' || ${value(field)}`).join(' || ');
    return `(select coalesce(sum(v.stock), 0) || ',[' || coalesce(string_agg(${object} || '}', ',' order by v.position, v.id), '') || ']'
      from product_variants v where v.product_id = p.id) as variants_text`;
  }
  // MySQL/MariaDB: JSON_OBJECT writes `{"a": 1}` (a space after each colon and comma), so the
  // text is concatenated. JSON_QUOTE escapes as JSON.stringify does except control characters
  // (upper-case hex), which ids, SKUs and currency codes never hold (their schemas).
  const value = variantFieldText(
    (column) => `'"', ${mysqlIsoText(column)}, '"'`,
    (column) => `json_quote(${column})`,
  );
  const object = VARIANT_ANSWER.map((field, i) => `'${i ? ',' : '{'}"${field}":', ${value(field)}`).join(', ');
  return `(select concat(coalesce(sum(v.stock), 0), ',[', coalesce(group_concat(concat(${object}, '}') order by v.position, v.id separator ','), ''), ']')
      from product_variants v where v.product_id = p.id) as variants_text`;
}

/** A MySQL/MariaDB `DATETIME(3)` column as `Date.prototype.toISOString()` writes it. */
function mysqlIsoText(column: string): string {
  return `left(date_format(${column}, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z'`;
}

/** A variant's fields as the API answers them (`toVariant`'s order; no `position`). */
const VARIANT_ANSWER = VARIANT_FIELDS.filter(
  (field): field is Exclude<(typeof VARIANT_FIELDS)[number], 'position'> => field !== 'position',
);

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
