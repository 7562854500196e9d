/**
 * The recommender's arithmetic, with no I/O: co-occurrence counting over baskets with a
 * log-likelihood ratio score, popularity with recency decay, and the blend that turns a customer's
 * history into "for you". The rebuild (written to the database) and the evaluation (kept in memory)
 * both use it, so what is measured is what is served.
 */

/** Pairs kept per product. */
export const TOP_N = 30;
/** A pair must be bought together in at least this many orders to be recommended. */
export const MIN_SUPPORT = 2;
/** Distinct products of one order that take part in pairs (bigger baskets add n² pairs and little signal). */
export const MAX_BASKET = 30;
/** Past this many distinct pairs, pairs seen once are dropped (they cannot reach the minimum support by then). */
export const MAX_PAIRS = 3_000_000;
/** Popularity halves every 30 days of age (relative to the newest order). */
export const POPULARITY_HALF_LIFE_MS = 30 * 24 * 60 * 60 * 1000;

/** A neighbour and its score. */
export interface Scored {
  id: string;
  score: number;
}

const xlogx = (x: number): number => (x === 0 ? 0 : x * Math.log(x));
const entropy = (...counts: number[]): number => {
  let sum = 0;
  let parts = 0;
  for (const c of counts) {
    sum += c;
    parts += xlogx(c);
  }
  return xlogx(sum) - parts;
};

/**
 * Dunning's log-likelihood ratio of a 2×2 contingency table: `k11` orders with both, `k12` with
 * the first only, `k21` with the second only, `k22` with neither. High when the pair co-occurs far
 * more than its parts' frequencies predict; unlike a raw count it does not echo best-sellers.
 */
export function logLikelihoodRatio(k11: number, k12: number, k21: number, k22: number): number {
  const row = entropy(k11 + k12, k21 + k22);
  const col = entropy(k11 + k21, k12 + k22);
  const mat = entropy(k11, k12, k21, k22);
  return Math.max(0, 2 * (row + col - mat));
}

/** Keeps the `n` best candidates per key with an insertion into a small sorted array. */
class TopLists {
  private readonly lists = new Map<number, Scored[]>();
  constructor(private readonly n: number) {}
  offer(key: number, id: string, score: number): void {
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = []));
    if (list.length >= this.n && score <= list[list.length - 1].score) return;
    let i = list.length;
    while (i > 0 && list[i - 1].score < score) i--;
    list.splice(i, 0, { id, score });
    if (list.length > this.n) list.pop();
  }
  entries(): IterableIterator<[number, Scored[]]> {
    return this.lists.entries();
  }
}

/**
 * Orders per pair of compact product numbers: an open-addressing hash table over typed arrays
 * (12 bytes a slot, no object per pair), doubled when three quarters full.
 */
class PairCounts {
  private first = new Int32Array(0);
  private second = new Int32Array(0);
  private counts = new Int32Array(0);
  private mask = -1;
  size = 0;

  constructor(capacity = 1 << 16) {
    this.allocate(capacity);
  }

  private allocate(capacity: number): void {
    this.first = new Int32Array(capacity).fill(-1);
    this.second = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    let s = h & this.mask;
    while (this.first[s] !== -1 && (this.first[s] !== a || this.second[s] !== b)) s = (s + 1) & this.mask;
    return s;
  }

  /** Adds `n` orders to the pair `a < b`. */
  add(a: number, b: number, n = 1): void {
    const s = this.slot(a, b);
    if (this.first[s] === -1) {
      this.first[s] = a;
      this.second[s] = b;
      this.size++;
      this.counts[s] = n;
      if (this.size * 4 > (this.mask + 1) * 3) this.rehash(2 * (this.mask + 1), 0);
    } else {
      this.counts[s] += n;
    }
  }

  /** Keeps the pairs with at least `min` orders, in a table of `capacity` slots. */
  rehash(capacity: number, min: number): void {
    const [first, second, counts] = [this.first, this.second, this.counts];
    this.allocate(capacity);
    for (let s = 0; s < first.length; s++) {
      if (first[s] === -1 || counts[s] < min) continue;
      const t = this.slot(first[s], second[s]);
      this.first[t] = first[s];
      this.second[t] = second[s];
      this.counts[t] = counts[s];
      this.size++;
    }
  }

  /** Every pair with its count. */
  forEach(fn: (a: number, b: number, count: number) => void): void {
    for (let s = 0; s <= this.mask; s++) if (this.first[s] !== -1) fn(this.first[s], this.second[s], this.counts[s]);
  }
}

/**
 * Counts baskets as they stream past: orders per product, orders per pair, and a popularity score.
 * Memory is one number per product and per distinct pair seen, never per order line.
 */
