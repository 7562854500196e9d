import { systemContext } from '@emporia/core';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { openEngine } from '../engine.js';
import { CliError, type Io } from '../output.js';

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`${flag}: expected a whole number, got '${value}'`);
  return Number(value);
}

export function seedCommand(program: Command, io: Io): void {
  program
    .command('seed')
    .description('generate a realistic demo catalog: category tree, products, variants, prices and stock')
    .option('--products <n>', 'how many products', '1000')
    .option('--seed <n>', 'random seed: the same seed gives the same catalog')
    .option('--batch-size <n>', 'products per insert transaction', '2000')
    .action(async (opts: { products: string; seed?: string; batchSize: string }) => {
      const products = wholeNumber('--products', opts.products, 1000);
      const seed = opts.seed === undefined ? undefined : wholeNumber('--seed', opts.seed, 0);
      const batchSize = wholeNumber('--batch-size', opts.batchSize, 2000);
      if (batchSize < 1) throw new CliError('--batch-size: must be at least 1');
      const { engine } = await openEngine({ migrate: true });
      // The bar draws only on a terminal; pipes and logs get the summary line alone.
      const bar = io.isTty
        ? new cliProgress.SingleBar(
            { format: 'Seeding [{bar}] {percentage}% {value}/{total} products, ETA {eta_formatted}' },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const started = performance.now();
      try {
        bar?.start(products, 0);
        const result = await engine.catalog.seed(systemContext({ clock: engine.clock }), {
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
      } finally {
        bar?.stop();
        await engine.close();
      }
    });
}
