import { systemContext, type Engine, type InventoryService, type Product } from '@emporia/core';
import { randomBytes } from 'node:crypto';
import type { TestEnv } from '../../../test/support/engine.js';
import { CATALOG_TOKENS } from '../../core/src/catalog/ports.js';

/** The sale-time stock moves are internal to checkout and cancellation; tests reach them through the container. */
export function saleInventory(engine: Engine): InventoryService {
  return engine.container.get<InventoryService>(CATALOG_TOKENS.InventoryService);
}

/** A published product through `engine.catalog`: one variant, or one per given price. */
export async function publishedProduct(
  env: TestEnv,
  opts: { price?: number; stock?: number; name?: string; variants?: Array<{ price: number; stock: number }> } = {},
): Promise<Product> {
  const ctx = systemContext({ clock: env.engine.clock });
  const tag = randomBytes(4).toString('hex');
  if (opts.variants) {
    return env.engine.catalog.createProduct(ctx, {
      name: opts.name ?? `Shirt ${tag}`,
      status: 'published',
      options: [{ name: 'size', values: opts.variants.map((_, i) => `S${i}`) }],
      variants: opts.variants.map((v, i) => ({
        sku: `SHIRT-${tag}-${i}`.toUpperCase(),
        price: v.price,
        stock: v.stock,
        options: { size: `S${i}` },
      })),
    });
  }
  return env.engine.catalog.createProduct(ctx, {
    name: opts.name ?? `Mug ${tag}`,
    status: 'published',
    price: opts.price ?? 1250,
    stock: opts.stock ?? 10,
    sku: `MUG-${tag}`.toUpperCase(),
  });
}

/** Current stock of a variant, read through the inventory contract. */
export async function stockOf(env: TestEnv, variantId: string): Promise<number> {
  const [v] = await saleInventory(env.engine).getSaleVariants(systemContext(), [variantId]);
  return v.stock;
}
