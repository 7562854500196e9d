import { inject, injectable } from 'inversify';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { actorUserId, requirePermission, type Context } from '../shared/context.js';
import { AmountTooLargeError, NotFoundError, OutOfStockError, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { PERMISSIONS } from '../identity/permissions.js';
import { CATALOG_TOKENS, type InventoryRepository, type SaleVariantRow, type StockChange } from './ports.js';
import {
  MAX_MOVEMENTS,
  MAX_STOCK,
  stockAdjustmentSchema,
  type ProductOption,
  type StockAdjustmentInput,
  type StockMovement,
} from './schemas.js';
import { parseInput } from '../shared/validation.js';

/** What an order line needs to know about a variant at the moment of sale. */
export interface SaleVariant {
  id: string;
  product_id: string;
  sku: string;
  /** The product name, plus " (Red / L)" when the product has several variants. */
  name: string;
  price: number;
  currency: string;
  stock: number;
  is_published: boolean;
  /** The product's category and tax class, which promotions and tax look at. */
  category_id: string | null;
  tax_class: string;
  /** Shipping weight of one unit, in grams. */
  weight_grams: number;
}

/** A quantity of one variant, as `inventory.takeStock` and `returnStock` move it. */
export interface StockLine {
  variant_id: string;
  quantity: number;
}

/** "Red / L" from a variant's option values, in the order of the product's options. */
export function optionLabel(productOptions: ProductOption[], values: Record<string, string>): string {
  const ordered = productOptions.map((o) => values[o.name]).filter((v): v is string => v !== undefined);
  const extra = Object.keys(values)
    .filter((k) => !productOptions.some((o) => o.name === k))
    .map((k) => values[k]);
  return [...ordered, ...extra].join(' / ');
}

function saleVariantOf(row: SaleVariantRow): SaleVariant {
  const label = row.variant_count > 1 ? optionLabel(row.product_options, row.options) : '';
  return {
    id: row.id,
    product_id: row.product_id,
    sku: row.sku,
    name: label ? `${row.product_name} (${label})` : row.product_name,
    price: row.price,
    currency: row.currency,
    stock: row.stock,
    is_published: row.product_status === 'published',
    category_id: row.category_id,
    tax_class: row.tax_class,
    weight_grams: row.weight_grams,
  };
}

/**
 * Merges duplicate variant lines and sorts by variant id: every transaction then locks variant
 * rows in the same order, so concurrent checkouts never deadlock on PostgreSQL.
 */
function normalizeLines(lines: StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  lines.forEach((line, i) => {
    if (typeof line.variant_id !== 'string' || line.variant_id === '') {
      throw new ValidationError('Invalid stock line', [{ path: `lines.${i}.variant_id`, message: 'required' }]);
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_STOCK) {
      throw new ValidationError('Invalid stock line', [
        { path: `lines.${i}.quantity`, message: 'must be a positive whole number' },
      ]);
    }
    merged.set(line.variant_id, (merged.get(line.variant_id) ?? 0) + line.quantity);
  });
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([variant_id, quantity]) => ({ variant_id, quantity }));
}

function requireTransaction(ctx: Context, what: string): void {
  if (!ctx.tx) throw new Error(`${what} must run inside a unit of work (ctx.tx is not set)`);
}

/**
 * What `engine.inventory` offers: staff adjustments, absolute sets and the movement log, each
 * permission-checked. The sale-time moves (`getSaleVariants`, `takeStock`, `returnStock`) are
 * internal: cart, checkout and cancellation call them inside their own rules and transactions.
 */
export type StockAdministration = Pick<InventoryService, 'adjustStock' | 'setStock' | 'listMovements'>;

/**
 * Stock: sale lookups for orders, conditional decrements and returns, staff adjustments, the
 * movement log and low-stock events. Stock never goes negative: every change is one conditional
 * UPDATE whose row count decides, backed by a CHECK constraint.
 */
