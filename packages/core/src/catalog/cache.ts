import type { OutboxEvent } from '../notifications/events.js';
import type { RealtimeHub } from '../notifications/realtime-hub.js';

/** A cached answer: the exact JSON body sent and its strong ETag. */
export interface CachedAnswer {
  body: string;
  etag: string;
}

/**
 * Port: where public catalog answers are kept (a bounded in-process LRU, or Redis for every
 * process). Entries carry tags; `invalidate(tags)` drops every entry holding one of them.
 *
 * The race a cache must not lose: a read that began before a write committed must not store its
 * (stale) answer after the write's invalidation. So every cache keeps a version: a counter that
 * each `invalidate` raises and writes onto the tags it names. A reader takes `version()` before it
 * reads the database and hands it to `set`, which refuses to store when any of the entry's tags was
 * invalidated after that version (the read may have seen the data before the write). An entry stored
 * before the invalidation is dropped by it. Either way no stale answer outlives the invalidation.
 */
export interface CatalogCache {
  /** `memory` or `redis`, for logs and health. */
  readonly name: string;
  /** The current version: take it before reading what will be stored. */
  version(): Promise<number>;
  /** The entry under `key`, or null. */
  get(key: string): Promise<CachedAnswer | null>;
  /**
   * Stores `answer` under `key` with `tags`, unless a tag was invalidated after `version`.
   * @returns whether it was stored.
   */
  set(key: string, answer: CachedAnswer, tags: readonly string[], version: number): Promise<boolean>;
  /** Drops every entry holding one of `tags` and marks the tags at a new version. */
  invalidate(tags: readonly string[]): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The tags public catalog answers carry. */
export const CATALOG_CACHE_TAGS = {
  /** A product's own answer (`GET /api/products/{id-or-slug}`). */
  product: (id: string) => `product:${id}`,
  /** A category's own answer. */
  category: (id: string) => `category:${id}`,
  /** Every product list page (filters, sort and search cross products). */
  productList: 'product-list',
  /** The category lists (flat and tree). */
  categoryList: 'category-list',
} as const;

/**
 * The tags an event makes stale, or null for an event the catalog cache ignores. A product change
 * drops its own answer and every list (the product may enter or leave any filter); a category change
 * drops its answer, the category lists and the product lists (the `category` filter walks the tree).
 */
export function staleTags(event: OutboxEvent): string[] | null {
  const t = CATALOG_CACHE_TAGS;
  switch (event.type) {
    case 'product.created':
    case 'product.updated':
    case 'product.deleted':
    case 'product.in_stock_changed': {
      const { product_id } = event.payload as { product_id: string };
      return [t.product(product_id), t.productList];
    }
    case 'category.created':
    case 'category.updated':
    case 'category.deleted': {
      const { category_id } = event.payload as { category_id: string };
      return [t.category(category_id), t.categoryList, t.productList];
    }
    default:
      return null;
  }
}

/** Event ids one process remembers having applied (a local commit and the hub's read deliver the same event). */
const APPLIED_MEMORY = 10_000;

/**
 * The engine's catalog cache (`engine.catalogCache`): the port, which product list pages are worth
 * keeping, and invalidation by catalog events. Events reach it twice in the process that committed
 * them — right after the commit (the store's after-commit hook, before the write's caller continues)
 * and through the process's realtime subscription — and once in every other process; each is applied
 * once per process.
 */
export class CatalogAnswerCache {
  private readonly applied = new Set<string>();
  private unlisten: (() => void) | null = null;

  constructor(
    readonly cache: CatalogCache,
    private readonly hub: Pick<RealtimeHub, 'listen'>,
    /** Product list pages kept: page 1 to N (page mode); the first keyset page when N ≥ 1. */
    readonly listPages: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Starts hearing every process's commits through the process's realtime subscription (the HTTP
   * router calls it: a process that serves cached answers must hear of changes). Idempotent.
   */
  listen(): void {
    this.unlisten ??= this.hub.listen((events) => void this.apply(events));
  }

  /** Drops what the catalog events among `events` make stale. */
  async apply(events: readonly OutboxEvent[]): Promise<void> {
    const tags = new Set<string>();
    for (const event of events) {
      if (this.applied.has(event.id)) continue;
      const stale = staleTags(event);
      if (!stale) continue;
      this.applied.add(event.id);
      if (this.applied.size > APPLIED_MEMORY) this.applied.delete(this.applied.values().next().value as string);
      for (const tag of stale) tags.add(tag);
    }
    if (tags.size === 0) return;
    try {
      await this.cache.invalidate([...tags]);
    } catch (err) {
      // Entries expire after CATALOG_CACHE_TTL at the latest; the error is reported.
      this.onError(err);
    }
  }

  /** Whether a product list request is one of the cached pages (no cursor, page 1..N, no offset). */
  cachesListPage(query: { page?: number; cursor?: string; offset?: number }): boolean {
    if (this.listPages < 1 || query.cursor !== undefined) return false;
    if (query.offset !== undefined && query.offset > 0) return false;
    return (query.page ?? 1) <= this.listPages;
  }

  /** An entry, or null (also when the cache cannot be reached: the request reads the database). */
  async get(key: string): Promise<CachedAnswer | null> {
    try {
      return await this.cache.get(key);
    } catch (err) {
      this.onError(err);
      return null;
    }
  }

  /** The version to store under, or null when the cache cannot be reached. */
  async version(): Promise<number | null> {
    try {
      return await this.cache.version();
    } catch (err) {
      this.onError(err);
      return null;
    }
  }

  /** Stores an answer read after `version`; false when a tag went stale meanwhile (or on an error). */
  async set(key: string, answer: CachedAnswer, tags: readonly string[], version: number): Promise<boolean> {
    try {
      return await this.cache.set(key, answer, tags, version);
    } catch (err) {
      this.onError(err);
      return false;
    }
  }

  /** Stops listening and releases the cache's connections (`engine.close()`). */
  close(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    return this.cache.close();
  }
}
