import { inject, injectable } from 'inversify';
import { PERMISSIONS } from '../identity/permissions.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import type { Config } from '../shared/config.js';
import { requirePermission, type Context } from '../shared/context.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import {
  CATALOG_TOKENS,
  type ProductRepository,
  type ProductRow,
  type ProductSearchIndex,
  type VariantRow,
} from './ports.js';
import {
  MAX_VARIANTS,
  createVariantSchema,
  updateVariantSchema,
  type UpdateVariantInput,
  type Variant,
  type VariantInput,
} from './schemas.js';
import type { InventoryService } from './inventory.service.js';
import { checkVariantOptions, productForWriter, toVariant, visibleProduct } from './views.js';

/** Variants (`engine.catalog`'s variant methods): a product's SKUs, prices and option values. */
@injectable()
export class VariantService {
  constructor(
    @inject(CATALOG_TOKENS.ProductRepository) private readonly products: ProductRepository,
    @inject(CATALOG_TOKENS.InventoryService) private readonly inventory: InventoryService,
    @inject(CATALOG_TOKENS.ProductSearchIndex) private readonly search: ProductSearchIndex,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  /** The variants of a product the caller may see, in position order. */
  async listVariants(ctx: Context, productRef: string): Promise<Variant[]> {
    const product = await this.visibleProduct(ctx, productRef);
    return (await this.products.variantsOf(ctx, [product.id])).map(toVariant);
  }

  /** One variant of a product the caller may see; NotFoundError otherwise. */
  async getVariant(ctx: Context, productRef: string, variantId: string): Promise<Variant> {
    const product = await this.visibleProduct(ctx, productRef);
    const variant = await this.products.findVariant(ctx, product.id, variantId);
    if (!variant) throw new NotFoundError(`Variant ${variantId} not found`);
    return toVariant(variant);
  }

  /** Adds a variant to a product (`product:write`); its option values must be the product's, and unique. */
  async createVariant(ctx: Context, productRef: string, input: VariantInput): Promise<Variant> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(createVariantSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      if (siblings.length >= MAX_VARIANTS) {
        throw new ConflictError(`A product has at most ${MAX_VARIANTS} variants`);
      }
      const options = product.options.length ? checkVariantOptions(product.options, data.options, 'options') : {};
      this.requireUniqueCombination(product, siblings, options, null);
      const now = ctx.clock.now().toISOString();
      const variant: VariantRow = {
        id: newId(),
        product_id: product.id,
        sku: data.sku,
        price: data.price,
        currency: product.currency,
        stock: data.stock,
        low_stock_threshold: data.low_stock_threshold ?? this.config.lowStockThreshold,
        weight_grams: data.weight_grams,
        options,
        position: siblings.reduce((max, v) => Math.max(max, v.position + 1), 0),
        created_at: now,
        updated_at: now,
      };
      await this.products.insertVariant(tx, variant);
      await this.inventory.recordInitialStock(tx, [variant]);
      await this.products.refreshDerived(tx, [product.id]);
      await this.search.reindex(tx, [product.id]);
      await this.outbox.record(tx, 'product.updated', {
        product_id: product.id,
        slug: product.slug,
        status: product.status,
      });
      return toVariant(variant);
    });
  }

  /** Changes SKU, price, threshold or options. Stock is not accepted here: it moves through adjustments. */
  async updateVariant(
    ctx: Context,
    productRef: string,
    variantId: string,
    input: UpdateVariantInput,
  ): Promise<Variant> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const data = parseInput(updateVariantSchema, input);
    return this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      const current = siblings.find((v) => v.id === variantId);
      if (!current) throw new NotFoundError(`Variant ${variantId} not found`);
      const patch: Partial<VariantRow> = { ...data, updated_at: ctx.clock.now().toISOString() };
      if (data.options !== undefined) {
        patch.options = product.options.length ? checkVariantOptions(product.options, data.options, 'options') : {};
        this.requireUniqueCombination(product, siblings, patch.options, current.id);
      }
      await this.products.updateVariant(tx, current.id, patch);
      if (data.price !== undefined) await this.products.refreshDerived(tx, [product.id]);
      if (data.sku !== undefined) await this.search.reindex(tx, [product.id]);
      await this.outbox.record(tx, 'product.updated', {
        product_id: product.id,
        slug: product.slug,
        status: product.status,
      });
      return toVariant({ ...current, ...patch } as VariantRow);
    });
  }

  /** Deletes a variant (`product:write`); a product's last variant is a 409 (delete the product instead). */
  async deleteVariant(ctx: Context, productRef: string, variantId: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    await this.unitOfWork.run(ctx, async (tx) => {
      const product = await this.requireProduct(tx, productRef);
      const siblings = await this.products.variantsOf(tx, [product.id]);
      if (!siblings.some((v) => v.id === variantId)) throw new NotFoundError(`Variant ${variantId} not found`);
      if (siblings.length === 1) {
        throw new ConflictError('A product keeps at least one variant; delete the product instead');
      }
      await this.products.removeVariant(tx, variantId);
      await this.products.refreshDerived(tx, [product.id]);
      await this.search.reindex(tx, [product.id]);
      await this.outbox.record(tx, 'product.updated', {
        product_id: product.id,
        slug: product.slug,
        status: product.status,
      });
    });
  }

  private requireUniqueCombination(
    product: ProductRow,
    siblings: VariantRow[],
    options: Record<string, string>,
    exceptId: string | null,
  ): void {
    if (!product.options.length) return;
    const key = JSON.stringify(options);
    if (siblings.some((v) => v.id !== exceptId && JSON.stringify(v.options) === key)) {
      throw new ConflictError('Another variant of this product has the same option values');
    }
  }

  private requireProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    return productForWriter(this.products, ctx, idOrSlug);
  }

  private visibleProduct(ctx: Context, idOrSlug: string): Promise<ProductRow> {
    return visibleProduct(this.products, ctx, idOrSlug);
  }
}