@injectable()
export class InventoryService {
  constructor(
    @inject(CATALOG_TOKENS.InventoryRepository) private readonly repo: InventoryRepository,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  /** The variants with these ids in one query; unknown ids are simply absent. */
  async getSaleVariants(ctx: Context, variantIds: string[]): Promise<SaleVariant[]> {
    const ids = [...new Set(variantIds.filter((id) => typeof id === 'string' && id !== ''))];
    if (ids.length === 0) return [];
    return (await this.repo.saleVariants(ctx, ids)).map(saleVariantOf);
  }

  /** A variant id from `variant_id`, or from `product_id` when that product has exactly one variant. */
  async resolveVariantId(ctx: Context, ref: { variant_id?: string; product_id?: string }): Promise<string> {
    if (ref.variant_id) {
      if (!(await this.repo.variantExists(ctx, ref.variant_id))) {
        throw new NotFoundError(`Variant ${ref.variant_id} not found`);
      }
      return ref.variant_id;
    }
    if (!ref.product_id) {
      throw new ValidationError('Give variant_id or product_id', [
        { path: 'variant_id', message: 'variant_id or product_id is required' },
      ]);
    }
    const ids = await this.repo.variantIdsOf(ctx, ref.product_id, 2);
    if (ids === null || ids.length === 0) throw new NotFoundError(`Product ${ref.product_id} not found`);
    if (ids.length > 1) {
      throw new ValidationError('This product has several variants', [
        { path: 'variant_id', message: 'the product has several variants: give variant_id' },
      ]);
    }
    return ids[0];
  }

  /**
   * Takes stock for a sale inside the caller's transaction. Any short line makes it throw
   * OutOfStockError with the SKUs of every short line; the caller's rollback undoes the rest.
   */
  async takeStock(ctx: Context, lines: StockLine[], reason: string, reference?: string): Promise<void> {
    requireTransaction(ctx, 'takeStock');
    const changes: Array<{ line: StockLine; change: StockChange }> = [];
    const short: string[] = [];
    for (const line of normalizeLines(lines)) {
      const change = await this.repo.changeStock(ctx, line.variant_id, -line.quantity);
      if (change) changes.push({ line, change });
      else short.push(line.variant_id);
    }
    if (short.length) {
      const known = await this.repo.saleVariants(ctx, short);
      const missing = short.filter((id) => !known.some((v) => v.id === id));
      if (missing.length) throw new NotFoundError(`Variant ${missing.join(', ')} not found`);
      throw new OutOfStockError(short.map((id) => known.find((v) => v.id === id)!.sku));
    }
    await this.afterChanges(
      ctx,
      changes.map(({ line, change }) => ({ change, delta: -line.quantity })),
      reason,
      reference,
    );
  }

  /** Puts stock back (a cancelled order, a return) inside the caller's transaction. */
  async returnStock(ctx: Context, lines: StockLine[], reason: string, reference?: string): Promise<void> {
    requireTransaction(ctx, 'returnStock');
    const changes: Array<{ change: StockChange; delta: number }> = [];
    for (const line of normalizeLines(lines)) {
      const change = await this.repo.changeStock(ctx, line.variant_id, line.quantity);
      if (!change) throw new NotFoundError(`Variant ${line.variant_id} not found`);
      changes.push({ change, delta: line.quantity });
    }
    await this.afterChanges(ctx, changes, reason, reference);
  }

  /** A staff adjustment of one variant's stock by a delta, with a reason (`POST …/stock`). */
  async adjustStock(
    ctx: Context,
    productId: string,
    variantId: string,
    input: StockAdjustmentInput,
  ): Promise<StockMovement> {
    requirePermission(ctx, PERMISSIONS.inventoryWrite);
    const { delta, reason, reference } = parseInput(stockAdjustmentSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const [variant] = await this.repo.saleVariants(tx, [variantId]);
      if (!variant || variant.product_id !== productId) throw new NotFoundError(`Variant ${variantId} not found`);
      const change = await this.repo.changeStock(tx, variantId, delta);
      if (!change && delta > 0) {
        throw new AmountTooLargeError(`The stock of ${variant.sku} would pass the largest stock (${MAX_STOCK})`);
      }
      if (!change) throw new OutOfStockError([variant.sku]);
      const [movement] = await this.afterChanges(tx, [{ change, delta }], reason, reference);
      return movement;
    });
  }

