import type { CachedAnswer, CatalogCache } from '@emporia/core';
import { LRUCache } from 'lru-cache';

interface Entry extends CachedAnswer {
  tags: readonly string[];
  /** The version the answer was read after. */
  version: number;
}

/**
 * The in-process catalog cache: an LRU (lru-cache) of answers bounded by count and by bytes (a list
 * answer is ~25 KB, so a count alone could hold hundreds of MB), with a time to live, and the
 * version of each tag's last invalidation. An entry whose tag was invalidated after the entry's
 * version is stale: `get` drops it and `set` refuses it, so no tag index is needed. The tag
 * versions are bounded too; a tag pushed out leaves its version behind as a floor that every
 * unknown tag is taken to have, which can only refuse more, never serve stale.
 */
export class MemoryCatalogCache implements CatalogCache {
  readonly name = 'memory';
  private current = 0;
  private floor = 0;
  private readonly entries: LRUCache<string, Entry>;
  private readonly tagVersions: LRUCache<string, number>;

  constructor(options: { maxEntries: number; ttlSeconds: number; maxBytes?: number }) {
    this.entries = new LRUCache({
      max: options.maxEntries,
      ttl: options.ttlSeconds * 1000,
      // UTF-16 code units ≈ bytes of the JSON answers (mostly ASCII); an answer larger than the whole
      // bound is not kept at all.
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry) => entry.body.length + entry.etag.length + 64,
    });
    this.tagVersions = new LRUCache({
      max: Math.max(1_000, options.maxEntries * 2),
      dispose: (version) => {
        if (version > this.floor) this.floor = version;
      },
    });
  }

  async version(): Promise<number> {
    return this.current;
  }

  async get(key: string): Promise<CachedAnswer | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.staleAfter(entry.tags, entry.version)) {
      this.entries.delete(key);
      return null;
    }
    return { body: entry.body, etag: entry.etag };
  }

  async set(key: string, answer: CachedAnswer, tags: readonly string[], version: number): Promise<boolean> {
    if (this.staleAfter(tags, version)) return false;
    this.entries.set(key, { body: answer.body, etag: answer.etag, tags, version });
    // lru-cache refuses (and drops the key's old answer) when one answer is larger than the bound.
    return this.entries.has(key);
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    this.current += 1;
    for (const tag of tags) this.tagVersions.set(tag, this.current);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** Some tag was invalidated after `version`. */
  private staleAfter(tags: readonly string[], version: number): boolean {
    return tags.some((tag) => (this.tagVersions.get(tag) ?? this.floor) > version);
  }
}
