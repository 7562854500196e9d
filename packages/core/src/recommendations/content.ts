import { searchWords } from '../catalog/text.js';
import type { Scored } from './model.js';

/**
 * What content similarity reads of a product — and all it reads: no attribute, no seed field, so
 * nothing but what a shopper sees can make two products alike.
 */
export interface ContentFeatures {
  id: string;
  category_id: string | null;
  name: string;
  description: string;
  /** `[{ name, values }]` as the product stores its options. */
  options: Array<{ name: string; values: string[] }>;
  /** Only published products are offered as neighbours. */
  published: boolean;
}

/** A term shared by more products than this does not propose candidates (it still scores them). */
const MAX_POSTING = 200;
/** The most popular products of a product's category proposed as candidates. */
const CATEGORY_CANDIDATES = 100;
/** Description words read per product. */
const DESCRIPTION_WORDS = 40;
/** A word of the name counts as this many of the description. */
const NAME_WEIGHT = 2;

/**
 * How the parts of a similarity add up: TF-IDF cosine of the words, cosine of the option values
 * (IDF-weighted), the same category, and a small prior for popular products (recency-weighted sales,
 * on a log scale, relative to the best-seller) that orders otherwise equal candidates.
 */
export const SIMILARITY_WEIGHTS = { text: 0.75, options: 0.1, category: 0.1, popularity: 0.05 } as const;

/** Term counts of one product: words of name and description, then option values. */
function termsOf(p: ContentFeatures): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (t: string, n: number) => terms.set(t, (terms.get(t) ?? 0) + n);
  for (const w of searchWords(p.name)) if (w.length > 1) add(`w:${w}`, NAME_WEIGHT);
  for (const w of searchWords(p.description).slice(0, DESCRIPTION_WORDS)) if (w.length > 2) add(`w:${w}`, 1);
  for (const o of p.options) for (const v of o.values) add(`o:${o.name.toLowerCase()}=${v.toLowerCase()}`, 1);
  return terms;
}

/**
 * Content similarity: each product is a TF-IDF vector of its words (name and description, as
 * search sees them; `1 + log tf` times `log(1 + N / df)`) and one of its option values; two
 * products score a weighted sum (`SIMILARITY_WEIGHTS`) of the two cosines, sharing a category and
 * the neighbour's popularity. Candidates come from the postings of a product's rarer terms and the
 * most popular products of its category, so a product with no sales still has neighbours and the
 * work per product is bounded by `MAX_POSTING` and `CATEGORY_CANDIDATES`.
 */
export class ContentIndex {
  private readonly ids: string[] = [];
  private readonly published: boolean[] = [];
  private readonly categoryOf: number[] = [];
  private readonly categories = new Map<string, number>();
  private readonly termIds: Int32Array[] = [];
  private readonly termCounts: Float32Array[] = [];
  private readonly dict = new Map<string, number>();
  private readonly isOption: boolean[] = [];
  private readonly postings: number[][] = [];

  /** Adds a product (call for every product, then `similar`). */
  add(p: ContentFeatures): void {
    const i = this.ids.length;
    this.ids.push(p.id);
    this.published.push(p.published);
    let category = -1;
    if (p.category_id !== null) {
      category = this.categories.get(p.category_id) ?? this.categories.size;
      this.categories.set(p.category_id, category);
    }
    this.categoryOf.push(category);
    const terms = termsOf(p);
    const ids = new Int32Array(terms.size);
    const counts = new Float32Array(terms.size);
    let k = 0;
    for (const [t, n] of terms) {
      let id = this.dict.get(t);
      if (id === undefined) {
        id = this.postings.length;
        this.dict.set(t, id);
        this.postings.push([]);
        this.isOption.push(t.startsWith('o:'));
      }
      this.postings[id].push(i);
      ids[k] = id;
      counts[k++] = n;
    }
    this.termIds.push(ids);
    this.termCounts.push(counts);
  }

