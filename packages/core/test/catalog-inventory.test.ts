import type { KnexStore } from '@emporia/adapters';
import {
  BUILT_IN_ROLES,
  ConflictError,
  MAX_VARIANTS,
  NotFoundError,
  OutOfStockError,
  ValidationError,
  anonymousContext,
  newId,
  systemContext,
  userContext,
  type Context,
  type Engine,
  type InventoryService,
  type Product,
} from '@emporia/core';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/support/engine.js';
import { CATALOG_TOKENS } from '../src/catalog/ports.js';

/** The sale-time stock moves are internal to checkout and cancellation; tests reach them through the container. */
function saleInventory(engine: Engine): InventoryService {
  return engine.container.get<InventoryService>(CATALOG_TOKENS.InventoryService);
}

function staffContext(env: TestEnv): Context {
  return userContext(
    { id: newId(), email: 'staff@example.test', role: 'staff', permissions: BUILT_IN_ROLES.staff.permissions },
    { clock: env.clock },
  );
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${newId().slice(-6)}`;

async function simpleProduct(env: TestEnv, stock: number, extra: Record<string, unknown> = {}): Promise<Product> {
  return env.engine.catalog.createProduct(staffContext(env), {
    name: unique('Mug'),
    price: 1500,
    stock,
    status: 'published',
    ...extra,
  });
}

async function shirt(env: TestEnv): Promise<Product> {
  return env.engine.catalog.createProduct(staffContext(env), {
    name: unique('Shirt'),
    status: 'published',
    options: [
      { name: 'Color', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['M', 'L'] },
    ],
    variants: [
      { sku: unique('SH-RED-L'), price: 2500, stock: 10, options: { Size: 'L', Color: 'Red' } },
      { sku: unique('SH-BLUE-M'), price: 2300, stock: 0, options: { Color: 'Blue', Size: 'M' } },
    ],
  });
}

function knexOf(env: TestEnv) {
  return (env.engine.store as KnexStore).knex;
}

async function stockOf(env: TestEnv, variantId: string): Promise<number> {
  const [v] = await saleInventory(env.engine).getSaleVariants(systemContext(), [variantId]);
  return v.stock;
}

describeEachDatabase('inventory service', (env) => {
  let mug: Product;
  let tee: Product;
  beforeAll(async () => {
    mug = await simpleProduct(env(), 3);
    tee = await shirt(env());
  });

  it('looks up sale variants in one call, naming multi-variant ones by their options', async () => {
    const red = tee.variants.find((v) => v.options.Color === 'Red')!;
    const found = await saleInventory(env().engine).getSaleVariants(anonymousContext(), [
      mug.variants[0].id,
      red.id,
      newId(),
      red.id,
    ]);
    expect(found).toHaveLength(2);
    expect(found.find((v) => v.id === red.id)).toEqual({
      id: red.id,
      product_id: tee.id,
      sku: red.sku,
      name: `${tee.name} (Red / L)`,
      price: 2500,
      currency: 'USD',
      stock: 10,
      is_published: true,
      category_id: tee.category_id,
      tax_class: 'standard',
      weight_grams: 0,
    });
    expect(found.find((v) => v.id === mug.variants[0].id)?.name).toBe(mug.name);
    expect(await saleInventory(env().engine).getSaleVariants(anonymousContext(), [])).toEqual([]);
  });

  it('resolves a product id to its only variant and refuses ambiguous or unknown references', async () => {
    const inv = saleInventory(env().engine);
    const ctx = anonymousContext();
    expect(await inv.resolveVariantId(ctx, { product_id: mug.id })).toBe(mug.variants[0].id);
    expect(await inv.resolveVariantId(ctx, { variant_id: tee.variants[1].id })).toBe(tee.variants[1].id);
    await expect(inv.resolveVariantId(ctx, { product_id: tee.id })).rejects.toBeInstanceOf(ValidationError);
    await expect(inv.resolveVariantId(ctx, { product_id: newId() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(inv.resolveVariantId(ctx, { variant_id: newId() })).rejects.toBeInstanceOf(NotFoundError);
    await expect(inv.resolveVariantId(ctx, {})).rejects.toBeInstanceOf(ValidationError);
  });

  it('takes and returns stock inside a unit of work, logging each movement with its reference', async () => {
    const { engine } = env();
    const product = await simpleProduct(env(), 10);
    const variantId = product.variants[0].id;
    const orderId = newId();
    await engine.store.unitOfWork.run(anonymousContext(), (tx) =>
      saleInventory(engine).takeStock(
        tx,
        [
          { variant_id: variantId, quantity: 2 },
          { variant_id: variantId, quantity: 1 },
        ],
        'order placed',
        orderId,
      ),
    );
    expect(await stockOf(env(), variantId)).toBe(7);
    await engine.store.unitOfWork.run(systemContext(), (tx) =>
      saleInventory(engine).returnStock(tx, [{ variant_id: variantId, quantity: 3 }], 'order cancelled', orderId),
    );
    expect(await stockOf(env(), variantId)).toBe(10);
    const movements = await engine.inventory.listMovements(staffContext(env()), product.id, variantId);
    expect(movements.map((m) => [m.delta, m.stock_after, m.reason, m.reference])).toEqual([
      [3, 10, 'order cancelled', orderId],
      [-3, 7, 'order placed', orderId],
      [10, 10, 'initial stock', null],
    ]);
  });

  it('refuses to run outside a unit of work', async () => {
    await expect(
      saleInventory(env().engine).takeStock(anonymousContext(), [{ variant_id: mug.variants[0].id, quantity: 1 }], 'x'),
    ).rejects.toThrow(/unit of work/);
  });

  it('throws OutOfStockError with every short SKU and rolls back the lines that fit', async () => {
    const { engine } = env();
    const a = await simpleProduct(env(), 5);
    const b = await simpleProduct(env(), 1);
    const c = await simpleProduct(env(), 0);
    const attempt = engine.store.unitOfWork.run(anonymousContext(), (tx) =>
      saleInventory(engine).takeStock(
        tx,
        [
          { variant_id: a.variants[0].id, quantity: 2 },
          { variant_id: b.variants[0].id, quantity: 2 },
          { variant_id: c.variants[0].id, quantity: 1 },
        ],
        'order placed',
      ),
    );
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfStockError);
    expect((err as OutOfStockError).skus.sort()).toEqual([b.variants[0].sku, c.variants[0].sku].sort());
    expect(await stockOf(env(), a.variants[0].id)).toBe(5);
    expect(await stockOf(env(), b.variants[0].id)).toBe(1);
  });

  it('keeps the in-stock flag right and records stock.low once per downward crossing', async () => {
    const { engine } = env();
    const product = await simpleProduct(env(), 7, { low_stock_threshold: 5 });
    const variantId = product.variants[0].id;
    const take = (quantity: number) =>
      engine.store.unitOfWork.run(anonymousContext(), (tx) =>
        saleInventory(engine).takeStock(tx, [{ variant_id: variantId, quantity }], 'order placed'),
      );
    const lowEvents = async () =>
      (await knexOf(env())('outbox_events').where('type', 'stock.low').select('payload'))
        .map((r: { payload: string }) => JSON.parse(r.payload))
        .filter((p: { variant_id: string }) => p.variant_id === variantId);

    await take(1); // 7 → 6: above the threshold
    expect(await lowEvents()).toHaveLength(0);
    await take(2); // 6 → 4: crosses
    await take(1); // 4 → 3: already below, no second event
    expect(await lowEvents()).toEqual([
      { variant_id: variantId, product_id: product.id, sku: product.variants[0].sku, stock: 4, threshold: 5 },
    ]);
    await take(3); // 3 → 0
    const visible = await engine.catalog.getProduct(anonymousContext(), product.id);
    expect(visible.in_stock).toBe(false);
    expect(visible.stock).toBe(0);
    const listed = await engine.catalog.listProducts(anonymousContext(), { q: product.name, in_stock: false });
    expect(listed.results.map((p) => p.id)).toEqual([product.id]);
    // Back above the threshold, then down again: a new crossing, a new event.
    await engine.store.unitOfWork.run(systemContext(), (tx) =>
      saleInventory(engine).returnStock(tx, [{ variant_id: variantId, quantity: 8 }], 'restock'),
    );
    expect((await engine.catalog.getProduct(anonymousContext(), product.id)).in_stock).toBe(true);
    await take(4); // 8 → 4
    expect(await lowEvents()).toHaveLength(2);
  });

  it('flips the in-stock flag only when the last variant with stock sells out, whichever lines a sale has', async () => {
    const { engine } = env();
    const product = await engine.catalog.createProduct(staffContext(env()), {
      name: unique('Pair'),
      status: 'published',
      options: [{ name: 'Size', values: ['S', 'L'] }],
      variants: [
        { sku: unique('PAIR-S'), price: 900, stock: 3, options: { Size: 'S' } },
        { sku: unique('PAIR-L'), price: 900, stock: 1, options: { Size: 'L' } },
      ],
    });
    const small = product.variants.find((v) => v.options.Size === 'S')!.id;
    const large = product.variants.find((v) => v.options.Size === 'L')!.id;
    const sell = (lines: Array<{ variant_id: string; quantity: number }>) =>
      engine.store.unitOfWork.run(anonymousContext(), (tx) =>
        saleInventory(engine).takeStock(tx, lines, 'order placed'),
      );
    const flips = async () =>
      (await knexOf(env())('outbox_events').where('type', 'product.in_stock_changed').select('payload'))
        .map((r: { payload: string }) => JSON.parse(r.payload))
        .filter((p: { product_id: string }) => p.product_id === product.id);
    const inStock = async () => (await engine.catalog.getProduct(anonymousContext(), product.id)).in_stock;

    await sell([{ variant_id: small, quantity: 1 }]); // S 3 → 2
    expect(await inStock()).toBe(true);
    await sell([
      { variant_id: large, quantity: 1 }, // L 1 → 0: sold out
      { variant_id: small, quantity: 1 }, // S 2 → 1: the product is still in stock
    ]);
    expect(await inStock()).toBe(true);
    expect(await flips()).toEqual([]);
    await sell([{ variant_id: small, quantity: 1 }]); // S 1 → 0: the last unit of the product
    expect(await inStock()).toBe(false);
    expect(await flips()).toEqual([{ product_id: product.id, in_stock: false }]);
    const listed = await engine.catalog.listProducts(anonymousContext(), { q: product.name, in_stock: true });
    expect(listed.results).toEqual([]);
  });

  it('lets staff adjust stock with a reason, never below zero, and refuses others', async () => {
    const { engine } = env();
    const product = await simpleProduct(env(), 2);
    const variantId = product.variants[0].id;
    const staff = staffContext(env());
    const movement = await engine.inventory.adjustStock(staff, product.id, variantId, {
      delta: 5,
      reason: 'delivery',
      reference: 'PO-1',
    });
    expect(movement).toMatchObject({ delta: 5, stock_after: 7, reason: 'delivery', reference: 'PO-1' });
    await expect(
      engine.inventory.adjustStock(staff, product.id, variantId, { delta: -8, reason: 'breakage' }),
    ).rejects.toBeInstanceOf(OutOfStockError);
    expect(await stockOf(env(), variantId)).toBe(7);
    await expect(
      engine.inventory.adjustStock(staff, product.id, variantId, { delta: 0, reason: 'nothing' }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      engine.inventory.adjustStock(staff, mug.id, variantId, { delta: 1, reason: 'wrong product' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const customer = userContext({ id: newId(), email: 'c@example.test', role: 'customer', permissions: [] });
    await expect(
      engine.inventory.adjustStock(customer, product.id, variantId, { delta: 1, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('backs the rule with a CHECK constraint', async () => {
    await expect(
      knexOf(env())('product_variants').where('id', mug.variants[0].id).update({ stock: -1 }),
    ).rejects.toThrow(/check/i);
  });

  it('never oversells under 50 concurrent checkouts', async () => {
    const { engine } = env();
    const product = await simpleProduct(env(), 20);
    const variantId = product.variants[0].id;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        engine.store.unitOfWork.run(anonymousContext(), (tx) =>
          saleInventory(engine).takeStock(tx, [{ variant_id: variantId, quantity: 1 }], 'order placed', newId()),
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toBe(20);
    expect(failures).toHaveLength(30);
    for (const f of failures) expect(f.reason).toBeInstanceOf(OutOfStockError);
    expect(await stockOf(env(), variantId)).toBe(0);
    const movements = await knexOf(env())('stock_movements').where({ variant_id: variantId }).where('delta', '<', 0);
    expect(movements).toHaveLength(20);
  });

  it('never goes negative under 50 concurrent staff adjustments', async () => {
    const { engine } = env();
    const product = await simpleProduct(env(), 20);
    const variantId = product.variants[0].id;
    const staff = staffContext(env());
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        engine.inventory.adjustStock(staff, product.id, variantId, { delta: -1, reason: `count ${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OutOfStockError);
    expect(await stockOf(env(), variantId)).toBe(0);
    const afters = (await engine.inventory.listMovements(staff, product.id, variantId, 100))
      .filter((m) => m.delta === -1)
      .map((m) => m.stock_after)
      .sort((a, b) => a - b);
    // Each successful adjustment saw its own stock level: 0, 1, …, 19, none repeated.
    expect(afters).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('holds at most MAX_VARIANTS variants per product (what the answers declare as maxItems)', async () => {
    const ctx = staffContext(env());
    const sizes = Array.from({ length: 100 }, (_, i) => `S${i}`);
    const product = await env().engine.catalog.createProduct(ctx, {
      name: unique('Poster'),
      options: [
        { name: 'Size', values: sizes },
        { name: 'Finish', values: ['Matte', 'Gloss', 'Satin'] },
      ],
      variants: ['Matte', 'Gloss'].flatMap((finish) =>
        sizes.map((size) => ({ sku: unique('PO'), price: 900, options: { Size: size, Finish: finish } })),
      ),
    });
    expect(product.variants).toHaveLength(MAX_VARIANTS);
    const more = { sku: unique('PO'), price: 900, options: { Size: 'S0', Finish: 'Satin' } };
    await expect(env().engine.catalog.createVariant(ctx, product.id, more)).rejects.toBeInstanceOf(ConflictError);
  });

  it('does not deadlock when concurrent orders list the same variants in opposite orders', async () => {
    const { engine } = env();
    const a = await simpleProduct(env(), 100);
    const b = await simpleProduct(env(), 100);
    const [va, vb] = [a.variants[0].id, b.variants[0].id];
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        engine.store.unitOfWork.run(anonymousContext(), (tx) =>
          saleInventory(engine).takeStock(
            tx,
            i % 2
              ? [
                  { variant_id: va, quantity: 1 },
                  { variant_id: vb, quantity: 1 },
                ]
              : [
                  { variant_id: vb, quantity: 1 },
                  { variant_id: va, quantity: 1 },
                ],
            'order placed',
          ),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await stockOf(env(), va)).toBe(60);
    expect(await stockOf(env(), vb)).toBe(60);
  });
});
