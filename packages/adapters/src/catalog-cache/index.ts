import type { CatalogCache, Config } from '@emporia/core';
import { MemoryCatalogCache } from './memory.js';
import { RedisCatalogCache } from './redis.js';

export { MemoryCatalogCache, RedisCatalogCache };

/**
 * The catalog cache for `CATALOG_CACHE`: Redis (the default with `REDIS_URL`), an in-process LRU
 * (the default otherwise) or none (`off`).
 */
export function createCatalogCache(config: Config): CatalogCache | null {
  const kind = config.catalogCache ?? (config.redisUrl ? 'redis' : 'memory');
  if (kind === 'off') return null;
  if (kind === 'redis') {
    if (!config.redisUrl) throw new Error('CATALOG_CACHE=redis needs REDIS_URL');
    return new RedisCatalogCache(config.redisUrl, config.redisPrefix, config.catalogCacheTtl);
  }
  return new MemoryCatalogCache({ maxEntries: config.catalogCacheEntries, ttlSeconds: config.catalogCacheTtl });
}
