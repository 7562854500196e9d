import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { MAX_IMPORT_OPTIONS, productImportRowSchema, type ProductImportRow } from '../jobs/import.schemas.js';
import { requirePermission, type Context } from '../shared/context.js';
import { EmporiaError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import type { InventoryService } from './inventory.service.js';
import { CATALOG_TOKENS, type CategoryRepository, type ProductRepository } from './ports.js';
import type { Category } from './schemas.js';
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

interface ParsedRow {
  line: number;
  row: ProductImportRow;
}

/** What the rows of a batch are imported as: a row alone, or every row of one product handle. */
type ImportUnit = { kind: 'row'; first: ParsedRow } | { kind: 'handle'; handle: string; rows: ParsedRow[] };

/** The product-level columns: on a handle's rows only its first row gives them. */
const PRODUCT_FIELDS = ['name', 'description', 'status', 'category', 'currency'] as const;

/** A row's option cells, by column pair (`option1_name`, `option1_value`, …). */
function optionCells(row: ProductImportRow): Array<{ name?: string; value?: string }> {
  return Array.from({ length: MAX_IMPORT_OPTIONS }, (_, i) => ({
    name: row[`option${i + 1}_name` as keyof ProductImportRow] as string | undefined,
    value: row[`option${i + 1}_value` as keyof ProductImportRow] as string | undefined,
  }));
}

/** `outdoor-gear` → `Outdoor gear`: the name of a category the import creates from its slug. */
function nameOfSlug(slug: string): string {
  const words = slug.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** As many values as an option may list (`productOptionSchema`). */
const MAX_OPTION_VALUES = 100;

/** A row-level problem: reported with the row's line, the other rows go on. */
class RowProblem extends Error {}

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
 * Rows with a `handle` are the variants of one product (the product's slug): the handle's first row
 * carries the product's fields and option names, each row is a variant; a new handle creates the
 * product with all its variants at once, a known one adds or updates variants by SKU. A `category`
 * slug path (`outdoor/tents`) puts the product in that category, creating missing ones parents first.
 * A batch is one transaction with a savepoint per row (per new product) when the store offers
 * savepoints (a bad row rolls back alone, the batch commits once), else one transaction per row.
 */
@injectable()
export class ProductImporter {
  constructor(
    @inject(CATALOG_TOKENS.ProductRepository) private readonly products: ProductRepository,
    @inject(CATALOG_TOKENS.ProductService) private readonly productService: ProductService,
    @inject(CATALOG_TOKENS.VariantService) private readonly variants: VariantService,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: InventoryService,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(CATALOG_TOKENS.CategoryRepository) private readonly categories: CategoryRepository,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  /**
   * Imports one batch of records (`product:write` and `inventory:write`; `category:write` when a
   * category must be created). A handle's rows are imported together only within one batch.
   */
  async importBatch(ctx: Context, records: ImportRecord[]): Promise<ImportBatchOutcome> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    requirePermission(ctx, PERMISSIONS.inventoryWrite);
    const outcome: ImportBatchOutcome = { created: 0, updated: 0, errors: [] };
    const savepoint = this.unitOfWork.savepoint?.bind(this.unitOfWork);
    const rows: ParsedRow[] = [];
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
    const units: ImportUnit[] = [];
    const byHandle = new Map<string, Extract<ImportUnit, { kind: 'handle' }>>();
    for (const parsed of rows) {
      const handle = parsed.row.handle;
      if (handle === undefined) units.push({ kind: 'row', first: parsed });
      else if (byHandle.has(handle)) byHandle.get(handle)?.rows.push(parsed);
      else {
        const unit = { kind: 'handle' as const, handle, rows: [parsed] };
        byHandle.set(handle, unit);
        units.push(unit);
      }
    }
    const fail = ({ line, row }: ParsedRow, err: unknown) =>
      outcome.errors.push({ line, sku: row.sku, message: importErrorMessage(err) });

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
      const categories = new Categories(this.categories, this.outbox);
      /** Runs one row's (or one new product's) work in its savepoint; the categories it made count once it lands. */
      const attempt = async (work: (rowCtx: Context) => Promise<void>): Promise<void> => {
        try {
          await each(work);
        } catch (err) {
          categories.settle();
          throw err;
        }
        categories.keep();
      };

      for (const unit of units) {
        if (unit.kind === 'row') {
          const { row } = unit.first;
          const found = known.get(row.sku);
          try {
            if (optionCells(row).some((o) => o.name !== undefined || o.value !== undefined)) {
              throw new RowProblem('option columns need a handle (the product the variant belongs to)');
            }
            let landed: KnownVariant = found as KnownVariant;
            await attempt(async (rowCtx) => {
              const categoryId = row.category && (await categories.idOf(rowCtx, row.category));
              landed = found
                ? await this.updateRow(rowCtx, found, row, categoryId)
                : await this.createRow(rowCtx, row, categoryId);
            });
            known.set(row.sku, landed);
            if (found) outcome.updated++;
            else outcome.created++;
          } catch (err) {
            fail(unit.first, err);
          }
          continue;
        }
        await this.importHandle(tx, unit, known, categories, attempt, outcome, fail);
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

  /** One handle's rows: a new product with every variant at once, or variants added to or updated in a known one. */
  private async importHandle(
    tx: Context,
    unit: Extract<ImportUnit, { kind: 'handle' }>,
    known: Map<string, KnownVariant>,
    categories: Categories,
    attempt: (work: (rowCtx: Context) => Promise<void>) => Promise<void>,
    outcome: ImportBatchOutcome,
    fail: (row: ParsedRow, err: unknown) => void,
  ): Promise<void> {
    const [first, ...rest] = unit.rows;
    const names = optionCells(first.row).map((o) => o.name);
    const usable: ParsedRow[] = [first];
    for (const parsed of rest) {
      const given = PRODUCT_FIELDS.filter(
        (f) => parsed.row[f] !== undefined && JSON.stringify(parsed.row[f]) !== JSON.stringify(first.row[f]),
      );
      const renamed = optionCells(parsed.row).some((o, i) => o.name !== undefined && o.name !== names[i]);
      if (given.length) {
        fail(
          parsed,
          new RowProblem(`${given.join(', ')}: product fields go on the first row of handle ${unit.handle}`),
        );
      } else if (renamed) {
        fail(parsed, new RowProblem(`option names go on the first row of handle ${unit.handle} and stay the same`));
      } else usable.push(parsed);
    }
    const optionsOf = ({ row }: ParsedRow): Record<string, string> => {
      const values: Record<string, string> = {};
      optionCells(row).forEach((o, i) => {
        const name = names[i];
        if (o.value === undefined) return;
        if (name === undefined)
          throw new RowProblem(`option${i + 1}_value needs option${i + 1}_name on the handle's first row`);
        values[name] = o.value;
      });
      return values;
    };

    const product = await this.products.find(tx, unit.handle);
    if (product && product.slug === unit.handle) {
      for (const parsed of usable) {
        const { row } = parsed;
        const found = known.get(row.sku);
        try {
          if (found && found.product_id !== product.id) {
            throw new RowProblem(`sku ${row.sku} belongs to another product, not to ${unit.handle}`);
          }
          const options = optionsOf(parsed);
          let landed: KnownVariant = found as KnownVariant;
          await attempt(async (rowCtx) => {
            if (parsed === first) {
              const categoryId = row.category && (await categories.idOf(rowCtx, row.category));
              await this.updateProductFields(rowCtx, product.id, row, categoryId);
            }
            // A value the product does not have yet (a new colour) joins its option's values.
            if (Object.keys(options).length) await this.widenOptions(rowCtx, product.id, options);
            if (found) {
              await this.updateVariantRow(rowCtx, found, row, Object.keys(options).length ? options : undefined);
              return;
            }
            if (row.price === undefined) throw new RowProblem('a new SKU needs a price');
            const variant = await this.variants.createVariant(rowCtx, product.id, {
              sku: row.sku,
              price: row.price,
              stock: row.stock ?? 0,
              options,
            });
            landed = { id: variant.id, product_id: product.id };
          });
          known.set(row.sku, landed);
          if (found) outcome.updated++;
          else outcome.created++;
        } catch (err) {
          fail(parsed, err);
        }
      }
      return;
    }

    // A new product: every usable row is one of its variants, created together.
    if (first.row.name === undefined) {
      for (const parsed of usable)
        fail(parsed, new RowProblem(`handle ${unit.handle} is new: its first row needs a name`));
      return;
    }
    const variants: Array<{ parsed: ParsedRow; options: Record<string, string> }> = [];
    const skus = new Set<string>();
    for (const parsed of usable) {
      try {
        if (known.has(parsed.row.sku)) throw new RowProblem(`sku ${parsed.row.sku} belongs to another product`);
        if (skus.has(parsed.row.sku))
          throw new RowProblem(`sku ${parsed.row.sku} appears twice for handle ${unit.handle}`);
        if (parsed.row.price === undefined) throw new RowProblem('a new SKU needs a price');
        const options = optionsOf(parsed);
        const missing = names.filter((n) => n !== undefined && options[n] === undefined);
        if (missing.length) throw new RowProblem(`a value for option ${missing.join(', ')} is needed`);
        skus.add(parsed.row.sku);
        variants.push({ parsed, options });
      } catch (err) {
        fail(parsed, err);
      }
    }
    if (!variants.length) return;
    const declared = names.filter((n): n is string => n !== undefined);
    const { row } = first;
    try {
      let created: { id: string; variants: Array<{ id: string; sku: string }> } | undefined;
      await attempt(async (rowCtx) => {
        const categoryId = row.category && (await categories.idOf(rowCtx, row.category));
        created = await this.productService.createProduct(rowCtx, {
          name: row.name as string,
          slug: unit.handle,
          ...(row.description !== undefined ? { description: row.description } : {}),
          ...(row.status !== undefined ? { status: row.status } : {}),
          ...(row.currency !== undefined ? { currency: row.currency } : {}),
          ...(categoryId ? { category_id: categoryId } : {}),
          ...(declared.length
            ? {
                options: declared.map((name) => ({ name, values: [...new Set(variants.map((v) => v.options[name]))] })),
              }
            : {}),
          variants: variants.map(({ parsed, options }) => ({
            sku: parsed.row.sku,
            price: parsed.row.price as number,
            stock: parsed.row.stock ?? 0,
            options,
          })),
        });
      });
      for (const v of created?.variants ?? []) known.set(v.sku, { id: v.id, product_id: created?.id as string });
      outcome.created += variants.length;
    } catch (err) {
      for (const { parsed } of variants) fail(parsed, err);
    }
  }

  /** Adds the values a row gives that the product's options do not list yet. */
  private async widenOptions(ctx: Context, productId: string, values: Record<string, string>): Promise<void> {
    const current = await this.products.find(ctx, productId);
    if (!current) return;
    let changed = false;
    const options = current.options.map((o) => {
      const value = values[o.name];
      if (value === undefined || o.values.includes(value)) return o;
      if (o.values.length >= MAX_OPTION_VALUES)
        throw new RowProblem(`option ${o.name} has ${MAX_OPTION_VALUES} values already`);
      changed = true;
      return { ...o, values: [...o.values, value] };
    });
    if (changed) await this.products.update(ctx, productId, { options, updated_at: ctx.clock.now().toISOString() });
  }

  private async createRow(ctx: Context, row: ProductImportRow, categoryId?: string): Promise<KnownVariant> {
    if (row.name === undefined || row.price === undefined) {
      throw new RowProblem(`a new SKU needs ${row.name === undefined ? 'a name' : 'a price'}`);
    }
    const product = await this.productService.createProduct(ctx, {
      name: row.name,
      sku: row.sku,
      price: row.price,
      stock: row.stock ?? 0,
      ...(row.description !== undefined ? { description: row.description } : {}),
      ...(row.status !== undefined ? { status: row.status } : {}),
      ...(row.currency !== undefined ? { currency: row.currency } : {}),
      ...(categoryId ? { category_id: categoryId } : {}),
    });
    return { id: product.variants[0].id, product_id: product.id };
  }

  /** Changes only what the row gives, all in the row's transaction. */
  private async updateRow(
    ctx: Context,
    found: KnownVariant,
    row: ProductImportRow,
    categoryId?: string,
  ): Promise<KnownVariant> {
    await this.updateProductFields(ctx, found.product_id, row, categoryId);
    await this.updateVariantRow(ctx, found, row);
    return found;
  }

  private async updateProductFields(
    ctx: Context,
    productId: string,
    row: ProductImportRow,
    categoryId?: string,
  ): Promise<void> {
    const productChanges = {
      ...(row.name !== undefined ? { name: row.name } : {}),
      ...(row.description !== undefined ? { description: row.description } : {}),
      ...(row.status !== undefined ? { status: row.status } : {}),
      ...(categoryId ? { category_id: categoryId } : {}),
    };
    if (Object.keys(productChanges).length) {
      await this.productService.updateProduct(ctx, productId, productChanges);
    }
  }

  private async updateVariantRow(
    ctx: Context,
    found: KnownVariant,
    row: ProductImportRow,
    options?: Record<string, string>,
  ): Promise<void> {
    if (row.price !== undefined || options !== undefined) {
      await this.variants.updateVariant(ctx, found.product_id, found.id, {
        ...(row.price !== undefined ? { price: row.price } : {}),
        ...(options !== undefined ? { options } : {}),
      });
    }
    if (row.stock !== undefined) {
      await this.inventory.setStock(ctx, found.product_id, found.id, row.stock, 'csv import');
    }
  }
}

/**
 * The categories of one batch by slug. A path is walked parents first; a missing category is
 * created (concurrency-safe: `insertIfAbsent`) and counts for later rows only once its row has
 * landed (`keep`), since a failed row's savepoint takes it back.
 */
class Categories {
  private readonly landed = new Map<string, Category>();
  private pending = new Map<string, Category>();

  constructor(
    private readonly repository: CategoryRepository,
    private readonly outbox: EventOutbox,
  ) {}

  async idOf(ctx: Context, path: string[]): Promise<string> {
    let parent: Category | null = null;
    for (const slug of path) {
      let category = this.pending.get(slug) ?? this.landed.get(slug) ?? null;
      if (!category) {
        const stored = await this.repository.find(ctx, slug);
        if (stored && stored.slug === slug) {
          category = stored;
          this.landed.set(slug, stored);
        } else {
          requirePermission(ctx, PERMISSIONS.categoryWrite);
          const now = ctx.clock.now().toISOString();
          const id = newId();
          category = await this.repository.insertIfAbsent(ctx, {
            id,
            parent_id: parent?.id ?? null,
            slug,
            name: nameOfSlug(slug),
            description: '',
            position: 0,
            created_at: now,
            updated_at: now,
          });
          // Ours unless a concurrent import made it first (which recorded its own event).
          if (category.id === id) {
            await this.outbox.record(ctx, 'category.created', { category_id: id, slug: category.slug });
          }
          this.pending.set(slug, category);
        }
      }
      if (category.parent_id !== (parent?.id ?? null)) {
        throw new RowProblem(
          `category ${slug} already exists ${category.parent_id ? 'under another parent' : 'at the top level'}, not ${parent ? `under ${parent.slug}` : 'at the top level'}`,
        );
      }
      parent = category;
    }
    return (parent as Category).id;
  }

  /** The row landed: the categories it created are there for later rows. */
  keep(): void {
    for (const [slug, c] of this.pending) this.landed.set(slug, c);
    this.pending = new Map();
  }

  /** The row failed: what it created is forgotten (its savepoint rolled back). */
  settle(): void {
    this.pending = new Map();
  }
}