export class CooccurrenceCounter {
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly itemCounts: number[] = [];
  private readonly lastSeen: number[] = [];
  private readonly decayed: number[] = [];
  private readonly pairs = new PairCounts();
  private newest = 0;
  /** Baskets counted. */
  orders = 0;
  /** Order lines read (distinct products per order). */
  lines = 0;
  /** Pairs seen once that were dropped to stay within `maxPairs`. */
  pruned = 0;

  constructor(private readonly maxPairs = MAX_PAIRS) {}

  private idOf(productId: string): number {
    let i = this.index.get(productId);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(productId, i);
      this.ids.push(productId);
      this.itemCounts.push(0);
      this.lastSeen.push(0);
      this.decayed.push(0);
    }
    return i;
  }

  /** Adds one order: its distinct products and when it was placed. */
  add(productIds: readonly string[], at: number): void {
    const distinct = [...new Set(productIds)];
    if (distinct.length === 0) return;
    this.orders++;
    this.lines += distinct.length;
    if (at > this.newest) this.newest = at;
    const idx = distinct.map((p) => this.idOf(p));
    for (const i of idx) {
      this.itemCounts[i]++;
      // Popularity as an exponentially decayed count, kept relative to the item's own last sale
      // and aged to the newest order when read.
      const last = this.lastSeen[i];
      const decay = last === 0 ? 0 : Math.pow(0.5, Math.max(0, at - last) / POPULARITY_HALF_LIFE_MS);
      this.decayed[i] = this.decayed[i] * decay + 1;
      this.lastSeen[i] = Math.max(last, at);
    }
    const inPairs = idx.length > MAX_BASKET ? idx.slice(0, MAX_BASKET) : idx;
    inPairs.sort((a, b) => a - b);
    for (let a = 0; a < inPairs.length; a++) {
      for (let b = a + 1; b < inPairs.length; b++) this.pairs.add(inPairs[a], inPairs[b]);
    }
    if (this.pairs.size > this.maxPairs) this.prune();
  }

  private prune(): void {
    const before = this.pairs.size;
    let capacity = 1 << 16;
    // Room for what survives (at most all of it) without growing straight away.
    while (capacity * 3 < before * 4) capacity *= 2;
    this.pairs.rehash(capacity, MIN_SUPPORT);
    this.pruned += before - this.pairs.size;
  }

  /** How many orders held the product. */
  count(productId: string): number {
    const i = this.index.get(productId);
    return i === undefined ? 0 : this.itemCounts[i];
  }

  /** Products with a sale, each with its recency-weighted sales, best first. */
  popularity(): Scored[] {
    return this.ids
      .map((id, i) => ({
        id,
        score: this.decayed[i] * Math.pow(0.5, (this.newest - this.lastSeen[i]) / POPULARITY_HALF_LIFE_MS),
      }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  }

  /**
   * The `n` best partners of every product: pairs with at least `MIN_SUPPORT` orders that occur
   * more often than chance (lift above 1), ranked by log-likelihood ratio.
   */
  boughtTogether(n = TOP_N, accept: (productId: string) => boolean = () => true): Map<string, Scored[]> {
    const top = new TopLists(n);
    const total = this.orders;
    const ok = this.ids.map((id) => accept(id));
    this.pairs.forEach((a, b, k11) => {
      if (k11 < MIN_SUPPORT) return;
      const ca = this.itemCounts[a];
      const cb = this.itemCounts[b];
      if (k11 * total <= ca * cb) return; // lift ≤ 1: bought together no more than by chance
      const score = logLikelihoodRatio(k11, ca - k11, cb - k11, total - ca - cb + k11);
      if (ok[b]) top.offer(a, this.ids[b], score);
      if (ok[a]) top.offer(b, this.ids[a], score);
    });
    const out = new Map<string, Scored[]>();
    for (const [key, list] of top.entries()) out.set(this.ids[key], list);
    return out;
  }
}

/**
 * "For you" from a history: each recently bought product (most recent first, weighted down with
 * age) lends its neighbours its weight times their normalised score; what was bought is left out.
 */
export function blendHistory(
  history: readonly string[],
  neighbours: (productId: string) => readonly Scored[],
  limit: number,
): string[] {
  const bought = new Set(history);
  const total = new Map<string, number>();
  history.forEach((productId, rank) => {
    const list = neighbours(productId);
    const best = list[0]?.score ?? 0;
    if (best <= 0) return;
    const weight = 1 / (1 + rank * 0.25);
    for (const n of list) {
      if (bought.has(n.id)) continue;
      total.set(n.id, (total.get(n.id) ?? 0) + weight * (n.score / best));
    }
  });
  return [...total.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([id]) => id);
}
