import type { ProductRow } from '../catalog/ports.js';
import type { Context } from '../shared/context.js';
import type { ContentFeatures } from './content.js';
import type { Scored } from './model.js';

/** One order as the recommender reads it: who, when, and the products on its lines. */
export interface Basket {
  order_id: string;
  user_id: string;
  created_at: string;
  product_ids: string[];
}

/** One row of a computed neighbour list. */
export interface NeighbourRow {
  product_id: string;
  kind: 'bought_together' | 'similar';
  rank: number;
  neighbour_id: string;
  score: number;
}

/** A sellable product to seed orders with: its first variant. */
export interface SeedProduct {
  product_id: string;
  variant_id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  category_id: string | null;
  /**
   * The planted group the catalog seeder filed it under (`attributes.seed_group`), or null. Only
   * the order seeder reads it; the recommender never sees it.
   */
  seed_group: string | null;
}

/** Generated history to store (`insertHistory`). */
export interface SeedHistory {
  users: Array<{ id: string; email: string; name: string; created_at: string }>;
  orders: Array<{ id: string; number: string; user_id: string; currency: string; total: number; created_at: string }>;
  lines: Array<{
    order_id: string;
    position: number;
    variant_id: string;
    product_id: string;
    sku: string;
    name: string;
    unit_price: number;
    quantity: number;
  }>;
}

/** Port: what the recommender reads (order history, catalog) and its own tables. */
export interface RecommendationRepository {
  /** Orders that count (not cancelled); `beforeId`: only those with a smaller id. */
  countOrders(ctx: Context, beforeId?: string | null): Promise<number>;
  /** The id of the order at this 0-based position in id (time) order, or null past the end. */
  orderIdAt(ctx: Context, position: number): Promise<string | null>;
  /**
   * Up to `limit` orders after `afterId` in id order, each with its lines' products (keyset, two
   * statements); `beforeId` stops before that id. Cancelled orders are left out.
   */
  baskets(ctx: Context, afterId: string | null, limit: number, beforeId?: string | null): Promise<Basket[]>;
  /** Up to `limit` products after `afterId` in id order, any status (keyset). */
  contentFeatures(ctx: Context, afterId: string | null, limit: number): Promise<ContentFeatures[]>;
  /**
   * Inside `ctx.tx`: replaces every neighbour list and the popularity table. Readers keep seeing the
   * old lists until the transaction commits. `rows` may be called repeatedly for batches.
   */
  replace(ctx: Context, rows: AsyncIterable<NeighbourRow[]>, popularity: Scored[]): Promise<number>;
  /** The stored neighbours of these products of one kind, best first per product. */
  neighbours(ctx: Context, productIds: string[], kind: NeighbourRow['kind']): Promise<Map<string, Scored[]>>;
  /** The products among these ids that can be recommended: published and in stock. */
  recommendable(ctx: Context, productIds: string[]): Promise<ProductRow[]>;
  /** The most popular recommendable products (in these categories, when given), leaving out `exclude`. */
  popular(ctx: Context, categoryIds: string[] | null, exclude: string[], limit: number): Promise<ProductRow[]>;
  /** The products a customer bought, most recent first, distinct, at most `limit`, with their categories. */
  recentPurchases(
    ctx: Context,
    userId: string,
    limit: number,
  ): Promise<Array<{ product_id: string; category_id: string | null }>>;
  /** Published products with stock, one variant each, for seeding orders. */
  seedProducts(ctx: Context): Promise<SeedProduct[]>;
  /** Stores generated customers, orders and lines in multi-row inserts, inside `ctx.tx`. */
  insertHistory(ctx: Context, history: SeedHistory): Promise<void>;
  /** Refreshes the planner's statistics of the tables seeding and rebuilding fill. */
  refreshStatistics(ctx: Context): Promise<void>;
}

export const RECOMMENDATION_TOKENS = {
  RecommendationRepository: Symbol.for('emporia.RecommendationRepository'),
  RecommendationService: Symbol.for('emporia.RecommendationService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    recommendations: RecommendationRepository;
  }
}
