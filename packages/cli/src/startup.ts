import type { Engine } from '@emporia/core';
import type { Logger } from 'pino';

/** Work `serve` does once the database is migrated and before it listens. Modules add theirs here. */
export async function startupTasks(engine: Engine, logger: Logger): Promise<void> {
  void engine;
  void logger;
}
