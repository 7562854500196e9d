import {
  MAINTENANCE_INTERVAL_MS,
  scheduleMaintenance,
  scheduleRecommendationRebuild,
  systemContext,
} from '@emporia/core';
import { createLogger } from '@emporia/http';
import type { Command } from 'commander';
import { CliError, outliveOutput, type Io } from '../output.js';
import { openEngine } from '../engine.js';
import { startedUp } from '../startup.js';

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CliError(`${name}: expected a positive whole number, got '${value}'`);
  return Number(value);
}

export function workerCommand(program: Command, io: Io): void {
  program
    .command('worker')
    .description('run background jobs (e-mail, webhooks, imports, event handlers) until stopped')
    .option('--concurrency <n>', 'jobs run at the same time', '4')
    .option('--poll <ms>', 'pause between polls when idle, in milliseconds', '500')
    .option('--lease <seconds>', 'a job whose worker goes quiet this long is reclaimed (BullMQ: the lock)', '60')
    .action(async (opts: { concurrency?: string; poll?: string; lease?: string }) => {
      const concurrency = positive('--concurrency', opts.concurrency, 4);
      const pollIntervalMs = positive('--poll', opts.poll, 500);
      const leaseMs = positive('--lease', opts.lease, 60) * 1000;
      const { engine } = await openEngine();
      const logger = createLogger(engine, outliveOutput());
      // The hourly clean-up (expired tokens, idempotency keys, old jobs) runs wherever jobs run.
      await scheduleMaintenance(engine.jobs, systemContext({ clock: engine.clock }), MAINTENANCE_INTERVAL_MS);
      // Recommendations are rebuilt every RECOMMENDATIONS_REBUILD_INTERVAL, the first time one interval after start.
      await scheduleRecommendationRebuild(
        engine.jobs,
        systemContext({ clock: engine.clock }),
        engine.config.recommendationsRebuildInterval * 1000,
      );
      const runner = engine.jobs.createRunner({ concurrency, pollIntervalMs, leaseMs, logger });
      runner.start();
      io.out(`Emporia worker ${runner.workerId} is running jobs (concurrency ${concurrency}, ${engine.jobs.backend})`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'worker stopping after the jobs in hand');
        void engine.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 30_000).unref();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      startedUp();
    });
}
