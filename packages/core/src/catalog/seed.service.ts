import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import type { Config } from '../shared/config.js';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { CATALOG_TOKENS, type CategoryRepository, type ProductRepository, type ProductSearchIndex } from './ports.js';
import { catalogGenerator } from './seed.js';

/** Batches of a seed written at the same time (see `CatalogSeeder.seed`). */
const BATCHES_IN_FLIGHT = 2;

/** Options of `catalog.seed`: how many products, the PRNG seed and the batch size. */
export interface SeedOptions {
  /** How many products to generate. */
  products: number;
  /** Same seed, same catalog (ids aside). */
  seed?: number;
  /** Products per transaction (default 2,000). */
  batchSize?: number;
  /** Called after each batch with the products written so far. */
  onProgress?(done: number, total: number): void;
}

/** How many rows `catalog.seed` wrote. */
export interface SeedResult {
  categories: number;
  products: number;
  variants: number;
}

/** The demo catalog (`engine.catalog.seed`, `emporia catalog seed`): generated, batched, bulk-loaded when empty. */
@injectable()
export class CatalogSeeder {
  constructor(
    @inject(CATALOG_TOKENS.CategoryRepository) private readonly categories: CategoryRepository,
    @inject(CATALOG_TOKENS.ProductRepository) private readonly products: ProductRepository,
    @inject(CATALOG_TOKENS.ProductSearchIndex) private readonly search: ProductSearchIndex,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {}

  /** True when there is neither a category nor a product (the demo seed only fills an empty shop). */
  async isEmpty(ctx: Context): Promise<boolean> {
    if ((await this.categories.all(ctx)).length) return false;
    const { rows } = await this.products.list(ctx, {
      filter: {},
      sort: { key: 'created_at', descending: false },
      window: { kind: 'keyset', after: null, limit: 1 },
    });
    return rows.length === 0;
  }

  /**
   * Generates a realistic catalog (category tree, variants, prices, stock) in batched multi-row
   * inserts, one transaction per batch. Seeded stock is starting data: it has no movement rows.
   */
  async seed(ctx: Context, options: SeedOptions): Promise<SeedResult> {
    requirePermission(ctx, PERMISSIONS.categoryWrite);
    requirePermission(ctx, PERMISSIONS.productWrite);
    const total = options.products;
    if (!Number.isSafeInteger(total) || total < 0 || total > 10_000_000) {
      throw new ValidationError('Invalid seed size', [{ path: 'products', message: 'must be 0 … 10,000,000' }]);
    }
    const batchSize = options.batchSize ?? 2000;
    const generator = catalogGenerator({
      seed: options.seed ?? Date.now(),
      currency: this.config.currency,
      lowStockThreshold: this.config.lowStockThreshold,
      now: ctx.clock.now(),
      total,
    });
    // An earlier bulk seed killed half-way left its products without their secondary indexes and
    // search index: both are built back; with products there, the seed stops and says so.
    const interrupted = (await this.products.restoreInterruptedLoad(ctx)) > 0;
    const empty = await this.isEmpty(ctx);
    if (interrupted && !empty) {
      await this.unitOfWork.run(ctx, (tx) => this.search.rebuild(tx, { keepLoaded: true }));
      await this.products.refreshStatistics(ctx);
      throw new ConflictError(
        'An earlier seed into this catalog stopped before it finished: the products it wrote were kept, and their indexes and search index are now built back. Run the seed again to add products to them, or seed an empty database for a fresh catalog.',
      );
    }
    // Into an empty catalog the load runs without secondary indexes and the search index is built
    // once at the end: maintaining both row by row was most of the seeding time.
    const bulk = total > 0 && empty;
    await this.unitOfWork.run(ctx, async (tx) => {
      for (const category of generator.categories) await this.categories.insert(tx, category);
    });
    let variants = 0;
    options.onProgress?.(0, total);
    const slice = this.products.seedSlice;
    const loadInSlices = async () => {
      // One connection on this thread: each batch's transaction generates and writes its products
      // slice by slice (the generator's order, hence the catalog, is the same as a whole batch's).
      for (let from = 0; from < total; from += batchSize) {
        const count = Math.min(batchSize, total - from);
        const written = await this.unitOfWork.run(ctx, async (tx) => {
          let rows = 0;
          for (let at = from; at < from + count; at += slice!) {
            const part = generator.batch(at, Math.min(slice!, from + count - at));
            await this.products.insertMany(tx, part.products, part.variants);
            if (!bulk) {
              await this.search.reindex(
                tx,
                part.products.map((p) => p.id),
              );
            }
            rows += part.variants.length;
          }
          return rows;
        });
        variants += written;
        options.onProgress?.(from + count, total);
      }
    };
    const load = async () => {
      if (slice) return loadInSlices();
      // Batches overlap: while the database writes one, the next is generated and sent on
      // another connection (a store with one connection, SQLite, runs them one after the other).
      const inFlight: Array<Promise<void>> = [];
      let done = 0;
      let failure: { reason: unknown } | null = null;
      for (let from = 0; from < total && !failure; from += batchSize) {
        const batch = generator.batch(from, Math.min(batchSize, total - from));
        if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
        if (failure) break;
        const write = this.unitOfWork
          .run(ctx, async (tx) => {
            await this.products.insertMany(tx, batch.products, batch.variants);
            if (!bulk) {
              await this.search.reindex(
                tx,
                batch.products.map((p) => p.id),
              );
            }
          })
          .then(
            () => {
              variants += batch.variants.length;
              done += batch.products.length;
              options.onProgress?.(done, total);
            },
            (reason: unknown) => {
              failure ??= { reason };
            },
          );
        inFlight.push(write);
      }
      await Promise.all(inFlight);
      if (failure) throw (failure as { reason: unknown }).reason;
    };
    if (bulk) {
      await this.products.withoutSecondaryIndexes(ctx, load, () =>
        this.unitOfWork.run(ctx, (tx) => this.search.rebuild(tx, { keepLoaded: true })),
      );
    } else {
      await load();
    }
    await this.products.refreshStatistics(ctx);
    return { categories: generator.categories.length, products: total, variants };
  }
}
