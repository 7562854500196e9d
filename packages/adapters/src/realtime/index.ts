import type { Config, RealtimeSignal } from '@emporia/core';
import type { KnexStore } from '../knex/store.js';
import { PostgresRealtimeSignal } from './postgres-signal.js';

export { PostgresRealtimeSignal };

/**
 * The one subscription per process that wakes live streams: Redis pub/sub with `REDIS_URL`,
 * PostgreSQL `LISTEN/NOTIFY` without it, none on SQLite and MySQL (one shared poller).
 */
export async function createRealtimeSignal(config: Config, store: KnexStore): Promise<RealtimeSignal | null> {
  if (config.redisUrl) {
    // Loaded only with Redis: ioredis is a large share of start-up.
    const { RedisRealtimeSignal } = await import('./redis-signal.js');
    return new RedisRealtimeSignal(config.redisUrl, config.redisPrefix);
  }
  if (store.dialect === 'postgres') return new PostgresRealtimeSignal(config.databaseUrl);
  return null;
}
