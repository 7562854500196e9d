import type { Engine } from '@emporia/core';
import type { Logger } from 'pino';
import { MAINTENANCE_INTERVAL_MS, scheduleMaintenance, systemContext } from '@emporia/core';

/** Work `serve` does once the database is migrated and before it listens. Modules add theirs here. */
export async function startupTasks(engine: Engine, logger: Logger): Promise<void> {
  // SEED_DEMO=true (npm start): a small demo catalog, only into an empty shop.
  if (engine.config.seedDemo && (await engine.catalog.isEmpty(systemContext()))) {
    const seeded = await engine.catalog.seed(systemContext({ clock: engine.clock }), { products: 60, seed: 1 });
    logger.info(seeded, 'seeded a demo catalog');
    // And the store country's VAT, so a newcomer's first cart shows a tax line.
    const country = engine.config.storeCountry ?? 'DE';
    const ctx = systemContext({ clock: engine.clock });
    if ((await engine.tax.listTaxRates(ctx, { country })).length === 0) {
      await engine.tax.createTaxRate(ctx, { name: 'VAT 19%', country, rate_bps: 1900 });
      await engine.tax.createTaxRate(ctx, { name: 'VAT 7%', country, tax_class: 'reduced', rate_bps: 700 });
      logger.info({ country }, 'seeded demo tax rates');
    }
  }
  // WORKER=inline: this process runs jobs too; engine.close() stops the runner on shutdown.
  if (engine.config.worker === 'inline') {
    await scheduleMaintenance(engine.jobs, systemContext({ clock: engine.clock }), MAINTENANCE_INTERVAL_MS);
    engine.jobs.createRunner({ logger }).start();
  }
}
