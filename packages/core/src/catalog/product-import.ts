import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { productImportRowSchema, type ProductImportRow } from '../jobs/import.schemas.js';
import { requirePermission, type Context } from '../shared/context.js';
import { EmporiaError } from '../shared/errors.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import type { InventoryService } from './inventory.service.js';
import { CATALOG_TOKENS, type ProductRepository } from './ports.js';
import type { ProductService } from './product.service.js';
import type { VariantService } from './variant.service.js';

/** One CSV record as the parser gave it: its line in the file and its cells by column name. */
export interface ImportRecord {
  line: number;
  record: Record<string, string>;
}

/** What one batch of an import did; a bad row is an error with its line, the others go on. */
export interface ImportBatchOutcome {
  created: number;
  updated: number;
  errors: Array<{ line: number; sku: string | null; message: string }>;
}

interface KnownVariant {
  id: string;
  product_id: string;
}

/**
 * What an import report says about a failed row: the validation problems, or a database error's
 * reason only. knex prefixes the statement ("insert into … - "), which staff have no business seeing.
 */
export function importErrorMessage(err: unknown): string {
  if (err instanceof EmporiaError && err.errors?.length) {
    return err.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  }
  if (err instanceof EmporiaError) return err.message.split('\n')[0];
  const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const cut = text.indexOf(' - ');
  if (!/^\s*(insert|update|delete|select|with)\b/i.test(text)) return text;
  return cut >= 0 ? text.slice(cut + 3) : 'the database refused the row';
}

/**
 * The CSV import's rules (`engine.catalog.importProducts`): a row creates a product when its SKU is
 * new and otherwise changes only what it gives, stock set absolutely through `InventoryService`.
 * A batch is one transaction with a savepoint per row when the store offers savepoints (a bad row
 * rolls back alone, the batch commits once), else one transaction per row.
 */
@injectable()
export class ProductImporter {
  constructor(
    @inject(CATALOG_TOKENS.ProductRepository) private readonly products: ProductRepository,
    @inject(CATALOG_TOKENS.ProductService) private readonly productService: ProductService,
    @inject(CATALOG_TOKENS.VariantService) private readonly variants: VariantService,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: InventoryService,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Imports one batch of records (`product:write` and `inventory:write`). */
  async importBatch(ctx: Context, records: ImportRecord[]): Promise<ImportBatchOutcome> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    requirePermission(ctx, PERMISSIONS.inventoryWrite);
    const outcome: ImportBatchOutcome = { created: 0, updated: 0, errors: [] };
    const savepoint = this.unitOfWork.savepoint?.bind(this.unitOfWork);
    const rows: Array<{ line: number; row: ProductImportRow }> = [];
    for (const { line, record } of records) {
      const parsed = productImportRowSchema.safeParse(record);
      if (parsed.success) rows.push({ line, row: parsed.data });
      else
        outcome.errors.push({
          line,
          sku: record.sku?.trim() || null,
          message: parsed.error.issues.map((i) => i.message).join('; '),
        });
    }
    const importAll = async (tx: Context, each: (work: (row: Context) => Promise<void>) => Promise<void>) => {
      // One query per batch finds which SKUs exist already; rows of this batch join as they land.
      const known = new Map<string, KnownVariant>(
        (
          await this.products.variantsBySku(
            tx,
            rows.map((r) => r.row.sku),
          )
        ).map((v) => [v.sku, { id: v.id, product_id: v.product_id }]),
      );
      for (const { line, row } of rows) {
        const found = known.get(row.sku);
        try {
          let landed: KnownVariant = found as KnownVariant;
          await each(async (rowCtx) => {
            landed = found ? await this.updateRow(rowCtx, found, row) : await this.createRow(rowCtx, row);
          });
          known.set(row.sku, landed);
          if (found) outcome.updated++;
          else outcome.created++;
        } catch (err) {
          outcome.errors.push({ line, sku: row.sku, message: importErrorMessage(err) });
        }
      }
    };
    if (savepoint) {
      // The outcome is returned only once the batch has committed.
      await this.unitOfWork.run(ctx, (tx) => importAll(tx, (work) => savepoint(tx, work)));
      return outcome;
    }
    await importAll({ ...ctx, tx: undefined }, (work) => this.unitOfWork.run({ ...ctx, tx: undefined }, work));
    return outcome;
  }

  private async createRow(ctx: Context, row: ProductImportRow): Promise<KnownVariant> {
    if (row.name === undefined || row.price === undefined) {
      throw new Error(`a new SKU needs ${row.name === undefined ? 'a name' : 'a price'}`);
    }
    const product = await this.productService.createProduct(ctx, {
      name: row.name,
      sku: row.sku,
      price: row.price,
      stock: row.stock ?? 0,
      ...(row.description !== undefined ? { description: row.description } : {}),
      ...(row.status !== undefined ? { status: row.status } : {}),
      ...(row.currency !== undefined ? { currency: row.currency } : {}),
    });
    return { id: product.variants[0].id, product_id: product.id };
  }

  /** Changes only what the row gives, all in the row's transaction. */
  private async updateRow(ctx: Context, found: KnownVariant, row: ProductImportRow): Promise<KnownVariant> {
    const productChanges = {
      ...(row.name !== undefined ? { name: row.name } : {}),
      ...(row.description !== undefined ? { description: row.description } : {}),
      ...(row.status !== undefined ? { status: row.status } : {}),
    };
    if (Object.keys(productChanges).length) {
      await this.productService.updateProduct(ctx, found.product_id, productChanges);
    }
    if (row.price !== undefined)
      await this.variants.updateVariant(ctx, found.product_id, found.id, { price: row.price });
    if (row.stock !== undefined) {
      await this.inventory.setStock(ctx, found.product_id, found.id, row.stock, 'csv import');
    }
    return found;
  }
}
