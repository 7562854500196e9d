import { createHash } from 'node:crypto';
import type { CachedAnswer, CatalogCache } from '@emporia/core';
import { Redis } from 'ioredis';

/**
 * KEYS: version counter, entry, then per tag its version key and its member set.
 * ARGV: version read before, entry JSON, TTL seconds, tag-key TTL seconds, tag count.
 * Refuses (0) when a tag's last invalidation is newer than the version; else stores and indexes.
 */
const SET_SCRIPT = `
local n = tonumber(ARGV[5])
for i = 0, n - 1 do
  local v = redis.call('GET', KEYS[3 + i * 2])
  if v and tonumber(v) > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
for i = 0, n - 1 do
  local members = KEYS[4 + i * 2]
  redis.call('SADD', members, KEYS[2])
  redis.call('EXPIRE', members, ARGV[4])
end
return 1`;

/**
 * KEYS: version counter, then per tag its version key and its member set. ARGV: tag-key TTL seconds.
 * Raises the version, marks each tag with it and deletes the tag's entries, in one step.
 */
const INVALIDATE_SCRIPT = `
local version = redis.call('INCR', KEYS[1])
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], version, 'EX', ARGV[1])
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for _, key in ipairs(members) do redis.call('DEL', key) end
  redis.call('DEL', KEYS[i + 1])
end
return version`;

/** How long a command waits for Redis to connect before failing into a database read. */
const CONNECT_WAIT_MS = 1_000;

/**
 * The catalog cache in Redis, one for every process: entries under `<prefix>catalog:entry:<sha1 of
 * key>` with the TTL, each tag's member set under `…:members:<tag>` and the version of its last
 * invalidation under `…:tag:<tag>`, and the version counter `…:version`. `set` and `invalidate` are
 * Lua scripts, so a store and an invalidation never interleave: a store that checked the tags'
 * versions is either dropped by the invalidation after it or refused by the version it left.
 * A tag's version key outlives the entries by five minutes (longer than any read takes).
 */
export class RedisCatalogCache implements CatalogCache {
  readonly name = 'redis';
  private readonly client: Redis;
  private readonly prefix: string;

  constructor(
    url: string,
    prefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.prefix = `${prefix}catalog:`;
    // No offline queue: with Redis down a request reads the database instead of waiting.
    this.client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }).on('error', () => {});
  }

  async version(): Promise<number> {
    await this.connected();
    return Number((await this.client.get(`${this.prefix}version`)) ?? 0);
  }

  async get(key: string): Promise<CachedAnswer | null> {
    await this.connected();
    const raw = await this.client.get(this.entryKey(key));
    if (raw === null) return null;
    const { body, etag } = JSON.parse(raw) as CachedAnswer;
    return { body, etag };
  }

  async set(key: string, answer: CachedAnswer, tags: readonly string[], version: number): Promise<boolean> {
    const keys = [`${this.prefix}version`, this.entryKey(key), ...tags.flatMap((tag) => this.tagKeys(tag))];
    await this.connected();
    const stored = await this.client.eval(
      SET_SCRIPT,
      keys.length,
      ...keys,
      String(version),
      JSON.stringify({ body: answer.body, etag: answer.etag }),
      String(this.ttlSeconds),
      String(this.ttlSeconds + 300),
      String(tags.length),
    );
    return Number(stored) === 1;
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const keys = [`${this.prefix}version`, ...tags.flatMap((tag) => this.tagKeys(tag))];
    await this.connected();
    await this.client.eval(INVALIDATE_SCRIPT, keys.length, ...keys, String(this.ttlSeconds + 300));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Waits for the first connection (briefly: past it, a command fails fast and the request reads the database). */
  private async connected(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      this.client.once('ready', done);
    });
  }

  private entryKey(key: string): string {
    return `${this.prefix}entry:${createHash('sha1').update(key).digest('base64url')}`;
  }

  private tagKeys(tag: string): [string, string] {
    return [`${this.prefix}tag:${tag}`, `${this.prefix}members:${tag}`];
  }
}
