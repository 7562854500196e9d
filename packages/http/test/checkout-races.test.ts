import { OutOfStockError, type Config, type Context, type StockLine } from '@emporia/core';
import type { Knex } from 'knex';
import { CheckoutService } from '../../core/src/orders/checkout.service.js';
import { IdempotencyService } from '../../core/src/orders/idempotency.service.js';
import type { SaleInventory } from '../../core/src/orders/ports.js';
import type { MailQueue } from '../../core/src/notifications/mail.js';
import { NOTIFICATION_TOKENS } from '../../core/src/notifications/ports.js';
import { TOKENS } from '../../core/src/shared/tokens.js';
import { PRICING_TOKENS } from '../../core/src/pricing/module.js';
import type { PricingService } from '../../core/src/pricing/pricing.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithToken, type TestUser } from '../../../test/support/auth.js';
import { testDialects } from '../../../test/support/databases.js';
import { createTestEnv } from '../../../test/support/engine.js';
import { publishedProduct, saleInventory, stockOf } from './checkout-fixtures.js';

/**
 * Shows that the concurrency tests have teeth: the same scenarios, run with a broken inventory
 * (read-then-write, or unsorted locking), fail on PostgreSQL. Only PostgreSQL runs transactions
 * side by side; knex's single SQLite connection serialises them and would hide both bugs.
 */
const trx = (ctx: Context) => ctx.tx as unknown as Knex.Transaction;

/** The bug a conditional decrement prevents: read the stock, check it in JS, write the difference. */
class ReadThenWriteInventory implements SaleInventory {
  constructor(private readonly real: SaleInventory) {}
  getSaleVariants: SaleInventory['getSaleVariants'] = (ctx, ids) => this.real.getSaleVariants(ctx, ids);
  resolveVariantId: SaleInventory['resolveVariantId'] = (ctx, ref) => this.real.resolveVariantId(ctx, ref);
  returnStock: SaleInventory['returnStock'] = (ctx, lines, reason, ref) =>
    this.real.returnStock(ctx, lines, reason, ref);
  async takeStock(ctx: Context, lines: StockLine[]): Promise<void> {
    for (const line of lines) {
      const row = await trx(ctx)('product_variants').where('id', line.variant_id).first('stock', 'sku');
      if (row.stock < line.quantity) throw new OutOfStockError([row.sku]);
      await trx(ctx)('product_variants')
        .where('id', line.variant_id)
        .update({ stock: row.stock - line.quantity });
    }
  }
}

/** Conditional decrements, but in the order the lines came in (no sort), with time to interleave. */
class UnsortedInventory extends ReadThenWriteInventory {
  override async takeStock(ctx: Context, lines: StockLine[]): Promise<void> {
    for (const line of lines) {
      const n = await trx(ctx)('product_variants')
        .where('id', line.variant_id)
        .where('stock', '>=', line.quantity)
        .decrement('stock', line.quantity);
      if (n === 0) throw new OutOfStockError([line.variant_id]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const postgres = testDialects().includes('postgres');

describe.runIf(postgres)('checkout races have teeth [postgres]', () => {
  let env: Awaited<ReturnType<typeof createTestEnv>>;
  let buyers: TestUser[];
  beforeAll(async () => {
    env = await createTestEnv('postgres');
    buyers = await Promise.all(Array.from({ length: 4 }, () => userWithToken(env, 'customer')));
  });
  afterAll(() => env?.close());

  type Checkout = Pick<CheckoutService, 'placeOrder'>;

  function ordersWith(inventory: SaleInventory): Checkout {
    const { container, store, cart, engine } = { ...env.engine, engine: env.engine };
    return new CheckoutService(
      store.repositories.orders,
      new IdempotencyService(store.repositories.idempotencyKeys, container.get<Config>(TOKENS.Config)),
      inventory,
      cart,
      store.repositories.outbox,
      store.unitOfWork,
      container.get<Config>(TOKENS.Config),
      container.get<PricingService>(PRICING_TOKENS.PricingService),
      env.engine.shipping,
      engine.promotions,
      container.get<MailQueue>(NOTIFICATION_TOKENS.MailQueue),
    );
  }

  async function contend(orders: Checkout, stock: number, attempts: number) {
    const mug = await publishedProduct(env, { stock });
    const variant = mug.variants[0].id;
    const outcomes = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        orders.placeOrder(buyers[i % buyers.length].ctx, { items: [{ variant_id: variant, quantity: 1 }] }),
      ),
    );
    const placed = outcomes.filter((o) => o.status === 'fulfilled').length;
    const outOfStock = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof OutOfStockError).length;
    return { placed, outOfStock, other: attempts - placed - outOfStock, left: await stockOf(env, variant) };
  }

  it('the real inventory sells exactly the stock', async () => {
    const result = await contend(env.engine.orders, 50, 200);
    expect(result).toEqual({ placed: 50, outOfStock: 150, other: 0, left: 0 });
  });

  it('a read-then-write decrement oversells, and the same assertions catch it', async () => {
    const result = await contend(ordersWith(new ReadThenWriteInventory(saleInventory(env.engine))), 50, 200);
    // Lost updates: units sold plus units left exceed what there was.
    expect(result.placed + result.left).toBeGreaterThan(50);
    expect(result).not.toEqual({ placed: 50, outOfStock: 150, other: 0, left: 0 });
  });

  it('locking variants in request order deadlocks where the sorted inventory does not', async () => {
    const run = async (orders: Checkout) => {
      const shirt = await publishedProduct(env, {
        variants: [
          { price: 100, stock: 100 },
          { price: 100, stock: 100 },
        ],
      });
      const [a, b] = shirt.variants.map((v) => v.id);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          orders.placeOrder(buyers[i % buyers.length].ctx, {
            items:
              i % 2
                ? [
                    { variant_id: a, quantity: 1 },
                    { variant_id: b, quantity: 1 },
                  ]
                : [
                    { variant_id: b, quantity: 1 },
                    { variant_id: a, quantity: 1 },
                  ],
          }),
        ),
      );
      return outcomes
        .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
        .map((o) => String((o.reason as { code?: string }).code ?? o.reason));
    };
    expect(await run(env.engine.orders)).toEqual([]);
    expect(await run(ordersWith(new UnsortedInventory(saleInventory(env.engine))))).toContain('40P01'); // deadlock_detected
  });
});
