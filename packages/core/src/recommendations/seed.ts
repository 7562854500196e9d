import type { Context } from '../shared/context.js';
import { ConflictError } from '../shared/errors.js';
import type { UnitOfWork } from '../shared/store.js';
import type { RecommendationRepository } from './ports.js';
import type { SeedOrdersOptions, SeedOrdersResult } from './schemas.js';
import { PlantedHistory } from './seed-orders.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Generates and stores a planted order history (`RecommendationService.seedOrders`). */
export async function seedOrders(
  repo: RecommendationRepository,
  unitOfWork: UnitOfWork,
  ctx: Context,
  options: SeedOrdersOptions,
): Promise<SeedOrdersResult> {
  const products = await repo.seedProducts(ctx);
  if (products.length < 4) {
    throw new ConflictError('Seeding orders needs at least 4 published products in stock: seed a catalog first');
  }
  const customers = Math.max(1, options.customers ?? Math.round(options.orders / 5));
  const end = ctx.clock.now().getTime();
  const start = end - (options.days ?? 180) * DAY_MS;
  const history = new PlantedHistory(products, customers, options.orders, { start, end }, options.seed ?? 1);
  const batchSize = Math.max(1, options.batchSize ?? 5000);
  const users = history.users(new Date(start - DAY_MS).toISOString());
  for (let i = 0; i < users.length; i += batchSize) {
    await unitOfWork.run(ctx, (tx) =>
      repo.insertHistory(tx, { users: users.slice(i, i + batchSize), orders: [], lines: [] }),
    );
  }
  let lines = 0;
  for (let done = 0; done < options.orders;) {
    const count = Math.min(batchSize, options.orders - done);
    const batch = history.orders(done, count);
    await unitOfWork.run(ctx, (tx) => repo.insertHistory(tx, { users: [], ...batch }));
    lines += batch.lines.length;
    done += count;
    options.onProgress?.(done, options.orders);
  }
  await repo.refreshStatistics(ctx);
  return { customers, orders: options.orders, order_lines: lines, missions: history.missions.length };
}
