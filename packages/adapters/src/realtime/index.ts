import type { Config, RealtimeSignal } from '@emporia/core';
import type { KnexStore } from '../knex/store.js';
import { PostgresRealtimeSignal } from './postgres-signal.js';
import { RedisRealtimeSignal } from './redis-signal.js';

export { PostgresRealtimeSignal, RedisRealtimeSignal };

/**
 * The one subscription per process that wakes live streams: Redis pub/sub with `REDIS_URL`,
 * PostgreSQL `LISTEN/NOTIFY` without it, none on SQLite and MySQL (one shared poller).
 */
export function createRealtimeSignal(config: Config, store: KnexStore): RealtimeSignal | null {
  if (config.redisUrl) return new RedisRealtimeSignal(config.redisUrl, config.redisPrefix);
  if (store.dialect === 'postgres') return new PostgresRealtimeSignal(config.databaseUrl);
  return null;
}