  /**
   * Sets one variant's stock to `stock` (`inventory:write`), inside the caller's transaction when
   * there is one (the CSV import's row). The variant row is locked first, so a sale committing in
   * between waits instead of being overwritten by a stale difference: "stock = N" lands at N.
   * Returns the movement, or null when the stock was already N.
   */
  async setStock(
    ctx: Context,
    productId: string,
    variantId: string,
    stock: number,
    reason: string,
  ): Promise<StockMovement | null> {
    requirePermission(ctx, PERMISSIONS.inventoryWrite);
    if (!Number.isSafeInteger(stock) || stock < 0) {
      throw new ValidationError('Invalid stock', [{ path: 'stock', message: 'must be a whole number, 0 or more' }]);
    }
    return this.unitOfWork.run(ctx, async (tx) => {
      // Adding 0 takes the row lock and reads the stock as it is under that lock.
      const current = await this.repo.changeStock(tx, variantId, 0);
      if (!current || current.product_id !== productId) throw new NotFoundError(`Variant ${variantId} not found`);
      const delta = stock - current.stock;
      if (delta === 0) return null;
      const change = await this.repo.changeStock(tx, variantId, delta);
      if (!change) throw new OutOfStockError([current.sku]);
      const [movement] = await this.afterChanges(tx, [{ change, delta }], reason, undefined);
      return movement;
    });
  }

  /**
   * The "initial stock" movements of variants just created with stock, inside the creating
   * transaction (catalog writes them through here: stock changes have one owner).
   */
  async recordInitialStock(
    ctx: Context,
    variants: ReadonlyArray<{ id: string; product_id: string; stock: number }>,
  ): Promise<void> {
    requireTransaction(ctx, 'recordInitialStock');
    const now = ctx.clock.now().toISOString();
    await this.repo.recordMovements(
      ctx,
      variants
        .filter((v) => v.stock > 0)
        .map((v) => ({
          id: newId(),
          variant_id: v.id,
          product_id: v.product_id,
          delta: v.stock,
          stock_after: v.stock,
          reason: 'initial stock',
          reference: null,
          actor_id: actorUserId(ctx),
          created_at: now,
        })),
    );
  }

  /** The latest stock movements of a variant, newest first. */
  async listMovements(
    ctx: Context,
    productId: string,
    variantId: string,
    limit = MAX_MOVEMENTS,
  ): Promise<StockMovement[]> {
    requirePermission(ctx, PERMISSIONS.inventoryWrite);
    const [variant] = await this.repo.saleVariants(ctx, [variantId]);
    if (!variant || variant.product_id !== productId) throw new NotFoundError(`Variant ${variantId} not found`);
    return this.repo.movements(ctx, variantId, limit);
  }

  /**
   * The movement log, the products' in-stock flags (after every variant row, in id order, so lock
   * order stays consistent) and one `stock.low` per downward crossing of the threshold.
   */
  private async afterChanges(
    ctx: Context,
    changes: Array<{ change: StockChange; delta: number }>,
    reason: string,
    reference: string | undefined,
  ): Promise<StockMovement[]> {
    if (changes.length === 0) return [];
    const now = ctx.clock.now().toISOString();
    const movements: StockMovement[] = changes.map(({ change, delta }) => ({
      id: newId(),
      variant_id: change.variant_id,
      product_id: change.product_id,
      delta,
      stock_after: change.stock,
      reason: String(reason).slice(0, 200),
      reference: reference === undefined ? null : String(reference).slice(0, 200),
      actor_id: actorUserId(ctx),
      created_at: now,
    }));
    await this.repo.recordMovements(ctx, movements);
    // A product's flag can only flip where a variant went up, or down to nothing: a sale that leaves
    // each variant it took from in stock leaves its product in stock, and is not written back.
    const flippable = changes.filter(({ change, delta }) => delta >= 0 || change.stock <= 0);
    const productIds = [...new Set(flippable.map(({ change }) => change.product_id))].sort();
    // A flip is the only stock move the catalog (and its cache) hears of: a sale that leaves the
    // product in stock records nothing. One call moves a product's stock one way (a sale down, a
    // return up, an adjustment by its sign), so the direction says what the flag is now.
    for (const productId of productIds.length ? await this.repo.refreshInStock(ctx, productIds) : []) {
      const delta = changes.find(({ change }) => change.product_id === productId)?.delta ?? 0;
      await this.outbox.record(ctx, 'product.in_stock_changed', { product_id: productId, in_stock: delta > 0 });
    }
    for (const { change, delta } of changes) {
      const before = change.stock - delta;
      if (delta < 0 && before > change.low_stock_threshold && change.stock <= change.low_stock_threshold) {
        await this.outbox.record(ctx, 'stock.low', {
          variant_id: change.variant_id,
          product_id: change.product_id,
          sku: change.sku,
          stock: change.stock,
          threshold: change.low_stock_threshold,
        });
      }
    }
    return movements;
  }
}
