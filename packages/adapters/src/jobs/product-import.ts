import {
  PRODUCT_IMPORT_COLUMNS,
  PRODUCT_IMPORT_JOB,
  errorText,
  importErrorMessage,
  type Engine,
  type JobExecution,
  type ProductImportResult,
  ValidationError,
} from '@emporia/core';
import type { CsvError } from 'csv-parse/sync';

const BATCH = 100;
const MAX_REPORTED_ERRORS = 1000;

/**
 * The `import.products` job: parses the CSV and hands it to `engine.catalog.importBatch` in
 * batches of about 100 (a handle's rows together); a bad row is reported (with its line) and the others go on. A file-level problem
 * (unknown or missing columns) throws a `ValidationError`, so the job ends `dead` with the reason.
 */
export function registerProductImport(engine: Engine): void {
  engine.jobs.handle<{ csv: string }>(PRODUCT_IMPORT_JOB, (payload, run) => importProducts(engine, payload.csv, run));
}

/** Runs an import now, in this process (the job handler, and `emporia import products`). */
export async function importProducts(
  engine: Engine,
  csv: string,
  run: Pick<JobExecution, 'ctx' | 'progress'>,
): Promise<ProductImportResult> {
  const result: ProductImportResult = { rows: 0, created: 0, updated: 0, failed: 0, errors: [] };
  const fail = (line: number, sku: string | null, why: string) => {
    result.failed++;
    // A hostile file's cell is cut to what the result declares (`sku` 200, `message` MAX_ERROR_TEXT).
    if (result.errors.length < MAX_REPORTED_ERRORS)
      result.errors.push({ line, sku: sku === null ? null : sku.slice(0, 200), message: errorText(why) });
  };

  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  // The parser loads on the first import, not at every start of a server that may never import.
  const { parse } = await import('csv-parse/sync');
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
    // A file-level problem (unknown or missing columns) fails the whole job, with the reason as its error.
    throw new ValidationError(`CSV rejected: ${importErrorMessage(err)}`, [
      { path: 'body', message: importErrorMessage(err) },
    ]);
  }
  // Malformed lines the parser skipped are rows too.
  result.rows = records.length + result.failed;

  let done = 0;
  for (const batch of batchesOf(records)) {
    // The rules (create or update by SKU, stock set absolutely, handles, categories) are the catalog's, in core.
    const outcome = await engine.catalog.importBatch(
      run.ctx,
      batch.map(({ record, info }) => ({ line: info.lines, record })),
    );
    result.created += outcome.created;
    result.updated += outcome.updated;
    for (const { line, sku, message: why } of outcome.errors) fail(line, sku, why);
    done += batch.length;
    await run.progress(done, records.length);
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * Batches of about `BATCH` rows in file order, except that every row of one `handle` joins the
 * batch of the handle's first row: a new product is created with all its variants at once.
 */
function batchesOf<T extends { record: Record<string, string> }>(records: T[]): T[][] {
  const groups: T[][] = [];
  const byHandle = new Map<string, T[]>();
  for (const r of records) {
    const handle = r.record.handle?.trim();
    const group = handle ? byHandle.get(handle) : undefined;
    if (group) group.push(r);
    else {
      const fresh = [r];
      if (handle) byHandle.set(handle, fresh);
      groups.push(fresh);
    }
  }
  const batches: T[][] = [];
  let current: T[] = [];
  for (const group of groups) {
    if (current.length && current.length + group.length > BATCH) {
      batches.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length) batches.push(current);
  return batches;
}
