import { z } from 'zod';
import { productSchema } from '../catalog/schemas.js';
import { intParam } from '../shared/pagination.js';

/** Most recommendations one request may ask for. */
export const MAX_RECOMMENDATIONS = 20;

const limitParam = z
  .union([intParam(1, MAX_RECOMMENDATIONS), z.number().int().min(1).max(MAX_RECOMMENDATIONS)])
  .optional()
  .describe(`How many products (default 10, at most ${MAX_RECOMMENDATIONS})`);

/** The kinds a product page asks for: `bought_together` (order history) or `similar` (content). */
export const productRecommendationKindSchema = z.enum(['bought_together', 'similar']);
/** A product page's recommendation kind. */
export type ProductRecommendationKind = z.infer<typeof productRecommendationKindSchema>;

/** `?kind=&limit=` of `GET /api/products/{id}/recommendations`. */
export const productRecommendationQuerySchema = z.strictObject({
  kind: productRecommendationKindSchema
    .default('bought_together')
    .describe('`bought_together`: bought in the same orders; `similar`: alike in category, options and words'),
  limit: limitParam,
});
/** Input of `recommendations.forProduct`. */
export type ProductRecommendationQuery = z.input<typeof productRecommendationQuerySchema>;

/** `?limit=` of `GET /api/recommendations/for-me`. */
export const forMeQuerySchema = z.strictObject({ limit: limitParam });
/** Input of `recommendations.forMe`. */
export type ForMeQuery = z.input<typeof forMeQuerySchema>;

/** Recommended products: published, in stock, never the product asked about, best first. */
export const recommendationListSchema = z
  .object({ results: z.array(productSchema).max(MAX_RECOMMENDATIONS) })
  .meta({ id: 'RecommendationList' });
/** Answer of `forProduct` and `forMe`. */
export type RecommendationList = z.infer<typeof recommendationListSchema>;

/** What a rebuild read and wrote. */
export interface RebuildResult {
  /** Orders read (cancelled ones are left out). */
  orders: number;
  /** Distinct products per order, summed. */
  order_lines: number;
  /** Products with content neighbours computed. */
  products: number;
  /** Rows written to `product_recommendations`. */
  rows: number;
  /** Wall time in milliseconds. */
  duration_ms: number;
}

/** Figures of one recommender (or the baseline) for one kind. */
export interface EvaluationFigures {
  /** Share of test cases with at least one relevant product among the first k. */
  hit_rate: number;
  /** Relevant products among the first k, over k, averaged over cases. */
  precision: number;
  /** Share of published products recommended in at least one case. */
  coverage: number;
}

/** One kind's evaluation: the model beside the most-popular baseline. */
export interface KindEvaluation {
  kind: 'bought_together' | 'similar' | 'for_me';
  /** Test cases: (order, product) pairs for the product kinds, customers for `for_me`. */
  cases: number;
  model: EvaluationFigures;
  baseline: EvaluationFigures;
}

/** What `recommendations.evaluate` reports. */
export interface EvaluationReport {
  /** Cut-off: lists of this length are judged. */
  k: number;
  /** Orders in the earlier part (trained on) and the later part (tested on). */
  train_orders: number;
  test_orders: number;
  /** The id of the first test order (orders are in time order by id). */
  split_order_id: string | null;
  kinds: KindEvaluation[];
}

/** Options of `recommendations.seedOrders`. */
export interface SeedOrdersOptions {
  /** Orders to generate (about four lines each). */
  orders: number;
  /** Same seed, same history. */
  seed?: number;
  /** Customers (default: one per five orders). */
  customers?: number;
  /** Orders per insert transaction (default 5,000). */
  batchSize?: number;
  /** Spread the orders over this many days before the clock's now (default 180). */
  days?: number;
  onProgress?: (done: number, total: number) => void;
}

/** What `seedOrders` generated. */
export interface SeedOrdersResult {
  customers: number;
  orders: number;
  order_lines: number;
  /** The latent groups ("shopping missions") baskets were drawn from. */
  missions: number;
}

/** Progress of a rebuild or evaluation: a phase, and done out of total in it. */
export type RecommendationProgress = (phase: string, done: number, total: number) => void;
