import {
  PRODUCT_IMPORT_COLUMNS,
  PRODUCT_IMPORT_JOB,
  productImportRowSchema,
  EmporiaError,
  type Context,
  type Engine,
  type JobExecution,
  type ProductImportResult,
  type ProductImportRow,
  type Transaction,
} from '@emporia/core';
import { parse, CsvError } from 'csv-parse/sync';
import type { KnexStore } from '../knex/store.js';

const BATCH = 100;
const MAX_REPORTED_ERRORS = 1000;

interface ExistingVariant {
  id: string;
  product_id: string;
  sku: string;
  stock: number;
}

/**
 * The `import.products` job: CSV rows create or update products by SKU, each row in its own
 * transaction, so a bad row is reported (with its line) and the others go on.
 */
export function registerProductImport(engine: Engine): void {
  engine.jobs.handle<{ csv: string }>(PRODUCT_IMPORT_JOB, (payload, run) => importProducts(engine, payload.csv, run));
}

export function rowErrorMessage(err: unknown): string {
  if (err instanceof EmporiaError && err.errors?.length) {
    return err.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  }
  if (err instanceof EmporiaError) return err.message.split('\n')[0];
  // A database error: the driver's reason only. knex prefixes the statement ("insert into … - "),
  // which staff reading the import report have no business seeing.
  const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const cut = text.indexOf(' - ');
  return /^\s*(insert|update|delete|select|with)\b/i.test(text)
    ? cut >= 0
      ? text.slice(cut + 3)
      : 'the database refused the row'
    : text;
}

/** Runs an import now, in this process (the job handler, and `emporia import products`). */
export async function importProducts(
  engine: Engine,
  csv: string,
  run: Pick<JobExecution, 'ctx' | 'progress'>,
): Promise<ProductImportResult> {
  const knex = (engine.store as KnexStore).knex;
  const result: ProductImportResult = { rows: 0, created: 0, updated: 0, failed: 0, errors: [] };
  const fail = (line: number, sku: string | null, why: string) => {
    result.failed++;
    if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push({ line, sku, message: why });
  };

  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(csv, {
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim().toLowerCase());
        const unknown = names.filter((n) => !(PRODUCT_IMPORT_COLUMNS as readonly string[]).includes(n));
        if (unknown.length)
          throw new Error(`unknown column(s) ${unknown.join(', ')}; expected ${PRODUCT_IMPORT_COLUMNS.join(',')}`);
        if (!names.includes('sku')) throw new Error('the header has no sku column');
        return names;
      },
      skip_empty_lines: true,
      info: true,
      // A malformed row (wrong cell count, stray quote) is skipped and reported; the rest go on.
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        if (err) fail(Number(err.lines ?? 0), null, err.message);
      },
    }) as typeof records;
  } catch (err) {
    fail(1, null, rowErrorMessage(err));
    return result;
  }
  // Malformed lines the parser skipped are rows too.
  result.rows = records.length + result.failed;

  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const skus = batch.map((r) => (r.record.sku ?? '').trim()).filter(Boolean);
    // One query per batch finds which SKUs exist already.
    const existing = new Map<string, ExistingVariant>(
      (
        (await knex('product_variants')
          .whereIn('sku', skus)
          .select('id', 'product_id', 'sku', 'stock')) as ExistingVariant[]
      ).map((v) => [v.sku, { ...v, stock: Number(v.stock) }]),
    );
    // One transaction per batch, one savepoint per row: a bad row rolls back alone, and the batch
    // commits once (a commit per row made the import fsync-bound). Counts apply after the commit.
    const outcome = { created: 0, updated: 0, errors: [] as Array<[number, string | null, string]> };
    const touched = new Map<string, ExistingVariant>();
    await knex.transaction(async (trx) => {
      for (const { record, info } of batch) {
        const line = info.lines;
        const parsed = productImportRowSchema.safeParse(record);
        if (!parsed.success) {
          outcome.errors.push([line, record.sku?.trim() || null, parsed.error.issues.map((i) => i.message).join('; ')]);
          continue;
        }
        const row = parsed.data;
        const found = touched.get(row.sku) ?? existing.get(row.sku);
        try {
          const next = await trx.transaction(async (savepoint) => {
            const ctx: Context = { ...run.ctx, tx: savepoint as unknown as Transaction };
            if (found) return updateRow(engine, ctx, found, row);
            const product = await createRow(engine, ctx, row);
            const variant = product.variants[0];
            return { id: variant.id, product_id: product.id, sku: row.sku, stock: variant.stock };
          });
          touched.set(row.sku, next);
          if (found) outcome.updated++;
          else outcome.created++;
        } catch (err) {
          outcome.errors.push([line, row.sku, rowErrorMessage(err)]);
        }
      }
    });
    result.created += outcome.created;
    result.updated += outcome.updated;
    for (const [line, sku, why] of outcome.errors) fail(line, sku, why);
    await run.progress(start + batch.length, records.length);
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

async function createRow(engine: Engine, ctx: Context, row: ProductImportRow) {
  if (row.name === undefined || row.price === undefined) {
    throw new Error(`a new SKU needs ${row.name === undefined ? 'a name' : 'a price'}`);
  }
  return engine.catalog.createProduct(ctx, {
    name: row.name,
    sku: row.sku,
    price: row.price,
    stock: row.stock ?? 0,
    ...(row.description !== undefined ? { description: row.description } : {}),
    ...(row.status !== undefined ? { status: row.status } : {}),
    ...(row.currency !== undefined ? { currency: row.currency } : {}),
  });
}

/** Changes only what the row gives, all in the row's transaction; returns the variant as it now is. */
async function updateRow(
  engine: Engine,
  ctx: Context,
  found: ExistingVariant,
  row: ProductImportRow,
): Promise<ExistingVariant> {
  await engine.store.unitOfWork.run(ctx, async (tx) => {
    const productChanges = {
      ...(row.name !== undefined ? { name: row.name } : {}),
      ...(row.description !== undefined ? { description: row.description } : {}),
      ...(row.status !== undefined ? { status: row.status } : {}),
    };
    if (Object.keys(productChanges).length) await engine.catalog.updateProduct(tx, found.product_id, productChanges);
    if (row.price !== undefined)
      await engine.catalog.updateVariant(tx, found.product_id, found.id, { price: row.price });
    if (row.stock !== undefined && row.stock !== found.stock) {
      await engine.inventory.adjustStock(tx, found.product_id, found.id, {
        delta: row.stock - found.stock,
        reason: 'csv import',
      });
    }
  });
  return row.stock === undefined ? found : { ...found, stock: row.stock };
}
