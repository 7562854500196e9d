import type { CatalogCache, Config } from '@emporia/core';
import { MemoryCatalogCache } from './memory.js';

export { MemoryCatalogCache };

/**
 * The catalog cache for `CATALOG_CACHE`: Redis (the default with `REDIS_URL`), an in-process LRU
 * (the default otherwise) or none (`off`).
 */
export async function createCatalogCache(config: Config): Promise<CatalogCache | null> {
  const kind = config.catalogCache ?? (config.redisUrl ? 'redis' : 'memory');
  if (kind === 'off') return null;
  if (kind === 'redis') {
    if (!config.redisUrl) throw new Error('CATALOG_CACHE=redis needs REDIS_URL');
    // Loaded only here: ioredis is a large share of start-up and most shops run without Redis.
    const { RedisCatalogCache } = await import('./redis.js');
    return new RedisCatalogCache(config.redisUrl, config.redisPrefix, config.catalogCacheTtl);
  }
  return new MemoryCatalogCache({
    maxEntries: config.catalogCacheEntries,
    maxBytes: config.catalogCacheMb * 1024 * 1024,
    ttlSeconds: config.catalogCacheTtl,
  });
}
