import type { Context } from '../shared/context.js';
import { ContentIndex } from './content.js';
import { CooccurrenceCounter, TOP_N, type Scored } from './model.js';
import type { Basket, NeighbourRow, RecommendationRepository } from './ports.js';
import type { RecommendationProgress } from './schemas.js';

/** Orders read per keyset batch: two statements each, a few thousand lines in memory at a time. */
export const BASKET_BATCH = 1000;
/** Products read per keyset batch for content similarity. */
export const CONTENT_BATCH = 2000;

/** Streams the baskets in `[fromId, beforeId)` in id order, batch by batch. */
export async function* streamBaskets(
  repo: RecommendationRepository,
  ctx: Context,
  range: { afterId?: string | null; beforeId?: string | null } = {},
): AsyncGenerator<Basket[]> {
  let after = range.afterId ?? null;
  for (;;) {
    const batch = await repo.baskets(ctx, after, BASKET_BATCH, range.beforeId ?? null);
    if (batch.length === 0) return;
    yield batch;
    after = batch[batch.length - 1].order_id;
    if (batch.length < BASKET_BATCH) return;
  }
}

/** Counts every basket of the range into a fresh counter. */
export async function countBaskets(
  repo: RecommendationRepository,
  ctx: Context,
  range: { beforeId?: string | null },
  total: number,
  progress?: RecommendationProgress,
): Promise<CooccurrenceCounter> {
  const counter = new CooccurrenceCounter();
  let done = 0;
  for await (const batch of streamBaskets(repo, ctx, range)) {
    for (const b of batch) counter.add(b.product_ids, Date.parse(b.created_at));
    done += batch.length;
    progress?.('orders', done, total);
  }
  return counter;
}

/** The published products, and the content index over every product. */
export async function indexContent(
  repo: RecommendationRepository,
  ctx: Context,
  progress?: RecommendationProgress,
): Promise<{ index: ContentIndex; published: Set<string>; categories: Map<string, string | null> }> {
  const index = new ContentIndex();
  const published = new Set<string>();
  const categories = new Map<string, string | null>();
  let after: string | null = null;
  for (;;) {
    const batch = await repo.contentFeatures(ctx, after, CONTENT_BATCH);
    for (const p of batch) {
      index.add(p);
      categories.set(p.id, p.category_id);
      if (p.published) published.add(p.id);
    }
    progress?.('catalog', index.size, index.size);
    if (batch.length < CONTENT_BATCH) break;
    after = batch[batch.length - 1].id;
  }
  return { index, published, categories };
}

/** Popularity as the similarity prior reads it: score per product id. */
export function popularityMap(popularity: readonly Scored[]): Map<string, number> {
  return new Map(popularity.map((p) => [p.id, p.score]));
}

/** Every similar list of the index, in memory (the evaluation's lists). */
export function similarLists(
  index: ContentIndex,
  n = TOP_N,
  popularity?: ReadonlyMap<string, number>,
): Map<string, Scored[]> {
  return new Map(index.similar(n, popularity));
}

/** The rows a rebuild writes, in batches: every bought-together list, then every similar list. */
export async function* neighbourRows(
  boughtTogether: Map<string, Scored[]>,
  index: ContentIndex,
  popularity: ReadonlyMap<string, number>,
  batchSize = 5000,
): AsyncGenerator<NeighbourRow[]> {
  let batch: NeighbourRow[] = [];
  const lists: Iterable<[NeighbourRow['kind'], string, Scored[]]> = (function* () {
    for (const [id, list] of boughtTogether) yield ['bought_together', id, list] as const;
    for (const [id, list] of index.similar(TOP_N, popularity)) yield ['similar', id, list] as const;
  })() as Iterable<[NeighbourRow['kind'], string, Scored[]]>;
  for (const [kind, id, list] of lists) {
    list.forEach((n, rank) =>
      batch.push({ product_id: id, kind, rank, neighbour_id: n.id, score: Math.round(n.score * 1e6) / 1e6 }),
    );
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