  /** Products added. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * The `n` most similar published products of every product, one product at a time.
   * `popularity`: recency-weighted sales per product id (the rebuild's popularity), for the prior.
   */
  *similar(n: number, popularity: ReadonlyMap<string, number> = new Map()): Generator<[string, Scored[]]> {
    const total = this.ids.length;
    const idf = this.postings.map((p) => Math.log(1 + total / p.length));
    // Unit vectors: text and option parts normalised apart, so each is a cosine.
    const weights = this.termIds.map((ids, i) => {
      const counts = this.termCounts[i];
      const w = new Float32Array(ids.length);
      let text = 0;
      let opt = 0;
      for (let k = 0; k < ids.length; k++) {
        w[k] = (1 + Math.log(counts[k])) * idf[ids[k]];
        if (this.isOption[ids[k]]) opt += w[k] ** 2;
        else text += w[k] ** 2;
      }
      const tn = Math.sqrt(text) || 1;
      const on = Math.sqrt(opt) || 1;
      for (let k = 0; k < ids.length; k++) w[k] /= this.isOption[ids[k]] ? on : tn;
      return w;
    });
    let best = 0;
    for (const s of popularity.values()) if (s > best) best = s;
    const prior = new Float64Array(total);
    if (best > 0) {
      this.ids.forEach((id, j) => {
        prior[j] = Math.log1p(popularity.get(id) ?? 0) / Math.log1p(best);
      });
    }
    // Per category its published products, most popular first: the candidates a category proposes.
    const members: number[][] = Array.from({ length: this.categories.size }, () => []);
    for (let j = 0; j < total; j++)
      if (this.categoryOf[j] >= 0 && this.published[j]) members[this.categoryOf[j]].push(j);
    for (const list of members) list.sort((a, b) => prior[b] - prior[a] || a - b);

    const mine = new Float64Array(this.postings.length);
    const seen = new Uint8Array(total);
    const candidates: number[] = [];
    const W = SIMILARITY_WEIGHTS;
    for (let i = 0; i < total; i++) {
      const ids = this.termIds[i];
      const w = weights[i];
      for (let k = 0; k < ids.length; k++) {
        mine[ids[k]] = w[k];
        const posting = this.postings[ids[k]];
        if (posting.length > MAX_POSTING) continue;
        for (const j of posting) {
          if (seen[j] === 0) {
            seen[j] = 1;
            candidates.push(j);
          }
        }
      }
      const category = this.categoryOf[i];
      if (category >= 0) {
        const list = members[category];
        const limit = Math.min(list.length, CATEGORY_CANDIDATES + 1);
        for (let m = 0; m < limit; m++) {
          const j = list[m];
          if (seen[j] === 0) {
            seen[j] = 1;
            candidates.push(j);
          }
        }
      }
      const top: Scored[] = [];
      for (const j of candidates) {
        seen[j] = 0;
        if (j === i || !this.published[j]) continue;
        let text = 0;
        let opt = 0;
        const jIds = this.termIds[j];
        const jw = weights[j];
        for (let k = 0; k < jIds.length; k++) {
          const m = mine[jIds[k]];
          if (m === 0) continue;
          if (this.isOption[jIds[k]]) opt += m * jw[k];
          else text += m * jw[k];
        }
        const score =
          W.text * text +
          W.options * opt +
          (category >= 0 && this.categoryOf[j] === category ? W.category : 0) +
          W.popularity * prior[j];
        if (top.length >= n && score <= top[top.length - 1].score) continue;
        let k = top.length;
        while (k > 0 && top[k - 1].score < score) k--;
        top.splice(k, 0, { id: this.ids[j], score });
        if (top.length > n) top.pop();
      }
      candidates.length = 0;
      for (let k = 0; k < ids.length; k++) mine[ids[k]] = 0;
      yield [this.ids[i], top];
    }
  }
}
