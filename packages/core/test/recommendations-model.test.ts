import { describe, expect, it } from 'vitest';
import { prng } from '../src/catalog/seed.js';
import { CooccurrenceCounter, logLikelihoodRatio, MIN_SUPPORT, type Scored } from '../src/recommendations/model.js';

/** Baskets over `products` ids: mostly random, and p-1/p-2 bought together in every tenth one. */
function baskets(count: number, products: number, seed: number): string[][] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, n) => {
    const size = 2 + Math.floor(rand() * 4);
    const basket = Array.from({ length: size }, () => `p-${Math.floor(rand() * products)}`);
    if (n % 10 === 0) basket.push('p-1', 'p-2');
    return basket;
  });
}

/** The same arithmetic the slow way: a Map of every pair, as the oracle. */
function reference(all: string[][], n: number): Map<string, Scored[]> {
  const items = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (const basket of all) {
    const distinct = [...new Set(basket)].sort();
    for (const p of distinct) items.set(p, (items.get(p) ?? 0) + 1);
    for (let a = 0; a < distinct.length; a++) {
      for (let b = a + 1; b < distinct.length; b++) {
        const key = `${distinct[a]} ${distinct[b]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
    }
  }
  const lists = new Map<string, Scored[]>();
  const push = (from: string, id: string, score: number) => {
    const list = lists.get(from) ?? [];
    lists.set(from, list);
    list.push({ id, score });
  };
  for (const [key, k11] of pairs) {
    const [a, b] = key.split(' ');
    const ca = items.get(a)!;
    const cb = items.get(b)!;
    if (k11 < MIN_SUPPORT || k11 * all.length <= ca * cb) continue;
    const score = logLikelihoodRatio(k11, ca - k11, cb - k11, all.length - ca - cb + k11);
    push(a, b, score);
    push(b, a, score);
  }
  for (const [id, list] of lists) {
    list.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
    lists.set(id, list.slice(0, n));
  }
  return lists;
}

describe('CooccurrenceCounter', () => {
  it('counts every pair exactly while its table grows, as a Map of pairs would', () => {
    // 30,000 baskets over 2,000 products: far more distinct pairs than the table's first size.
    const all = baskets(30_000, 2000, 7);
    const counter = new CooccurrenceCounter();
    all.forEach((b, i) => counter.add(b, i));
    expect(counter.orders).toBe(all.length);
    expect(counter.pruned).toBe(0);
    const expected = reference(all, 10);
    const got = counter.boughtTogether(10);
    expect(got.size).toBe(expected.size);
    for (const [id, list] of expected) {
      const mine = got.get(id)!;
      // Equal scores may come in either order; the scores, rank by rank, may not differ (beyond rounding).
      expect(mine.length).toBe(list.length);
      list.forEach((s, rank) => expect(mine[rank].score).toBeCloseTo(s.score, 6));
    }
    expect(got.get('p-1')![0].id).toBe('p-2');
  });

  it('drops pairs seen once past its bound and still finds the pair bought together', () => {
    const all = baskets(20_000, 2000, 9);
    const counter = new CooccurrenceCounter(5000);
    all.forEach((b, i) => counter.add(b, i));
    expect(counter.pruned).toBeGreaterThan(0);
    expect(counter.boughtTogether(10).get('p-1')![0].id).toBe('p-2');
  });
});
