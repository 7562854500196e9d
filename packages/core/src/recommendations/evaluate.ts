import { ConflictError } from '../shared/errors.js';
import type { Context } from '../shared/context.js';
import { indexContent, popularityMap, similarLists, streamBaskets } from './build.js';
import { blendHistory, CooccurrenceCounter, TOP_N, type Scored } from './model.js';
import type { RecommendationRepository } from './ports.js';
import type { EvaluationFigures, EvaluationReport, KindEvaluation, RecommendationProgress } from './schemas.js';

/** Products of one history a for-me list is built from. */
export const HISTORY_LENGTH = 20;
/** Query products per test basket (bounds the work on very large baskets). */
const QUERIES_PER_BASKET = 10;
/** Fewer orders than this cannot be split meaningfully. */
export const MIN_EVALUATION_ORDERS = 10;

class Tally {
  cases = 0;
  hits = 0;
  precision = 0;
  readonly shown = new Set<string>();
  add(list: readonly string[], relevant: ReadonlySet<string>, k: number): void {
    this.cases++;
    let found = 0;
    for (const id of list) {
      this.shown.add(id);
      if (relevant.has(id)) found++;
    }
    if (found > 0) this.hits++;
    this.precision += found / k;
  }
  figures(catalog: number): EvaluationFigures {
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    return {
      hit_rate: round(this.cases ? this.hits / this.cases : 0),
      precision: round(this.cases ? this.precision / this.cases : 0),
      coverage: round(catalog ? this.shown.size / catalog : 0),
    };
  }
}

/** The first `k` of `ranked` that are not in `exclude`. */
function firstExcept(ranked: readonly string[], exclude: ReadonlySet<string> | string, k: number): string[] {
  const out: string[] = [];
  for (const id of ranked) {
    if (typeof exclude === 'string' ? id === exclude : exclude.has(id)) continue;
    out.push(id);
    if (out.length === k) break;
  }
  return out;
}

/** A for-me list: neighbours of the history (at most half), then popular products of its categories, then popular ones. */
export function forMeList(
  history: readonly string[],
  neighbours: (id: string) => readonly Scored[],
  popular: readonly string[],
  categoryOf: (id: string) => string | null,
  k: number,
): string[] {
  const list = blendHistory(history, neighbours, Math.ceil(k / 2));
  if (list.length >= k) return list;
  const skip = new Set([...history, ...list]);
  const categories = new Set<string | null>(history.map(categoryOf).filter((c) => c !== null));
  for (const id of popular) {
    if (list.length >= k) break;
    if (!skip.has(id) && categories.has(categoryOf(id))) {
      list.push(id);
      skip.add(id);
    }
  }
  return [...list, ...firstExcept(popular, skip, k - list.length)];
}

/**
 * Offline evaluation by time: orders in id (time) order, the model trained on the earlier 80 %
 * exactly as a rebuild trains it, and judged on the later 20 % beside a "most popular" baseline.
 * - `bought_together` and `similar`: for each test order and each of its products, the list for
 *   that product should contain the order's other products.
 * - `for_me`: for each customer with orders in both parts, the list built from their earlier
 *   purchases should contain what they bought later (leaving out what they had bought before).
 */
export async function evaluateRecommendations(
  repo: RecommendationRepository,
  ctx: Context,
  k: number,
  progress?: RecommendationProgress,
): Promise<EvaluationReport> {
  const total = await repo.countOrders(ctx);
  if (total < MIN_EVALUATION_ORDERS) {
    throw new ConflictError(`Evaluation needs at least ${MIN_EVALUATION_ORDERS} orders; the shop has ${total}`);
  }
  const trainCount = Math.floor(total * 0.8);
  const split = await repo.orderIdAt(ctx, trainCount);
  const counter = new CooccurrenceCounter();
  const histories = new Map<string, string[]>();
  let lastTrainId: string | null = null;
  let done = 0;
  for await (const batch of streamBaskets(repo, ctx, { beforeId: split })) {
    for (const b of batch) {
      counter.add(b.product_ids, Date.parse(b.created_at));
      const h = histories.get(b.user_id) ?? [];
      const merged = [...new Set([...b.product_ids, ...h])].slice(0, 100);
      histories.set(b.user_id, merged);
      lastTrainId = b.order_id;
    }
    done += batch.length;
    progress?.('train', done, trainCount);
  }
  const { index, published, categories } = await indexContent(repo, ctx);
  const boughtTogether = counter.boughtTogether(TOP_N, (id) => published.has(id));
  const popularity = counter.popularity();
  const similar = similarLists(index, k, popularityMap(popularity));
  const popular = popularity.filter((p) => published.has(p.id)).map((p) => p.id);

  const tallies = {
    bought_together: { model: new Tally(), baseline: new Tally() },
    similar: { model: new Tally(), baseline: new Tally() },
    for_me: { model: new Tally(), baseline: new Tally() },
  };
  const later = new Map<string, Set<string>>();
  const testCount = total - trainCount;
  done = 0;
  for await (const batch of streamBaskets(repo, ctx, { afterId: lastTrainId })) {
    for (const b of batch) {
      const basket = [...new Set(b.product_ids)];
      const set = later.get(b.user_id) ?? new Set<string>();
      for (const p of basket) set.add(p);
      later.set(b.user_id, set);
      if (basket.length < 2) continue;
      for (const q of basket.slice(0, QUERIES_PER_BASKET)) {
        const relevant = new Set(basket.filter((p) => p !== q));
        const base = firstExcept(popular, q, k);
        const bt = (boughtTogether.get(q) ?? []).slice(0, k).map((s) => s.id);
        tallies.bought_together.model.add(bt, relevant, k);
        tallies.bought_together.baseline.add(base, relevant, k);
        const sim = (similar.get(q) ?? []).slice(0, k).map((s) => s.id);
        tallies.similar.model.add(sim, relevant, k);
        tallies.similar.baseline.add(base, relevant, k);
      }
    }
    done += batch.length;
    progress?.('test', done, testCount);
  }
  for (const [user, bought] of later) {
    const history = (histories.get(user) ?? []).slice(0, HISTORY_LENGTH);
    if (history.length === 0) continue;
    const before = new Set(histories.get(user));
    const relevant = new Set([...bought].filter((p) => !before.has(p)));
    if (relevant.size === 0) continue;
    const model = forMeList(
      history,
      (id) => boughtTogether.get(id) ?? [],
      popular,
      (id) => categories.get(id) ?? null,
      k,
    );
    tallies.for_me.model.add(model, relevant, k);
    tallies.for_me.baseline.add(firstExcept(popular, before, k), relevant, k);
  }
  const kinds: KindEvaluation[] = (['bought_together', 'similar', 'for_me'] as const).map((kind) => ({
    kind,
    cases: tallies[kind].model.cases,
    model: tallies[kind].model.figures(published.size),
    baseline: tallies[kind].baseline.figures(published.size),
  }));
  return { k, train_orders: trainCount, test_orders: testCount, split_order_id: split, kinds };
}
