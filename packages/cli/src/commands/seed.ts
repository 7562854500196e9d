import { systemContext } from '@emporia/core';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { openEngine } from '../engine.js';
import { CliError, type Io } from '../output.js';
import { createProgress } from '../progress.js';

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`${flag}: expected a whole number, got '${value}'`);
  return Number(value);
}

export function seedCommand(program: Command, io: Io): void {
  program
    .command('seed')
    .description(
      'generate a realistic demo catalog (category tree, products, variants, prices, stock) and, with --orders, an order history',
    )
    .option('--products <n>', 'how many products (default 1000; with --orders into a non-empty shop, none)')
    .option('--orders <n>', 'also generate this many orders with planted structure (about four lines each)')
    .option('--customers <n>', 'shoppers placing those orders (default: one per five orders)')
    .option('--seed <n>', 'random seed: the same seed gives the same catalog')
    .option('--batch-size <n>', 'products per insert transaction', '2000')
    .action(
      async (opts: { products?: string; orders?: string; customers?: string; seed?: string; batchSize: string }) => {
        const orders = opts.orders === undefined ? undefined : wholeNumber('--orders', opts.orders, 0);
        const customers = opts.customers === undefined ? undefined : wholeNumber('--customers', opts.customers, 0);
        if (customers === 0) throw new CliError('--customers: must be at least 1');
        const seed = opts.seed === undefined ? undefined : wholeNumber('--seed', opts.seed, 0);
        const batchSize = wholeNumber('--batch-size', opts.batchSize, 2000);
        if (batchSize < 1) throw new CliError('--batch-size: must be at least 1');
        const { engine } = await openEngine({ migrate: true });
        const ctx = systemContext({ clock: engine.clock });
        const products =
          opts.products !== undefined
            ? wholeNumber('--products', opts.products, 1000)
            : orders !== undefined && !(await engine.catalog.isEmpty(ctx))
              ? 0
              : 1000;
        // The bar draws only on a terminal; pipes and logs get the summary line alone.
        const bar = io.isTty
          ? new cliProgress.SingleBar(
              { format: 'Seeding [{bar}] {percentage}% {value}/{total} products, ETA {eta_formatted}' },
              cliProgress.Presets.shades_classic,
            )
          : null;
        const started = performance.now();
        try {
          if (products > 0) {
            bar?.start(products, 0);
            const result = await engine.catalog.seed(ctx, {
              products,
              seed,
              batchSize,
              onProgress: (done) => bar?.update(done),
            });
            bar?.stop();
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            io.out(
              `Seeded ${result.products} products (${result.variants} variants) in ${result.categories} categories in ${seconds} s`,
            );
          }
          if (orders !== undefined && orders > 0) {
            const progress = createProgress(io, 'Seeding orders');
            const from = performance.now();
            const result = await engine.recommendations
              .seedOrders(ctx, { orders, customers, seed, onProgress: (done, total) => progress.update(done, total) })
              .finally(() => progress.stop());
            io.out(
              `Seeded ${result.orders} orders (${result.order_lines} lines) by ${result.customers} customers from ${result.missions} shopping missions in ${((performance.now() - from) / 1000).toFixed(1)} s`,
            );
          }
        } finally {
          bar?.stop();
          await engine.close();
        }
      },
    );
}
