import type { Engine } from '@emporia/core';
import type { Logger } from 'pino';
import {
  INLINE_RUNNER_SHARE,
  MAINTENANCE_INTERVAL_MS,
  scheduleMaintenance,
  scheduleRecommendationRebuild,
  systemContext,
} from '@emporia/core';

/**
 * Work `serve` does once the database is migrated and before it listens. Modules add theirs here.
 * `shop: false` (the processes of `serve --processes N`, whose primary did the shop's part once)
 * leaves out the seeding and scheduling and only starts this process's job runner.
 */
export async function startupTasks(
  engine: Engine,
  logger: Logger,
  parts = { shop: true, runner: true },
): Promise<void> {
  if (parts.shop) await shopTasks(engine, logger);
  // WORKER=inline: this process runs jobs too; engine.close() stops the runner on shutdown. It takes at
  // most half of the time while a backlog drains, two jobs at a time, so requests are not starved.
  if (parts.runner && engine.config.worker === 'inline') {
    engine.jobs.createRunner({ logger, concurrency: 2, maxShare: INLINE_RUNNER_SHARE }).start();
    logger.info({ concurrency: 2, max_share: INLINE_RUNNER_SHARE }, 'inline job runner started');
  }
}

/** Once per shop start: the demo seed and the first runs of the periodic jobs. */
async function shopTasks(engine: Engine, logger: Logger): Promise<void> {
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
    // And one shipping zone with two methods, so the breakdown shows shipping once an address is set.
    if ((await engine.shipping.listZones(ctx)).length === 0) {
      const zone = await engine.shipping.createZone(ctx, { name: 'Domestic', countries: [country] });
      await engine.shipping.createMethod(ctx, { zone_id: zone.id, name: 'Standard', price: 490, free_over: 5000 });
      await engine.shipping.createMethod(ctx, { zone_id: zone.id, name: 'Express', price: 990 });
      logger.info({ country }, 'seeded a demo shipping zone');
    }
    // And a code, so a newcomer sees a discount in the breakdown at once.
    if ((await engine.promotions.listPromotions(ctx)).length === 0) {
      await engine.promotions.createPromotion(ctx, { code: 'WELCOME10', kind: 'percentage', value: 1000 });
      logger.info({ code: 'WELCOME10' }, 'seeded a demo promotion code');
    }
  }
  if (engine.config.worker === 'inline') {
    await scheduleMaintenance(engine.jobs, systemContext({ clock: engine.clock }), MAINTENANCE_INTERVAL_MS);
    // Recommendations are rebuilt every RECOMMENDATIONS_REBUILD_INTERVAL, the first time one interval after start.
    await scheduleRecommendationRebuild(
      engine.jobs,
      systemContext({ clock: engine.clock }),
      engine.config.recommendationsRebuildInterval * 1000,
    );
  }
}

/**
 * Tells the launcher (src/launch.ts, dist/emporia.mjs) that this process has started: a launcher
 * that found no code cache for it writes one shortly after. A no-op when not run by the launcher.
 */
export function startedUp(): void {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('emporia.started')];
  if (typeof hook === 'function') (hook as () => void)();
}
