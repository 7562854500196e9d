import { systemContext, type ProductRepository } from '@emporia/core';
import { expect, it } from 'vitest';
import { CATALOG_TOKENS } from '../../core/src/catalog/ports.js';
import { ProductImporter } from '../../core/src/catalog/product-import.js';
import { EVENT_TOKENS } from '../../core/src/notifications/events.js';
import { userWithToken } from '../../../test/support/auth.js';
import { describeEachDatabase } from '../../../test/support/engine.js';
import { publishedProduct, stockOf } from './checkout-fixtures.js';

describeEachDatabase('CSV import sets stock absolutely', (env) => {
  it('a row "stock = N" lands at N after a sale between the import reading the SKU and writing it', async () => {
    const { engine } = env();
    const buyer = await userWithToken(env(), 'customer');
    const mug = await publishedProduct(env(), { stock: 10 });
    const variant = mug.variants[0];
    let sold = false;
    const products = engine.container.get<ProductRepository>(CATALOG_TOKENS.ProductRepository);
    // The sale commits inside the batch's transaction right after the SKU lookup, before the row's write.
    const racing: ProductRepository = Object.create(products, {
      variantsBySku: {
        value: async (...args: Parameters<ProductRepository['variantsBySku']>) => {
          const found = await products.variantsBySku(...args);
          if (!sold) {
            sold = true;
            await engine.orders.placeOrder(
              { ...buyer.ctx, tx: args[0].tx },
              { items: [{ variant_id: variant.id, quantity: 3 }] },
            );
          }
          return found;
        },
      },
    });
    const importer = new ProductImporter(
      racing,
      engine.container.get(CATALOG_TOKENS.ProductService),
      engine.container.get(CATALOG_TOKENS.VariantService),
      engine.container.get(CATALOG_TOKENS.InventoryService),
      engine.store.unitOfWork,
      engine.container.get(CATALOG_TOKENS.CategoryRepository),
      engine.container.get(EVENT_TOKENS.EventOutbox),
    );
    const outcome = await importer.importBatch(systemContext({ clock: engine.clock }), [
      { line: 2, record: { sku: variant.sku, stock: '10' } },
    ]);
    expect(sold).toBe(true);
    expect(outcome).toEqual({ created: 0, updated: 1, errors: [] });
    expect(await stockOf(env(), variant.id)).toBe(10);
    const movements = await engine.inventory.listMovements(systemContext(), mug.id, variant.id);
    expect(movements.map((m) => [m.reason, m.delta, m.stock_after]).sort()).toEqual([
      ['csv import', 3, 10],
      ['initial stock', 10, 10],
      ['order placed', -3, 7],
    ]);
  });

  it('an import through the job sets the stock a row gives, whatever was sold before', async () => {
    const { engine } = env();
    const buyer = await userWithToken(env(), 'customer');
    const staff = await userWithToken(env(), 'staff');
    const mug = await publishedProduct(env(), { stock: 10 });
    const variant = mug.variants[0];
    await engine.orders.placeOrder(buyer.ctx, { items: [{ variant_id: variant.id, quantity: 4 }] });
    expect(await stockOf(env(), variant.id)).toBe(6);
    const job = await engine.jobs.startProductImport(staff.ctx, `sku,stock\n${variant.sku},10\n`);
    await engine.jobs.createRunner().runUntilIdle();
    expect((await engine.jobs.get(staff.ctx, job.id)).result).toMatchObject({ updated: 1, failed: 0 });
    expect(await stockOf(env(), variant.id)).toBe(10);
  });
});
