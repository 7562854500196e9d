import { searchWords } from '../catalog/text.js';
import type { Scored } from './model.js';

/** What content similarity reads of a product. */
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
const MAX_POSTING = 400;
/** Description words read per product. */
const DESCRIPTION_WORDS = 40;
/** Same category counts like a strong shared word. */
const CATEGORY_BOOST = 2;

function tokensOf(p: ContentFeatures): string[] {
  const tokens = new Set<string>();
  for (const w of searchWords(p.name)) if (w.length > 1) tokens.add(`w:${w}`);
  for (const w of searchWords(p.description).slice(0, DESCRIPTION_WORDS)) if (w.length > 2) tokens.add(`w:${w}`);
  for (const o of p.options) for (const v of o.values) tokens.add(`o:${o.name.toLowerCase()}=${v.toLowerCase()}`);
  return [...tokens];
}

/**
 * Content similarity: each product is a set of terms (the words of its name and description, as
 * search sees them, and its option values), weighted by inverse document frequency; two products
 * score the cosine of their weighted sets, plus a boost when they share a category. Candidates come
 * from the postings of a product's rarer terms and then its category, so a product with no sales
 * still has neighbours, and the work per product is bounded by `MAX_POSTING`.
 */
export class ContentIndex {
  private readonly products: ContentFeatures[] = [];
  private readonly tokens: number[][] = [];
  private readonly dict = new Map<string, number>();
  private readonly postings: number[][] = [];
  private readonly byCategory = new Map<string, number[]>();

  /** Adds a product (call for every product, then `similar`). */
  add(p: ContentFeatures): void {
    const i = this.products.length;
    this.products.push(p);
    const ids: number[] = [];
    for (const t of tokensOf(p)) {
      let id = this.dict.get(t);
      if (id === undefined) {
        id = this.postings.length;
        this.dict.set(t, id);
        this.postings.push([]);
      }
      this.postings[id].push(i);
      ids.push(id);
    }
    this.tokens.push(ids);
    if (p.category_id) {
      const list = this.byCategory.get(p.category_id);
      if (list) list.push(i);
      else this.byCategory.set(p.category_id, [i]);
    }
  }

  /** Products added. */
  get size(): number {
    return this.products.length;
  }

  /** The `n` most similar published products of every product, one product at a time. */
  *similar(n: number): Generator<[string, Scored[]]> {
    const total = this.products.length;
    const idf = this.postings.map((p) => Math.log(1 + total / p.length));
    const norms = this.tokens.map((ts, i) =>
      Math.sqrt(ts.reduce((s, t) => s + idf[t] ** 2, this.products[i].category_id ? CATEGORY_BOOST ** 2 : 1)),
    );
    const scores = new Float64Array(total);
    const touched: number[] = [];
    for (let i = 0; i < total; i++) {
      const me = this.products[i];
      for (const t of this.tokens[i]) {
        const posting = this.postings[t];
        if (posting.length > MAX_POSTING) continue;
        const w = idf[t] ** 2;
        for (const j of posting) {
          if (j === i || !this.products[j].published) continue;
          if (scores[j] === 0) touched.push(j);
          scores[j] += w;
        }
      }
      if (me.category_id) {
        // Category members join as candidates (at most MAX_POSTING of them when it is large).
        const members = this.byCategory.get(me.category_id) ?? [];
        const limit = Math.min(members.length, MAX_POSTING + 1);
        for (let m = 0; m < limit; m++) {
          const j = members[m];
          if (j === i || !this.products[j].published || scores[j] !== 0) continue;
          touched.push(j);
          scores[j] = Number.MIN_VALUE;
        }
      }
      const best: Scored[] = [];
      for (const j of touched) {
        const shared = me.category_id !== null && this.products[j].category_id === me.category_id;
        const score = (scores[j] + (shared ? CATEGORY_BOOST ** 2 : 0)) / (norms[i] * norms[j]);
        scores[j] = 0;
        if (best.length >= n && score <= best[best.length - 1].score) continue;
        let k = best.length;
        while (k > 0 && best[k - 1].score < score) k--;
        best.splice(k, 0, { id: this.products[j].id, score });
        if (best.length > n) best.pop();
      }
      touched.length = 0;
      yield [me.id, best];
    }
  }
}
