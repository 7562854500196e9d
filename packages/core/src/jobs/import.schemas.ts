import { z } from 'zod';
import { MAX_ERROR_TEXT, text } from '../shared/input.js';
import { PRODUCT_STATUSES } from '../catalog/schemas.js';

/**
 * The job type `jobs.startProductImport` queues. `createDefaultEngine` registers its handler;
 * an engine built with `createEngine` registers one itself (`engine.jobs.handle`).
 */
export const PRODUCT_IMPORT_JOB = 'import.products';
/** Largest CSV accepted for one import (bytes). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** CSV columns, in the documented order (docs/csv-import.md). Only `sku` is required. */
export const PRODUCT_IMPORT_COLUMNS = [
  'handle',
  'sku',
  'name',
  'description',
  'status',
  'category',
  'price',
  'currency',
  'stock',
  'option1_name',
  'option1_value',
  'option2_name',
  'option2_value',
  'option3_name',
  'option3_value',
] as const;
/** How many `optionN_name`/`optionN_value` column pairs a file may have. */
export const MAX_IMPORT_OPTIONS = 3;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SLUG_RULE = 'lower-case letters, digits and single hyphens';

/**
 * What is wrong with a CSV's header row (unknown columns, no `sku` column), or null. Only the first
 * non-blank line is read, so it is cheap on a large file; the job checks the parsed header again.
 */
export function importHeaderProblem(csv: string): string | null {
  const first = csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  if (first === undefined) return 'the file has no rows';
  const names = first.split(',').map((h) =>
    h
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim()
      .toLowerCase(),
  );
  const unknown = names.filter((n) => !(PRODUCT_IMPORT_COLUMNS as readonly string[]).includes(n));
  if (unknown.length) return `unknown column(s) ${unknown.join(', ')}; expected ${PRODUCT_IMPORT_COLUMNS.join(',')}`;
  if (!names.includes('sku')) return 'the header has no sku column';
  return null;
}

const blankIsMissing = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const wholeNumber = (what: string) =>
  z.preprocess(
    blankIsMissing,
    z
      .string()
      .trim()
      .regex(/^\d+$/, `${what} must be a whole number`)
      .transform(Number)
      .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER))
      .optional(),
  );

const optionCell = (max: number) => z.preprocess(blankIsMissing, text().trim().max(max).optional());

/** One CSV row: strings in, typed values out; blank cells mean "leave as it is". */
export const productImportRowSchema = z.object({
  handle: z.preprocess(
    blankIsMissing,
    text().trim().max(200).regex(SLUG, `handle must be a product slug (${SLUG_RULE})`).optional(),
  ),
  sku: text().trim().min(1, 'sku is required').max(64),
  name: z.preprocess(blankIsMissing, text().trim().max(200).optional()),
  description: z.preprocess(blankIsMissing, text({ multiline: true }).max(10_000).optional()),
  status: z.preprocess(blankIsMissing, z.enum(PRODUCT_STATUSES).optional()),
  price: wholeNumber('price (minor units, e.g. 1999 for 19.99)'),
  currency: z.preprocess(
    blankIsMissing,
    z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'currency must be an ISO 4217 code like USD')
      .transform((c) => c.toUpperCase())
      .optional(),
  ),
  stock: wholeNumber('stock'),
  category: z.preprocess(
    blankIsMissing,
    text()
      .trim()
      .max(1000)
      .transform((path) => path.split('/').map((segment) => segment.trim()))
      .pipe(
        z
          .array(z.string().regex(SLUG, `category must be a path of slugs like outdoor/tents (${SLUG_RULE})`))
          .max(10, 'category paths are at most 10 deep'),
      )
      .optional(),
  ),
  option1_name: optionCell(50),
  option1_value: optionCell(100),
  option2_name: optionCell(50),
  option2_value: optionCell(100),
  option3_name: optionCell(50),
  option3_value: optionCell(100),
});
/** One parsed CSV row (see {@link productImportRowSchema}). */
export type ProductImportRow = z.output<typeof productImportRowSchema>;

/** The result of an import job (`GET /api/jobs/{id}` → `result`). */
export const productImportResultSchema = z
  .object({
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.number().int(),
    /** Up to 1000 problems, each with its line in the file (the header is line 1). */
    errors: z
      .array(
        z.object({
          line: z.number().int(),
          sku: z.string().max(200).nullable(),
          message: z.string().max(MAX_ERROR_TEXT),
        }),
      )
      .max(1000),
  })
  .meta({ id: 'ProductImportResult' });
/** The result of an import job (see {@link productImportResultSchema}). */
export type ProductImportResult = z.infer<typeof productImportResultSchema>;
