import { inject, injectable } from 'inversify';
import { toProduct } from '../catalog/views.js';
import type { ProductRepository, ProductRow } from '../catalog/ports.js';
import type { Product } from '../catalog/schemas.js';
import { PERMISSIONS } from '../identity/permissions.js';
import type { Context } from '../shared/context.js';
import { can, requirePermission, requireUser } from '../shared/context.js';
import { NotFoundError } from '../shared/errors.js';
import type { Store, UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { countBaskets, indexContent, neighbourRows, popularityMap } from './build.js';
import { evaluateRecommendations, HISTORY_LENGTH } from './evaluate.js';
import { blendHistory, TOP_N, type Scored } from './model.js';
import type { NeighbourRow, RecommendationRepository } from './ports.js';
import {
  forMeQuerySchema,
  productRecommendationQuerySchema,
  type EvaluationReport,
  type ForMeQuery,
  type ProductRecommendationQuery,
  type RebuildResult,
  type RecommendationList,
  type RecommendationProgress,
  type SeedOrdersOptions,
  type SeedOrdersResult,
} from './schemas.js';
import { seedOrders } from './seed.js';

/** How long a cached neighbour list is trusted when the rebuild ran in another process. */
export const RECOMMENDATION_CACHE_TTL_MS = 5 * 60 * 1000;
const CACHE_ENTRIES = 10_000;
const DEFAULT_LIMIT = 10;

/**
 * Stored neighbour lists per (kind, product), in process. A rebuild in this process clears it;
 * one in another process is seen within `RECOMMENDATION_CACHE_TTL_MS`. Only ids are cached: which
 * of them are published and in stock is read fresh on every request.
 */
class NeighbourCache {
  private readonly entries = new Map<string, { at: number; list: Scored[] }>();
  get(key: string, now: number): Scored[] | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (now - hit.at > RECOMMENDATION_CACHE_TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.list;
  }
  set(key: string, list: Scored[], now: number): void {
    if (this.entries.size >= CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { at: now, list });
  }
  clear(): void {
    this.entries.clear();
  }
}

/**
 * Recommendations (`engine.recommendations`): "bought together" and "similar" for a product page,
 * "for you" for a signed-in customer, the rebuild that computes the stored lists, an offline
 * evaluation against a most-popular baseline, and a generator of planted order histories.
 */
@injectable()
export class RecommendationService {
  private readonly repo: RecommendationRepository;
  private readonly products: ProductRepository;
  private readonly cache = new NeighbourCache();

  constructor(
    @inject(TOKENS.Store) store: Store,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {
    this.repo = store.repositories.recommendations;
    this.products = store.repositories.products;
  }

  /**
   * Products to show beside one product: `bought_together` (from order history) or `similar` (from
   * the catalog). Published, in stock, never the product itself. An unknown product — or a draft or
   * archived one, for callers who may not read those — is a NotFoundError.
   */
  async forProduct(
    ctx: Context,
    idOrSlug: string,
    query: ProductRecommendationQuery = {},
  ): Promise<RecommendationList> {
    const { kind, limit = DEFAULT_LIMIT } = parseInput(productRecommendationQuerySchema, query, 'query');
    const product = await this.products.find(ctx, idOrSlug);
    if (!product || (product.status !== 'published' && !can(ctx, PERMISSIONS.productRead))) {
      throw new NotFoundError(`Product '${idOrSlug}' not found`);
    }
    const lists = await this.neighbourLists(ctx, [product.id], kind);
    const ids = (lists.get(product.id) ?? []).map((n) => n.id).filter((id) => id !== product.id);
    return { results: await this.render(ctx, await this.recommendable(ctx, ids, limit)) };
  }

  /**
   * "For you" for the calling user: the neighbours of what they bought lately (at most half the
   * list), leaving out what they bought; then popular products of those categories; then popular
   * products (all of the list with no history).
   */
  async forMe(ctx: Context, query: ForMeQuery = {}): Promise<RecommendationList> {
    const { limit = DEFAULT_LIMIT } = parseInput(forMeQuerySchema, query, 'query');
    const user = requireUser(ctx);
    const history = await this.repo.recentPurchases(ctx, user.id, HISTORY_LENGTH);
    const historyIds = history.map((h) => h.product_id);
    let rows: ProductRow[] = [];
    if (history.length > 0) {
      const lists = await this.neighbourLists(ctx, historyIds, 'bought_together');
      const ranked = blendHistory(historyIds, (id) => lists.get(id) ?? [], TOP_N);
      // Neighbours take at most half the list: the evaluation showed popular fill-ins beat weak neighbours.
      rows = await this.recommendable(ctx, ranked, Math.ceil(limit / 2));
      const categories = [...new Set(history.map((h) => h.category_id).filter((c): c is string => c !== null))];
      if (rows.length < limit && categories.length > 0) {
        const skip = [...historyIds, ...rows.map((r) => r.id)];
        rows.push(...(await this.repo.popular(ctx, categories, skip, limit - rows.length)));
      }
    }
    if (rows.length < limit) {
      const skip = [...historyIds, ...rows.map((r) => r.id)];
      rows.push(...(await this.repo.popular(ctx, null, skip, limit - rows.length)));
    }
    return { results: await this.render(ctx, rows) };
  }

  /**
   * Recomputes every stored list from scratch (`product:write`; the job and the CLI run it as the
   * system). Streams the order history in keyset batches, so memory holds counts per product and
   * per pair, not order lines; writes the lists in one transaction, so readers switch from the old
   * lists to the new ones at its commit; then clears this process's cache.
   */
  async rebuild(ctx: Context, options: { onProgress?: RecommendationProgress } = {}): Promise<RebuildResult> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    const started = Date.now();
    const total = await this.repo.countOrders(ctx);
    options.onProgress?.('orders', 0, total);
    // The counter (pair counts: the bulk of the memory) is dropped once it has given its lists.
    const { orders, lines, boughtTogether, popularity, index } = await (async () => {
      const counter = await countBaskets(this.repo, ctx, {}, total, options.onProgress);
      const { index, published } = await indexContent(this.repo, ctx);
      return {
        orders: counter.orders,
        lines: counter.lines,
        boughtTogether: counter.boughtTogether(TOP_N, (id) => published.has(id)),
        popularity: counter.popularity(),
        index,
      };
    })();
    options.onProgress?.('writing', 0, index.size);
    let written = 0;
    const rows = await this.unitOfWork.run(ctx, (tx) =>
      this.repo.replace(
        tx,
        (async function* () {
          for await (const batch of neighbourRows(boughtTogether, index, popularityMap(popularity))) {
            written += batch.length;
            options.onProgress?.('writing', Math.min(index.size, Math.round(written / TOP_N / 2)), index.size);
            yield batch;
          }
        })(),
        popularity,
      ),
    );
    await this.repo.refreshStatistics(ctx);
    this.cache.clear();
    return {
      orders,
      order_lines: lines,
      products: index.size,
      rows,
      duration_ms: Date.now() - started,
    };
  }

  /**
   * Evaluates the recommender offline (`product:write`): trains on the earlier 80 % of orders,
   * tests on the later 20 % and reports hit rate, precision and coverage at `k` per kind beside a
   * most-popular baseline. Fewer than 10 orders is a ConflictError.
   */
  async evaluate(
    ctx: Context,
    options: { k?: number; onProgress?: RecommendationProgress } = {},
  ): Promise<EvaluationReport> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    return evaluateRecommendations(this.repo, ctx, options.k ?? 10, options.onProgress);
  }

  /**
   * Generates customers and orders with planted structure (`product:write`; see `seed-orders.ts`)
   * over the published products in stock, in batched multi-row inserts.
   */
  async seedOrders(ctx: Context, options: SeedOrdersOptions): Promise<SeedOrdersResult> {
    requirePermission(ctx, PERMISSIONS.productWrite);
    return seedOrders(this.repo, this.unitOfWork, ctx, options);
  }

  private async neighbourLists(
    ctx: Context,
    ids: string[],
    kind: NeighbourRow['kind'],
  ): Promise<Map<string, Scored[]>> {
    const now = ctx.clock.now().getTime();
    const out = new Map<string, Scored[]>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.cache.get(`${kind}:${id}`, now);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const read = await this.repo.neighbours(ctx, missing, kind);
      for (const id of missing) {
        const list = read.get(id) ?? [];
        this.cache.set(`${kind}:${id}`, list, now);
        out.set(id, list);
      }
    }
    return out;
  }

  /** The first `limit` of `ids` (in their order) that are published and in stock. */
  private async recommendable(ctx: Context, ids: string[], limit: number): Promise<ProductRow[]> {
    if (ids.length === 0) return [];
    const rows = new Map((await this.repo.recommendable(ctx, ids)).map((r) => [r.id, r]));
    return ids.flatMap((id) => rows.get(id) ?? []).slice(0, limit);
  }

  private async render(ctx: Context, rows: ProductRow[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    const variants = await this.products.variantsOf(
      ctx,
      rows.map((r) => r.id),
    );
    return rows.map((r) =>
      toProduct(
        r,
        variants.filter((v) => v.product_id === r.id),
      ),
    );
  }
}
