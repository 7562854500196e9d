import { searchWords, type Context, type ProductListFilter, type ProductSearchIndex } from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';
import { readRows } from './read-statements.js';
import { db } from './store.js';
import { rawRows } from './values.js';

/**
 * The static score of a product in the search index, 0–14: 0 when it is out of stock, otherwise 1
 * plus its popularity bucket (`product_popularity.score`, orders with a 30-day half-life, as the
 * recommendations rebuild writes it: ≥ 1, 2, 4 … 4096 → 1 … 13). A ranked search walks its hits
 * best static score first (newest first within one), stops after `CANDIDATES`, and re-ranks only
 * those by text relevance; the same score breaks ties between equal text matches.
 */
export const MAX_SEARCH_RANK = 14;
const POPULARITY_STEPS = Array.from({ length: MAX_SEARCH_RANK - 1 }, (_, i) => 2 ** i);

/**
 * SQL of the static score of product `p` (its `in_stock` and its popularity row), any dialect;
 * `inStock` replaces `p.in_stock` (an UPDATE that sets the flag computes the score from the new value).
 */
export function searchRankSql(p = 'p', inStock = `${p}.in_stock`): string {
  const steps = POPULARITY_STEPS.map((step, i) => ({ step, bucket: i + 1 })).reverse();
  const bucket = `case ${steps.map(({ step, bucket }) => `when pp.score >= ${step} then ${bucket}`).join(' ')} else 0 end`;
  const popularity = `coalesce((select ${bucket} from product_popularity pp where pp.product_id = ${p}.id), 0)`;
  return `(case when ${inStock} then 1 + ${popularity} else 0 end)`;
}

/**
 * SQLite: a search row's rowid is its static score times this, plus its sequence number (`seq`,
 * newer products higher): FTS5 keeps each word's hits in rowid order, so walking them rowid
 * descending is walking them best static score first, and the score is the rowid's top bits.
 */
export const SQLITE_RANK_SHIFT = 2 ** 40;

/**
 * What the static score adds to a text score: far below any difference between two texts' scores,
 * so it only orders equal text matches (the more popular first).
 */
const RANK_WEIGHT = 1e-6;

/** The weighted tsvector of a product from three SQL expressions: name and SKUs rank above the description. */
const tsvectorOf = (name: string, skus: string, description: string) =>
  `setweight(to_tsvector('simple', ${name}), 'A') || setweight(to_tsvector('simple', ${skus}), 'A') || setweight(to_tsvector('simple', ${description}), 'B')`;

/** Words the JS vector below writes exactly as `to_tsvector('simple', …)` does: PostgreSQL's parser keeps each whole. */
const PLAIN_WORD = /^[a-z0-9]{1,100}$/;
/** Below PostgreSQL's position bounds (256 per lexeme, 16,383 in all), which the JS vector does not apply. */
const MAX_VECTOR_WORDS = 250;

/**
 * The text form of `tsvectorOf`'s vector (weights A, A, B; each part's positions after the
 * previous parts', as `||` shifts them) from the three parts' search words, for a bulk load to
 * write with the row: COPY takes no expression, and writing it afterwards wrote every row twice.
 * Null when a word is not plain ASCII letters and digits (the database's lower-casing and parser
 * then decide) or the document is very long: those rows are left to the search index build.
 */
export function postgresSearchVector(parts: string[], weights = ['A', 'A', 'B']): string | null {
  const positions = new Map<string, string[]>();
  let position = 0;
  for (let part = 0; part < parts.length; part++) {
    if (!parts[part]) continue;
    for (const word of parts[part].split(' ')) {
      if (!PLAIN_WORD.test(word) || position >= MAX_VECTOR_WORDS) return null;
      position++;
      const list = positions.get(word);
      const entry = `${position}${weights[part]}`;
      if (list) list.push(entry);
      else positions.set(word, [entry]);
    }
  }
  let text = '';
  for (const [word, list] of positions) text += `${text ? ' ' : ''}'${word}':${list.join(',')}`;
  return text;
}

/**
 * The static score (`searchRankSql`) of a product just loaded: no popularity row can name an id
 * that did not exist; the search index build corrects any that does.
 */
export const loadedSearchRank = (inStock: boolean): number => (inStock ? 1 : 0);

/** A product's name, SKUs and description as search words. */
export function searchDocument(p: { name: string; description: string; skus: string }): string[] {
  return [p.name, p.skus, p.description].map((text) => searchWords(text).join(' '));
}

/**
 * MySQL: every indexed word and every query term carries this mark in front. InnoDB leaves out
 * words shorter than `innodb_ft_min_token_size` (3 by default: `12` in `SH-12` would be lost) and
 * its stopwords (`the`, `a`, …) from the index; marked, no word is that short (up to a minimum of
 * 3) or a stopword, so the matches are the same as on SQLite and PostgreSQL.
 */
const MYSQL_WORD_MARK = 'ft';

/**
 * The MySQL search text of a product: marked words, name and SKUs written twice so that they weigh
 * more than the description in InnoDB's ranking (which counts how often a word occurs).
 */
export function mysqlSearchText(p: { name: string; description: string; skus: string }): string {
  const [name, skus, description] = searchDocument(p).map((words) =>
    words.replace(/(^| )(?=\S)/g, `$1${MYSQL_WORD_MARK}`),
  );
  return [name, skus, name, skus, description].filter(Boolean).join(' ');
}

/** InnoDB boolean-mode query: every term required (`+`) and prefix-matched (`*`), marked like the words. */
export const mysqlBooleanQuery = (terms: string[]): string =>
  terms.map((t) => `+${MYSQL_WORD_MARK}${t.replace(/[^\p{L}\p{N}]/gu, '')}*`).join(' ');

/** How the product list matches and ranks search terms in each database. */
export interface SearchClause {
  /**
   * The products matching the terms, as `p`, for the list to filter and sort further. SQLite: the
   * FTS hits `hits(product_id, score)` first, then their products; PostgreSQL: a WHERE on `p`.
   */
  from(k: Knex, terms: string[]): Knex.QueryBuilder;
  /** SQL of the relevance score (higher is better) with its bindings. */
  score(terms: string[]): { sql: string; bindings: string[] };
  /**
   * The first `n` hits of the full ranking (score, then id, both descending), read from the
   * full-text index alone (no product row is touched); undefined where the database cannot rank
   * before joining the products.
   */
  topHits?(k: Knex, terms: string[], n: number): Promise<Array<{ product_id: string; score: number }>>;
  /**
   * How many products with one of `statuses` (any status when undefined) match, from the full-text
   * index alone, in one statement: exact, or the estimate (`estimate: true`) when that passes
   * `estimateAbove`. Undefined where that needs the product rows anyway.
   */
  countMatches?(
    k: Knex,
    terms: string[],
    statuses: readonly string[] | undefined,
    estimateAbove?: number,
  ): Promise<{ n: number; estimate?: true }>;
  /**
   * SQL of `countMatches`' answer as a one-row query `(n, estimated)`, for a statement to read it
   * as a column of its own (a ranked page's rows and their total in one round trip). Defined where
   * `countMatches` is.
   */
  countQuery?(
    terms: string[],
    statuses: readonly string[] | undefined,
    estimateAbove: number,
  ): { sql: string; bindings: Knex.Value[] };
  /**
   * About how many products with one of `statuses` (and passing `filtered`'s conditions on `p`,
   * when given) match, without reading the hits (PostgreSQL: the planner's statistics; SQLite
   * estimates inside `countMatches`). Undefined where only counting tells.
   */
  estimateMatches?(
    k: Knex,
    terms: string[],
    statuses: readonly string[] | undefined,
    filtered?: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
  ): Promise<number>;
  /**
   * SQL of the `n` first hits with one of `statuses` in the static order (best static score
   * first, see `searchRankSql`, then newest), scored, as `(product_id, score)`: the index walked
   * in that order, stopping at `n`, so only these hits are scored; with each its `tail_key` (see
   * `staticHits`). Undefined where the index has no such order. `kept`: the search's kept count
   * estimate, when there is one (a common word: PostgreSQL then walks the word's search heads).
   */
  candidateHits?(
    terms: string[],
    n: number,
    statuses: readonly string[] | undefined,
    kept?: number,
  ): { sql: string; bindings: Knex.Value[] };
  /**
   * The matching products as `p` in the static order (best static score first, then newest), each
   * with its `tail_key`: a negative number (so below any relevance score) that, with the id,
   * orders like the static order. After the static position `after` (a `tail_key` and an id):
   * `part` `same` holds the later hits with the same static score, `lower` those with a lower one
   * (two index ranges a planner estimates well; one row comparison it misjudges). The index is
   * walked in that order and stops at the caller's limit. A ranked cursor walks these after the
   * candidates (see `candidateHits`). Undefined where `candidateHits` is.
   */
  staticHits?(k: Knex, terms: string[], after: [number, string], part: 'same' | 'lower'): Knex.QueryBuilder;
  /** The matching products as `p` without scoring them, for counting. */
  matches(k: Knex, terms: string[]): Knex.QueryBuilder;
  /**
   * The hits passing the status, stock and price filters, in price order (then id), read from the
   * full-text index and its row map alone (no product row is read): after the keyset `after` when
   * given, at most `limit` from `offset`, as product ids; with `counted`, their total too (exact,
   * or an estimate past `estimateAbove`; undefined when only counting apart tells, past the last
   * page). Undefined where the index does not carry those columns.
   */
  priceSortedHits?(
    k: Knex,
    terms: string[],
    filter: Pick<ProductListFilter, 'statuses' | 'inStock' | 'minPrice' | 'maxPrice'>,
    order: {
      descending: boolean;
      after?: [number, string];
      limit: number;
      offset: number;
      counted: boolean;
      estimateAbove: number;
    },
  ): Promise<{ ids: string[]; total?: { n: number; estimate?: true } }>;
}

/**
 * Runs a bulk step on SQLite with a page cache of at least `kib` (128 MB unless given) instead of
 * the default 2 MB, then puts the old size back: index builds and the FTS load over a large
 * catalog otherwise spend most of their time re-reading pages evicted from the cache. A larger
 * cache already set (a seed's load) is kept.
 */
export async function withLargeSqliteCache<T>(
  k: Knex,
  dialect: Dialect,
  work: () => Promise<T>,
  kib = 131_072,
): Promise<T> {
  if (dialect !== 'sqlite') return work();
  const [{ cache_size: previous }] = (await k.raw('pragma cache_size')) as Array<{ cache_size: number }>;
  // A negative size is in KiB, a positive one in pages (4 KiB).
  const current = previous < 0 ? -previous : previous * 4;
  if (current >= kib) return work();
  await k.raw(`pragma cache_size = ${-kib}`);
  try {
    return await work();
  } finally {
    await k.raw(`pragma cache_size = ${Number(previous)}`);
  }
}

/**
 * FTS5's settings for a build from scratch, and their defaults: the terms it collects in memory
 * before writing a segment (`hashsize`, 1 MB by default) and the incremental merging of segments
 * as they accumulate (`automerge`, 4). A million products wrote some hundred 1 MB segments,
 * each merged again and again on the way; with 64 MB in memory and no automerge the few
 * segments are merged once, by the build's closing `optimize` (1M, the FTS insert: 16.5 s of CPU
 * → 8.9 s, loaded machine).
 */
const FTS_BUILD_SETTINGS = { hashsize: [64 * 1024 * 1024, 1024 * 1024], automerge: [0, 4] } as const;

/**
 * Sets `FTS_BUILD_SETTINGS` on the SQLite index, in the caller's transaction (so a process killed
 * during the build leaves the index's settings as they were); `restore` puts back what was set
 * before, or the default where nothing was (FTS5's settings rows cannot be deleted).
 */
async function withFtsBuildSettings(k: Knex): Promise<{ restore(): Promise<void> }> {
  const keys = Object.keys(FTS_BUILD_SETTINGS) as Array<keyof typeof FTS_BUILD_SETTINGS>;
  const stored = rawRows<{ k: string; v: unknown }>(
    await k.raw(`select k, v from products_fts_config where k in (${keys.map(() => '?').join(', ')})`, keys),
  );
  // Literal integers: FTS5 refuses a bound number (the driver binds it as a float).
  const set = (key: string, value: number) =>
    k.raw(`insert into products_fts (products_fts, rank) values (?, ${Math.trunc(value)})`, [key]);
  for (const key of keys) await set(key, FTS_BUILD_SETTINGS[key][0]);
  return {
    async restore() {
      for (const key of keys) {
        const before = stored.find((row) => row.k === key);
        await set(key, before ? Number(before.v) : FTS_BUILD_SETTINGS[key][1]);
      }
    },
  };
}

/** SQLite: a hit's score, bm25 (name 10, description 1, SKUs 5) plus the static score's tie-break. */
const SQLITE_SCORE = `(-bm25(products_fts, 10.0, 1.0, 5.0) + (products_fts.rowid >> 40) * ${RANK_WEIGHT})`;
/**
 * A search row's `tail_key` (see `SearchClause.staticHits`): SQLite's rowid less this (2^52, so
 * exact in a double), PostgreSQL's `search_rank` less `POSTGRES_TAIL_SHIFT`. Both below zero.
 */
const SQLITE_TAIL_SHIFT = 2 ** 52;
const POSTGRES_TAIL_SHIFT = 100;
/** PostgreSQL: a hit's score, ts_rank plus the static score's tie-break (float8: exact through a cursor's JSON). */
const POSTGRES_SCORE = `(ts_rank(p.search_vector, to_tsquery('simple', ?))::float8 + p.search_rank * ${RANK_WEIGHT})`;

/**
 * Which words PostgreSQL's search heads (migration 0033) are kept for, and how many: the words
 * whose ranked page reads many rows without them — at least `minRows` hits (fewer are read from
 * the GIN index and sorted) in at most one product in `minRows / CANDIDATE_HITS` (a commoner
 * word's static walk finds its candidates within that many rows) — estimated from a sample of
 * about `HEAD_SAMPLE` products, at most `MAX_HEAD_TERMS` words, each with its first `size`
 * products in the static order: twice a ranked page's candidates, so a filter by status leaves
 * enough (1M products: 145 words, 145k heads, 25 MB).
 */
export interface SearchHeadLimits {
  minRows: number;
  size: number;
}
const SEARCH_HEAD_LIMITS: SearchHeadLimits = { minRows: 2500, size: 1000 };
/** A ranked page's candidates (`CANDIDATES` of the product list). */
const CANDIDATE_HITS = 500;
const HEAD_SAMPLE = 20_000;
const MAX_HEAD_TERMS = 500;

/** FTS5 query: every term quoted and prefix-matched, all required. Terms hold letters and digits only. */
export const fts5Query = (terms: string[]): string => terms.map((t) => `"${t.replace(/"/g, '')}"*`).join(' AND ');
/** A search term as the full-text query matches it: its letters and digits. */
const plainTerm = (term: string): string => term.replace(/[^\p{L}\p{N}]/gu, '');
/** to_tsquery text: every term prefix-matched, all required. */
export const tsQuery = (terms: string[]): string => terms.map((t) => `${plainTerm(t)}:*`).join(' & ');

/** A term the FTS5 tokenizer (unicode61) indexes as it is: ASCII letters and digits only. */
const PLAIN_TERM = /^[a-z0-9]+$/;

/**
 * SQLite: the FTS5 query of `fts5Query` as a SQL expression that asks the index's vocabulary
 * (`products_fts_vocab`) first: a term no other indexed word begins with is matched as that exact
 * word instead of as a prefix. Both match the same rows with the same bm25 (one word, the same
 * positions and document count), but a prefix query gathers the whole doclist of its words before
 * the first hit comes out, and bm25 gathers it again for the document count: for a common word
 * that walk is most of the statement (a ranked page stops after `CANDIDATES` hits; an exact word
 * is read from its end). The vocabulary range probed holds only the longer words (from the term
 * plus U+0001), so for a word no other begins with it reads no doclist. Terms the tokenizer might
 * fold differently (not ASCII) stay prefixes.
 */
function sqliteMatch(terms: string[]): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  for (const t of terms) {
    const prefix = fts5Query([t]);
    if (!PLAIN_TERM.test(t)) {
      parts.push('?');
      bindings.push(prefix);
      continue;
    }
    parts.push(`(case when exists (select 1 from products_fts_vocab where term >= ? and term < ?) then ? else ? end)`);
    bindings.push(`${t}\u0001`, `${t}\u{10ffff}`, prefix, `"${t}"`);
  }
  return { sql: `(${parts.join(` || ' AND ' || `)})`, bindings };
}

/**
 * SQLite's estimate of the hits with one of `statuses`, from the index's vocabulary
 * (`products_fts_vocab`): products per word with the term's prefix (a product with two such words
 * counts twice: an upper bound); every term is required, so the rarest one bounds the hits. Scaled
 * by the share of products with those statuses (`product_counts`). A few b-tree reads, no hit.
 */
function sqliteEstimate(terms: string[], statuses: readonly string[] | undefined) {
  const perTerm = terms
    .map(() => 'select coalesce(sum(doc), 0) as n from products_fts_vocab where term >= ? and term < ?')
    .join(' union all ');
  const share = statuses
    ? `(select coalesce(sum(case when status in (${statuses.map(() => '?').join(', ')}) then n else 0 end), 0) * 1.0
         / max(coalesce(sum(n), 0), 1) from product_counts)`
    : '1';
  return {
    sql: `(select min(n) from (${perTerm})) * ${share}`,
    bindings: [...terms.flatMap((t) => [t, `${t}\u{10ffff}`]), ...(statuses ?? [])],
  };
}

type PriceFilter = Pick<ProductListFilter, 'statuses' | 'inStock' | 'minPrice' | 'maxPrice'>;
type PriceOrder = Parameters<NonNullable<SearchClause['priceSortedHits']>>[3];

/** A term's words in the index vocabulary (the prefix expanded): past this many the term stays a prefix query. */
const MAX_TERM_WORDS = 16;
/** The price walk checks each product against every word of every term; past this many words in all it does not walk. */
const MAX_WALK_WORDS = 6;
/**
 * What the price-sorted plans cost, in µs (SQLite 3.53, 1M products, measured in process): one hit
 * read through the row map and sorted (`all`); one hit put in the set and one index entry walked
 * past it (`set`); one product checked against one word of the full-text index (`walk`).
 */
const PRICE_PLAN_COST = { hit: 4, setHit: 1.6, entry: 0.2, check: 25 };
/** A hit's rowid below this is a static score of 0: out of stock (`SQLITE_RANK_SHIFT`). */
const IN_STOCK_ROWID = SQLITE_RANK_SHIFT;
/** A search of several terms with fewer hits together than this reads them all instead of walking. */
const MULTI_TERM_PROBE = 1000;
/** How many of a word's best static hits an estimate samples for the share inside a price range. */
const PRICE_SAMPLE = 500;

/** The search rows' conditions for a price-sorted search (on `r`, the row map), with their bindings. */
function priceConditions(filter: PriceFilter, statuses: readonly string[] | undefined) {
  const where: string[] = [];
  const bindings: Knex.Value[] = [];
  if (statuses) {
    where.push(statuses.length === 1 ? 'r.status = ?' : `r.status in (${statuses.map(() => '?').join(', ')})`);
    bindings.push(...statuses);
  }
  if (filter.inStock !== undefined) where.push(`r.in_stock = ${filter.inStock ? 1 : 0}`);
  if (filter.minPrice !== undefined) {
    where.push('r.min_price >= ?');
    bindings.push(filter.minPrice);
  }
  if (filter.maxPrice !== undefined) {
    where.push('r.min_price <= ?');
    bindings.push(filter.maxPrice);
  }
  return { where, bindings };
}

/** An FTS5 query of whole words: each term's words (its prefix expanded) OR-ed, the terms AND-ed. */
const fts5Words = (words: string[][]): string =>
  words.map((list) => `(${list.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ')})`).join(' AND ');

/**
 * What a price-sorted search knows before reading a hit, in one statement over the vocabulary
 * (`products_fts_vocab`) and `product_counts`: each term's words (null when a term has more than
 * `MAX_TERM_WORDS`), the hits estimated as `sqliteEstimate` does (the rarest term's products),
 * scaled to `status`, and the products with that status.
 */
async function priceSearchFacts(k: Knex, terms: string[], status: string) {
  const perTerm = terms
    .map(
      (_, i) =>
        `select ${i} as i, term, doc from (select term, doc from products_fts_vocab where term >= ? and term < ? limit ${MAX_TERM_WORDS + 1})`,
    )
    .join(' union all ');
  const rows = await readRows<{ i: number; term: string | null; doc: number }>(
    k,
    `${perTerm}
       union all select -1, null, (select coalesce(sum(n), 0) from product_counts where status = ?)
       union all select -2, null, (select coalesce(sum(n), 0) from product_counts)`,
    [...terms.flatMap((t) => [t, `${t}\u{10ffff}`]), status],
  );
  const words: string[][] = terms.map(() => []);
  const docs = terms.map(() => 0);
  let inStatus = 0;
  let all = 0;
  for (const row of rows) {
    if (row.i === -1) inStatus = Number(row.doc);
    else if (row.i === -2) all = Number(row.doc);
    else {
      words[row.i].push(String(row.term));
      docs[row.i] += Number(row.doc);
    }
  }
  const complete = words.every((list) => list.length <= MAX_TERM_WORDS);
  // Rarest term first: a walk checks the terms one by one and stops at the first that fails.
  const rarestFirst = words.map((list, i) => ({ list, docs: docs[i] })).sort((a, b) => a.docs - b.docs);
  return {
    words: complete ? rarestFirst.map((t) => t.list) : null,
    hits: (Math.min(...docs) * inStatus) / Math.max(all, 1),
    inStatus,
    statusShare: inStatus / Math.max(all, 1),
  };
}

type PricePlan = 'all' | 'set' | 'walk';

/**
 * The cheapest way to the window, by the estimated hits: `all` reads every hit through the row map
 * and sorts them (a rare word), `set` puts the hits in a set and walks the price index past it,
 * `walk` walks the price index and checks each product against the full-text index (a common
 * word: about `reach` / share of products checked, never a hit more). Only one status is walked;
 * a page whose hits could not pass `exactBelow` reads them all (its exact count comes with them).
 */
function choosePricePlan(
  facts: Awaited<ReturnType<typeof priceSearchFacts>>,
  reach: number,
  exactBelow: number | undefined,
): PricePlan {
  // Few enough hits to count exactly anyway: reading them all counts them in the same statement.
  if (!facts.words || facts.hits < 1 || (exactBelow !== undefined && facts.hits <= exactBelow)) return 'all';
  const entries = Math.min(facts.inStatus, (reach * facts.inStatus) / facts.hits);
  const words = facts.words.reduce((n, list) => n + list.length, 0);
  const cost: Record<PricePlan, number> = {
    all: facts.hits * PRICE_PLAN_COST.hit,
    set: facts.hits * PRICE_PLAN_COST.setHit + entries * PRICE_PLAN_COST.entry,
    walk: words <= MAX_WALK_WORDS ? entries * words * PRICE_PLAN_COST.check : Infinity,
  };
  return (Object.keys(cost) as PricePlan[]).reduce((best, plan) => (cost[plan] < cost[best] ? plan : best));
}

/** SQLite's `priceSortedHits` (see `SearchClause`). */
async function sqlitePriceSortedHits(
  k: Knex,
  terms: string[],
  filter: PriceFilter,
  order: PriceOrder,
): Promise<{ ids: string[]; total?: { n: number; estimate?: true } }> {
  const { descending, after, limit, offset, counted } = order;
  const dir = descending ? 'desc' : 'asc';
  // Limits are bindings: the statements are prepared once per shape (`readRows`).
  const window = `order by min_price ${dir}, product_id ${dir} limit ? offset ?`;
  const slice = [Math.trunc(limit), Math.trunc(offset)];
  const status = filter.statuses?.length === 1 ? filter.statuses[0] : undefined;
  const facts = status === undefined ? null : await priceSearchFacts(k, terms, status);
  const plan = facts ? choosePricePlan(facts, offset + limit, counted ? order.estimateAbove : undefined) : 'all';
  const everyHit = async (): Promise<{ ids: string[]; total?: { n: number } }> => {
    // Every hit is read (a sort by price needs them all), but from the FTS doclist and an
    // integer-keyed row map: no bm25, no product row; the window's count comes with it.
    const { where, bindings } = priceConditions(filter, filter.statuses);
    const keyset = after ? `where (min_price, product_id) ${descending ? '<' : '>'} (?, ?)` : '';
    const found = await readRows<{ product_id: string; total: number | null }>(
      k,
      `select product_id, total from (
           select r.product_id, r.min_price, ${counted ? 'count(*) over ()' : 'null'} as total
             from products_fts f join products_fts_rows r on r.rowid = f.rowid
            where f.products_fts match ?${where.map((w) => ` and ${w}`).join('')}
         ) ${keyset} ${window}`,
      [fts5Query(terms), ...bindings, ...(after ?? []), ...slice],
    );
    const ids = found.map((h) => h.product_id);
    return counted && found.length ? { ids, total: { n: Number(found[0].total) } } : { ids };
  };
  if (plan === 'all' || !facts?.words) return everyHit();
  if (facts.words.length > 1) {
    // The estimate bounds each term alone; terms that seldom share a product have few hits
    // together, which FTS5 finds by merging their doclists (it stops at the probe's limit).
    // With as many, the share of the rarest term's hits (in the same rowid range) that hold the
    // others scales the estimate.
    const [probe] = await readRows<{ n: number; last: number | null; rarest: number }>(
      k,
      `select p.n, p.last,
              (select count(*) from products_fts where products_fts match ? and rowid <= p.last) as rarest
         from (select count(*) as n, max(rowid) as last
                 from (select rowid from products_fts where products_fts match ? order by rowid limit ?)) as p`,
      [fts5Words(facts.words.slice(0, 1)), fts5Words(facts.words), MULTI_TERM_PROBE],
    );
    if (Number(probe.n) < MULTI_TERM_PROBE) return everyHit();
    facts.hits *= Math.min(1, Number(probe.n) / Math.max(Number(probe.rarest), 1));
  }
  // The walk and the set go along `products_fts_rows_price_idx` (status, price, id, stock): the
  // filters and the keyset are a range of it, so the walk reads the index alone.
  const { where, bindings } = priceConditions(filter, [status!]);
  if (after) {
    where.push(`(r.min_price, r.product_id) ${descending ? '<' : '>'} (?, ?)`);
    bindings.push(...after);
  }
  const range = `from products_fts_rows r indexed by products_fts_rows_price_idx where ${where.join(' and ')}`;
  const words = facts.words;
  const set = async () =>
    (
      await readRows<{ product_id: string }>(
        k,
        `select r.product_id, r.min_price ${range}
              and r.rowid in (select rowid from products_fts where products_fts match ?) ${window}`,
        [...bindings, fts5Words(words), ...slice],
      )
    ).map((h) => h.product_id);
  let ids: string[];
  if (plan === 'walk') {
    // At most `bound` entries are walked: four times what the estimate expects, so terms that
    // seldom meet (the estimate bounds each alone) cost a bounded walk. Each term is its own check
    // (rarest first): FTS5 looks an AND of terms up by advancing each to the other's next hit, so
    // terms that never meet made one check read their whole doclists.
    const expected = ((offset + limit) * facts.inStatus) / facts.hits;
    const bound = Math.ceil(Math.min(facts.inStatus, 4 * expected + 100));
    const checks = words
      .map(() => 'exists (select 1 from products_fts f where f.products_fts match ? and f.rowid = w.rid)')
      .join(' and ');
    ids = (
      await readRows<{ product_id: string }>(
        k,
        `select w.product_id, w.min_price from (
             select r.rowid as rid, r.product_id, r.min_price ${range}
              order by r.min_price ${dir}, r.product_id ${dir} limit ?
           ) as w
           where ${checks}
           ${window}`,
        [...bindings, bound, ...words.map((list) => fts5Words([list])), ...slice],
      )
    ).map((h) => h.product_id);
    if (ids.length < limit) {
      // Short: the end of the hits, or far fewer hits than estimated. With under a quarter of the
      // page found in `bound` entries the hits are few: read them all (with their exact count);
      // otherwise the set finds the rest.
      if (ids.length * 4 < limit) return everyHit();
      ids = await set();
    }
  } else ids = await set();
  if (!counted) return { ids };
  return { ids, total: await priceSortedCount(k, words, facts, filter, status!, order.estimateAbove) };
}

/**
 * The total of a walked price-sorted search: the estimated hits with the status, times the share in
 * stock (or out: the hits with a static score of 0, counted from the full-text index alone, a small
 * rowid range) and the share inside the price range (of the word's `PRICE_SAMPLE` best static
 * hits); past `estimateAbove` that estimate, else the exact count.
 */
async function priceSortedCount(
  k: Knex,
  words: string[][],
  facts: Awaited<ReturnType<typeof priceSearchFacts>>,
  filter: PriceFilter,
  status: string,
  estimateAbove: number,
): Promise<{ n: number; estimate?: true }> {
  const match = fts5Words(words);
  let estimate = facts.hits;
  const priced = filter.minPrice !== undefined || filter.maxPrice !== undefined;
  if (filter.inStock !== undefined || priced) {
    const inRange = priceConditions({ minPrice: filter.minPrice, maxPrice: filter.maxPrice }, undefined);
    const [shares] = await readRows<{ out_of_stock: number; sampled: number; inside: number }>(
      k,
      `select (select count(*) from products_fts where products_fts match ? and rowid < ${IN_STOCK_ROWID}) as out_of_stock,
                s.n as sampled, s.inside as inside
           from (select count(*) as n, coalesce(sum(${inRange.where.length ? inRange.where.join(' and ') : '1'}), 0) as inside
                   from (select rowid from products_fts where products_fts match ? order by rowid desc limit ${PRICE_SAMPLE}) as h
                   join products_fts_rows r on r.rowid = h.rowid) as s`,
      [match, ...inRange.bindings, match],
    );
    const out = Math.min(Number(shares.out_of_stock) * facts.statusShare, estimate);
    if (filter.inStock !== undefined) estimate = filter.inStock ? estimate - out : out;
    if (priced) estimate *= Number(shares.sampled) ? Number(shares.inside) / Number(shares.sampled) : 0;
  }
  if (estimate > estimateAbove) return { n: Math.round(estimate), estimate: true };
  const { where, bindings } = priceConditions(filter, [status]);
  const [row] = await readRows<{ n: number }>(
    k,
    `select count(*) as n from products_fts_rows r
        where r.rowid in (select rowid from products_fts where products_fts match ?) and ${where.join(' and ')}`,
    [match, ...bindings],
  );
  return { n: Number(row.n) };
}

const sqliteSearch: SearchClause = {
  from(k, terms) {
    // Materialised, so bm25() is evaluated inside the FTS query where SQLite allows it; CROSS JOIN
    // keeps the hits as the outer loop (the CTE has no index, so products must be probed by id).
    return k('hits')
      .withMaterialized(
        'hits',
        k.raw(
          `select r.product_id, ${SQLITE_SCORE} as score
             from products_fts join products_fts_rows r on r.rowid = products_fts.rowid
            where products_fts match ?`,
          [fts5Query(terms)],
        ),
      )
      .joinRaw('cross join products as p on p.id = hits.product_id');
  },
  score: () => ({ sql: 'hits.score', bindings: [] }),
  async topHits(k, terms, n) {
    // A top-n sort over the scored hits, ties broken by id as the full ranking breaks them; the
    // row map is an integer-keyed lookup, and no product row is read.
    return (await k.raw(
      `select r.product_id, ${SQLITE_SCORE} as score
         from products_fts join products_fts_rows r on r.rowid = products_fts.rowid
        where products_fts match ?
        order by score desc, r.product_id desc limit ?`,
      [fts5Query(terms), n],
    )) as Array<{ product_id: string; score: number }>;
  },
  async countMatches(k, terms, statuses, estimateAbove = Number.MAX_SAFE_INTEGER) {
    const { sql, bindings } = this.countQuery!(terms, statuses, estimateAbove);
    const [row] = await readRows<{ n: number; estimated: number }>(k, sql, bindings);
    return row.estimated ? { n: Math.round(Number(row.n)), estimate: true } : { n: Number(row.n) };
  },
  countQuery(terms, statuses, estimateAbove) {
    // The estimate decides in the same statement: past `estimateAbove` the exact count (a pass
    // over every hit) is never evaluated.
    const status = statuses ? ` and r.status in (${statuses.map(() => '?').join(', ')})` : '';
    const match = sqliteMatch(terms);
    const exact = `select count(*) from products_fts f join products_fts_rows r on r.rowid = f.rowid
                    where f.products_fts match ${match.sql}${status}`;
    const estimate = sqliteEstimate(terms, statuses);
    return {
      sql: `select case when e.n > ? then e.n else (${exact}) end as n, e.n > ? as estimated
              from (select ${estimate.sql} as n) as e`,
      bindings: [estimateAbove, ...match.bindings, ...(statuses ?? []), estimateAbove, ...estimate.bindings],
    };
  },
  candidateHits(terms, n, statuses) {
    // FTS5 walks its doclist in rowid order — static score, then sequence (SQLITE_RANK_SHIFT) —
    // best first with `desc`, and stops at the limit: bm25 is computed for these hits only.
    const status = statuses ? ` and r.status in (${statuses.map(() => '?').join(', ')})` : '';
    const match = sqliteMatch(terms);
    return {
      sql: `select r.product_id, ${SQLITE_SCORE} as score, products_fts.rowid - ${SQLITE_TAIL_SHIFT} as tail_key
              from products_fts join products_fts_rows r on r.rowid = products_fts.rowid
             where products_fts match ${match.sql}${status}
             order by products_fts.rowid desc limit ${Math.trunc(n)}`,
      bindings: [...match.bindings, ...(statuses ?? [])],
    };
  },
  staticHits(k, terms, after, part) {
    // The FTS doclist walked by rowid descending (static score, then sequence), no bm25: the
    // rowid alone orders the rows, so the id in `after` adds nothing.
    const rowid = Math.ceil(after[0] + SQLITE_TAIL_SHIFT);
    const score = Math.floor(rowid / SQLITE_RANK_SHIFT) * SQLITE_RANK_SHIFT;
    return k('products_fts')
      .joinRaw('join products_fts_rows as r on r.rowid = products_fts.rowid')
      .joinRaw('cross join products as p on p.id = r.product_id')
      .whereRaw('products_fts match ?', [fts5Query(terms)])
      .select(k.raw(`products_fts.rowid - ${SQLITE_TAIL_SHIFT} as tail_key`))
      .whereRaw(
        part === 'same' ? 'products_fts.rowid < ? and products_fts.rowid >= ?' : 'products_fts.rowid < ?',
        part === 'same' ? [rowid, score] : [score],
      )
      .orderByRaw('products_fts.rowid desc');
  },
  priceSortedHits(k, terms, filter, order) {
    return sqlitePriceSortedHits(k, terms, filter, order);
  },
  matches(k, terms) {
    return k('products_fts as f')
      .joinRaw('join products_fts_rows as r on r.rowid = f.rowid')
      .joinRaw('cross join products as p on p.id = r.product_id')
      .whereRaw('f.products_fts match ?', [fts5Query(terms)]);
  },
};

/**
 * PostgreSQL: the `n` first hits of the terms in the static order, scored (`candidateHits`): best
 * static score first, newest first within one (ids are UUIDv7), along `products_search_rank_idx`,
 * stopping at the limit, or the GIN index when the planner expects few hits. `gate` goes first
 * in the WHERE (a condition of the statement around it).
 */
function postgresStaticHits(terms: string[], n: number, statuses: readonly string[] | undefined, gate = '') {
  const status = statuses ? ` and p.status in (${statuses.map(() => '?').join(', ')})` : '';
  return {
    sql: `select p.id as product_id, ${POSTGRES_SCORE} as score,
                 (p.search_rank - ${POSTGRES_TAIL_SHIFT})::float8 as tail_key
            from products p
           where ${gate}p.search_vector @@ to_tsquery('simple', ?)${status}
           order by p.search_rank desc, p.id desc limit ${Math.trunc(n)}`,
    bindings: [tsQuery(terms), tsQuery(terms), ...(statuses ?? [])],
  };
}

const postgresSearch: SearchClause = {
  from(k, terms) {
    return k('products as p').whereRaw(`p.search_vector @@ to_tsquery('simple', ?)`, [tsQuery(terms)]);
  },
  // float8: the value survives the round trip through JSON in a cursor exactly.
  score: (terms) => ({ sql: POSTGRES_SCORE, bindings: [tsQuery(terms)] }),
  candidateHits(terms, n, statuses, kept) {
    const plain = postgresStaticHits(terms, n, statuses);
    // Only a search with a kept estimate (past `EXACT_COUNT_LIMIT` hits) asks for the heads: for a
    // rarer word planning the longer statement cost more than it could save.
    if (kept === undefined) return plain;
    // A common word's heads (migration 0033) walked in the static order, each checked against the
    // whole query by its product row (the rarest listed term's heads: the fewest passed over).
    // They answer when the walk found `n` hits above the floor (or the heads hold every product of
    // the word); otherwise the same statement walks the products (a one-time filter runs one of the two).
    const query = tsQuery(terms);
    const words = [...new Set(terms.map(plainTerm))];
    const limit = Math.trunc(n);
    const headStatus = statuses ? ` and s.status in (${statuses.map(() => '?').join(', ')})` : '';
    return {
      sql: `with head as materialized (
                   select term, floor_rank from search_head_terms where term in (${words.map(() => '?').join(', ')})
                    order by docs, term limit 1),
                 heads as materialized (
                   select h.product_id, h.score, (s.search_rank - ${POSTGRES_TAIL_SHIFT})::float8 as tail_key
                     from search_heads s
                    cross join lateral (
                          select p.id as product_id, ${POSTGRES_SCORE} as score from products p
                           where p.id = s.product_id and p.search_vector @@ to_tsquery('simple', ?) offset 0) as h
                    where s.term = (select term from head)${headStatus}
                    order by s.search_rank desc, s.product_id desc limit ${limit}),
                 answered as materialized (
                   select coalesce((select count(*) from heads) = ${limit} or (select floor_rank from head) < 0, false) as yes)
            select product_id, score, tail_key from heads where (select yes from answered)
            union all
            (${postgresStaticHits(terms, n, statuses, 'not (select yes from answered) and ').sql})`,
      bindings: [...words, query, query, ...(statuses ?? []), ...plain.bindings],
    };
  },
  staticHits(k, terms, after, part) {
    // Along `products_search_rank_idx` backwards, as the candidates. A cursor's key is a number the
    // client sent back: kept to a smallint the column compares with.
    const rank = Math.min(Math.max(Math.trunc(after[0] + POSTGRES_TAIL_SHIFT), -1), MAX_SEARCH_RANK + 1);
    return this.from(k, terms)
      .select(k.raw(`(p.search_rank - ${POSTGRES_TAIL_SHIFT})::float8 as tail_key`))
      .whereRaw(
        part === 'same' ? 'p.search_rank = ? and p.id < ?' : 'p.search_rank < ?',
        part === 'same' ? [rank, after[1]] : [rank],
      )
      .orderByRaw('p.search_rank desc, p.id desc');
  },
  async estimateMatches(k, terms, statuses, filtered) {
    // The planner's row estimate for the match (GIN statistics of the search column, times the
    // filters' selectivity): no hit is read.
    const query = k('products as p')
      .whereRaw(`p.search_vector @@ to_tsquery('simple', ?)`, [tsQuery(terms)])
      .select(k.raw('1'));
    if (filtered) filtered(query);
    else if (statuses) query.whereIn('p.status', statuses);
    const { sql, bindings } = query.toSQL();
    const result = (await k.raw(`explain (format json) ${sql}`, bindings)) as {
      rows: Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>;
    };
    return Math.round(result.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0);
  },
  matches(k, terms) {
    return this.from(k, terms);
  },
};

/**
 * MySQL: the search words of every product, one row per (word, product), keyed by word, then
 * static score and id (migration `0032`). InnoDB's FULLTEXT read fetches every hit's row before
 * any ORDER BY (~10 µs a hit) and hands hits over in `FTS_DOC_ID` order, which cannot carry the
 * static score; this key walks a word's hits best static score first, newest first, and stops at
 * the limit. `weight` is the word's count in the search text (name and SKUs are written twice
 * there, so they weigh more); the second index finds a product's words (the other terms' checks,
 * the scores, the deletes).
 */
const SEARCH_WORDS = 'product_search_words';
/** The longest word kept (longer ones are cut, and so are terms). */
const MAX_WORD_LENGTH = 100;

/**
 * MySQL: SQL writing the search words of the products `p` passing `where` (SQL on `p`) from their
 * search text (marked words, see `mysqlSearchText`: letters and digits only, so a JSON array is a
 * safe split), with their current static score and status.
 */
export function mysqlSearchWordsInsert(where: string): string {
  const word = `left(substr(j.word, ${MYSQL_WORD_MARK.length + 1}), ${MAX_WORD_LENGTH}) collate utf8mb4_bin`;
  return `insert into ${SEARCH_WORDS} (word, search_rank, product_id, status, weight)
          select ${word} as w, p.search_rank, p.id, p.status, least(count(*), 32767)
            from products p,
                 json_table(concat('["', replace(p.search_text, ' ', '","'), '"]'), '$[*]' columns (word varchar(1000) path '$')) as j
           where (${where}) and j.word <> ''
           group by p.id, w`;
}

/** MySQL: brings the search words' static scores and statuses in step with their products (`ids`: these only). */
async function syncMysqlSearchWords(k: Knex, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await k.raw(
      `update ${SEARCH_WORDS} w join products p on p.id = w.product_id
          set w.search_rank = p.search_rank, w.status = p.status
        where w.product_id in (${chunk.map(() => '?').join(', ')})
          and (w.search_rank <> p.search_rank or w.status <> p.status)`,
      chunk,
    );
  }
}

/** MySQL: writes the search words of every product that has none, in id order (a load, a migration). */
export async function fillMysqlSearchWords(k: Knex): Promise<void> {
  let after = '';
  for (;;) {
    const ids = (await k('products').where('id', '>', after).orderBy('id').limit(5000).pluck('id')) as string[];
    if (!ids.length) break;
    await k.raw(
      mysqlSearchWordsInsert(
        `p.id >= ? and p.id <= ? and not exists (select 1 from ${SEARCH_WORDS} x where x.product_id = p.id)`,
      ),
      [ids[0], ids[ids.length - 1]],
    );
    after = ids[ids.length - 1];
  }
}

/** A query term as the words table holds words: letters and digits, cut like the words. */
const mysqlTerm = (t: string): string => t.replace(/[^\p{L}\p{N}]/gu, '').slice(0, MAX_WORD_LENGTH);

/**
 * MySQL: a product's relevance, the sum over the terms of the heaviest word each matches (as a
 * prefix), plus the static score's tie-break; `id` and `rank` are SQL of the product's id and
 * score. `known` is SQL of the first term's part when the caller has it already (the walk's).
 */
function mysqlScore(id: string, rank: string, terms: string[], known?: string): { sql: string; bindings: string[] } {
  const looked = known ? terms.slice(1) : terms;
  const parts = looked.map(
    () => `coalesce((select max(s.weight) from ${SEARCH_WORDS} s where s.product_id = ${id} and s.word like ?), 0)`,
  );
  return {
    sql: `(${[...(known ? [known] : []), ...parts].join(' + ')} + ${rank} * ${RANK_WEIGHT})`,
    bindings: looked.map((t) => `${mysqlTerm(t)}%`),
  };
}

/** MySQL: the terms with the one to walk first: the longest (the likeliest rarest). */
function mysqlWalkOrder(terms: string[]): string[] {
  const cleaned = terms.map(mysqlTerm);
  const walked = cleaned.reduce((a, b) => (b.length > a.length ? b : a));
  return [walked, ...cleaned.filter((t, i) => i !== cleaned.indexOf(walked))];
}

/**
 * MySQL: the hits as `(product_id, search_rank, weight)` in the static order, from the words
 * table, `weight` the walked term's part of the score: the first of `terms` (see
 * `mysqlWalkOrder`) is walked, each hit checked for the others through the product's words. The
 * walked term's own word is read along the key from its best static score and stops at `limit`;
 * the longer words it begins (type-ahead) are read whole and sorted. `where` adds a condition on
 * the walked row `w` (a static position).
 */
function mysqlStaticWalk(
  terms: string[],
  statuses: readonly string[] | undefined,
  limit: number | undefined,
  where?: { sql: string; bindings: Knex.Value[] },
): { sql: string; bindings: Knex.Value[] } {
  const [walked, ...others] = terms;
  const conditions = [
    ...(statuses ? [`w.status in (${statuses.map(() => '?').join(', ')})`] : []),
    ...(where ? [where.sql] : []),
    ...others.map(() => `exists (select 1 from ${SEARCH_WORDS} o where o.product_id = w.product_id and o.word like ?)`),
  ];
  const conditionBindings = [...(statuses ?? []), ...(where?.bindings ?? []), ...others.map((t) => `${t}%`)];
  const and = conditions.map((c) => ` and ${c}`).join('');
  const order = 'order by w.search_rank desc, w.product_id desc';
  const cut = limit === undefined ? '' : ` limit ${Math.trunc(limit)}`;
  return {
    sql: `select h.product_id, h.search_rank, max(h.weight) as weight
            from ((select w.product_id, w.search_rank, w.weight from ${SEARCH_WORDS} w where w.word = ?${and} ${order}${cut})
                  union all
                  (select w.product_id, w.search_rank, max(w.weight) from ${SEARCH_WORDS} w
                    where w.word like ? and w.word > ?${and}
                    group by w.product_id, w.search_rank ${order}${cut})) as h
           group by h.product_id, h.search_rank`,
    bindings: [walked, ...conditionBindings, `${walked}%`, walked, ...conditionBindings],
  };
}

/** MySQL: a search row's `tail_key` (see `SearchClause.staticHits`) is `search_rank` less this. */
const MYSQL_TAIL_SHIFT = 100;

/**
 * InnoDB FULLTEXT. Natural language mode cannot require every term nor match a prefix, so the
 * match is boolean mode (`+term*` each, as the other dialects match). The ranking is the words
 * table's (`mysqlScore`, walked in the static order by `mysqlStaticWalk`), so the best hits are
 * found without reading the products.
 */
const MATCH = 'match(p.search_text) against (? in boolean mode)';
const mysqlSearch: SearchClause = {
  from(k, terms) {
    return k('products as p').whereRaw(MATCH, [mysqlBooleanQuery(terms)]);
  },
  score: (terms) => mysqlScore('p.id', 'p.search_rank', terms),
  candidateHits(terms, n, statuses) {
    const ordered = mysqlWalkOrder(terms);
    const walk = mysqlStaticWalk(ordered, statuses, n);
    const score = mysqlScore('c.product_id', 'c.search_rank', ordered, 'c.weight');
    return {
      sql: `select c.product_id, ${score.sql} as score, c.search_rank - ${MYSQL_TAIL_SHIFT} as tail_key
              from (${walk.sql} order by h.search_rank desc, h.product_id desc limit ${Math.trunc(n)}) as c`,
      bindings: [...score.bindings, ...walk.bindings],
    };
  },
  staticHits(k, terms, after, part) {
    const rank = Math.min(Math.max(Math.trunc(after[0] + MYSQL_TAIL_SHIFT), -1), MAX_SEARCH_RANK + 1);
    const walk = mysqlStaticWalk(
      mysqlWalkOrder(terms),
      undefined,
      undefined,
      part === 'same'
        ? { sql: 'w.search_rank = ? and w.product_id < ?', bindings: [rank, after[1]] }
        : { sql: 'w.search_rank < ?', bindings: [rank] },
    );
    return k
      .from(k.raw(`(${walk.sql}) as h`, walk.bindings))
      .joinRaw('join products as p on p.id = h.product_id')
      .select(k.raw(`h.search_rank - ${MYSQL_TAIL_SHIFT} as tail_key`))
      .orderByRaw('h.search_rank desc, h.product_id desc');
  },
  async countMatches(k, terms, statuses, estimateAbove) {
    // The estimate first (no hit read); at most `estimateAbove` or so, the walk's hits counted.
    const about = await this.estimateMatches!(k, terms, statuses);
    if (estimateAbove !== undefined && about > estimateAbove) return { n: about, estimate: true };
    const walk = mysqlStaticWalk(mysqlWalkOrder(terms), statuses, undefined);
    const [row] = rawRows<{ n: number | string }>(
      await k.raw(`select count(*) as n from (${walk.sql}) as c`, walk.bindings),
    );
    return { n: Number(row?.n ?? 0) };
  },
  async estimateMatches(k, terms, statuses, filtered) {
    // The optimizer's estimate of each term's words range (InnoDB dives into the key): the rarest
    // bounds the match. Filters on the product row are left to an exact count.
    if (filtered) return 0;
    let fewest = Infinity;
    for (const term of terms) {
      const status = statuses ? ` and status in (${statuses.map(() => '?').join(', ')})` : '';
      const plan = rawRows<{ rows: number | string | null }>(
        await k.raw(`explain select 1 from ${SEARCH_WORDS} where word like ?${status}`, [
          `${mysqlTerm(term)}%`,
          ...(statuses ?? []),
        ]),
      );
      fewest = Math.min(fewest, Number(plan[0]?.rows ?? 0));
    }
    return fewest === Infinity ? 0 : fewest;
  },
  matches(k, terms) {
    return this.from(k, terms);
  },
};

const SEARCH_CLAUSES: Record<Dialect, SearchClause> = {
  sqlite: sqliteSearch,
  postgres: postgresSearch,
  mysql: mysqlSearch,
};

export function searchClause(dialect: Dialect): SearchClause {
  return SEARCH_CLAUSES[dialect];
}

/**
 * PostgreSQL: fills the search heads (migration 0033) afresh in the caller's transaction, with a
 * share lock on the products (see `KnexProductSearchIndex.rebuildHeads`).
 */
export async function fillSearchHeads(k: Knex, limits = SEARCH_HEAD_LIMITS): Promise<void> {
  const { minRows, size } = limits;
  await k.raw('lock table products in share mode');
  await k.raw('delete from search_heads');
  await k.raw('delete from search_head_terms');
  const [{ n: total }] = rawRows<{ n: string }>(await k.raw('select count(*) as n from products'));
  const maxDocs = (Number(total) * CANDIDATE_HITS) / minRows;
  if (maxDocs < minRows) return;
  const percent = Math.min(100, (100 * HEAD_SAMPLE) / Number(total));
  const sample = `select search_vector from products tablesample system (${percent.toFixed(4)}) repeatable (0)`;
  const words = rawRows<{ word: string; docs: number }>(
    await k.raw(
      `select word, (ndoc * ${Number(total)}::float8 / greatest((select count(*) from (${sample}) s), 1))::integer as docs
         from ts_stat(?) order by docs desc, word`,
      [sample],
    ),
  ).filter((w) => w.docs >= minRows && w.docs <= maxDocs && plainTerm(w.word) === w.word);
  for (const { word, docs } of words.slice(0, MAX_HEAD_TERMS)) {
    const query = `${word}:*`;
    await k.raw(
      `with hits as materialized (
             select p.search_rank, p.id, p.status from products p where p.search_vector @@ to_tsquery('simple', ?)
              order by p.search_rank desc, p.id desc limit ${size}),
            listed as (insert into search_heads (term, search_rank, product_id, status)
                       select ?, search_rank, id, status from hits),
            lowest as (select search_rank, id from hits order by search_rank, id limit 1)
       insert into search_head_terms (term, query, floor_rank, floor_id, docs)
       select ?, to_tsquery('simple', ?),
              case when (select count(*) from hits) < ${size} then -1 else (select search_rank from lowest) end,
              case when (select count(*) from hits) < ${size} then '' else (select id from lowest) end, ?`,
      [query, word, word, query, docs],
    );
  }
}

/** Keeps the in-database full-text index in step with product and variant writes. */
export class KnexProductSearchIndex implements ProductSearchIndex {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  async reindex(ctx: Context, productIds: string[]): Promise<void> {
    if (productIds.length === 0) return;
    const k = db(ctx, this.knex);
    if (this.dialect !== 'sqlite') {
      // The words are made in JS, as the query terms are: PostgreSQL's parser would read "SH-12" as
      // "sh" and the number -12, and has no accent folding without an extension; InnoDB's drops
      // short words and stopwords.
      const skus =
        this.dialect === 'postgres' ? `string_agg(v.sku, ' ')` : `group_concat(v.sku order by v.sku separator ' ')`;
      const rows = await k('products as p')
        .whereIn('p.id', productIds)
        .select(
          'p.id',
          'p.name',
          'p.description',
          k.raw(`coalesce((select ${skus} from product_variants v where v.product_id = p.id), '') as skus`),
        );
      const docs = rows as Array<{ id: string; name: string; description: string; skus: string }>;
      if (this.dialect === 'mysql') {
        // One UPDATE … JOIN over a derived table per chunk (portable: MySQL 8 and MariaDB write
        // VALUES rows differently).
        for (let i = 0; i < docs.length; i += 1000) {
          const chunk = docs.slice(i, i + 1000);
          await k.raw(
            `update products p join (${chunk.map(() => 'select ? as id, ? as doc').join(' union all ')}) v
                on v.id = p.id set p.search_text = v.doc, p.search_rank = ${searchRankSql()}`,
            chunk.flatMap((r) => [r.id, mysqlSearchText(r)]),
          );
          const ids = chunk.map((r) => r.id);
          const marks = ids.map(() => '?').join(', ');
          await k.raw(`delete from ${SEARCH_WORDS} where product_id in (${marks})`, ids);
          await k.raw(mysqlSearchWordsInsert(`p.id in (${marks})`), ids);
        }
        return;
      }
      // One UPDATE … FROM (VALUES …) per chunk: seeding indexes thousands of products per statement.
      for (let i = 0; i < docs.length; i += 1000) {
        const chunk = docs.slice(i, i + 1000);
        await k.raw(
          `update products p set search_vector = ${tsvectorOf('v.name', 'v.skus', 'v.description')},
                  search_rank = ${searchRankSql()}
             from (values ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}) as v(id, name, skus, description)
            where p.id = v.id`,
          chunk.flatMap((r) => [r.id, ...searchDocument(r)]),
        );
      }
      return;
    }
    const marks = productIds.map(() => '?').join(',');
    await k.raw(
      `delete from products_fts where rowid in (select rowid from products_fts_rows where product_id in (${marks}))`,
      productIds,
    );
    // A row keeps its sequence number and takes its current static score (a new rowid when that
    // changed: REPLACE drops the old row); a new product takes the next sequence numbers, so it is
    // the newest of its score.
    await k.raw(
      `insert or replace into products_fts_rows (rowid, product_id, status, seq, in_stock, min_price)
       select ${searchRankSql()} * ${SQLITE_RANK_SHIFT} + s.seq, p.id, p.status, s.seq, p.in_stock, p.min_price
         from (select p.id, coalesce(r.seq, m.top + sum(r.seq is null) over (order by p.id)) as seq
                 from products p left join products_fts_rows r on r.product_id = p.id,
                      (select coalesce(max(seq), 0) as top from products_fts_rows) as m
                where p.id in (${marks})
              ) as s cross join products p on p.id = s.id`,
      productIds,
    );
    await k.raw(
      `insert into products_fts (rowid, name, description, skus)
       select r.rowid, p.name, p.description,
              coalesce((select group_concat(v.sku, ' ') from product_variants v where v.product_id = p.id), '')
         from products p join products_fts_rows r on r.product_id = p.id
        where p.id in (${marks})`,
      productIds,
    );
  }

  async rebuild(ctx: Context, options: { keepLoaded?: boolean } = {}): Promise<void> {
    const k = db(ctx, this.knex);
    if (this.dialect !== 'sqlite') {
      // The bulk load writes the search column and the static score with the rows
      // (`withSearchColumns`): only the rows it left empty are indexed here, and the score of any
      // product that has a popularity row is brought up to date.
      const keep = options.keepLoaded === true;
      // Words of products no longer there (a restore replaced the catalog); the loop rewrites the rest.
      if (this.dialect === 'mysql' && !keep) {
        await k.raw(`delete w from ${SEARCH_WORDS} w left join products p on p.id = w.product_id where p.id is null`);
      }
      // The words are made in JS (see reindex), so PostgreSQL and MySQL go through the products in id order.
      let after = '';
      for (;;) {
        const query = k('products').where('id', '>', after).orderBy('id').limit(5000);
        if (keep) query.whereRaw(this.dialect === 'postgres' ? `search_vector = ''::tsvector` : `search_text = ''`);
        const ids = (await query.pluck('id')) as string[];
        if (!ids.length) break;
        await this.reindex(ctx, ids);
        after = ids[ids.length - 1];
      }
      if (keep) {
        await k.raw(
          this.dialect === 'postgres'
            ? `update products p set search_rank = ${searchRankSql()}
                 from product_popularity pp where pp.product_id = p.id and p.search_rank <> ${searchRankSql()}`
            : `update products p join product_popularity pp on pp.product_id = p.id
                  set p.search_rank = ${searchRankSql()} where p.search_rank <> ${searchRankSql()}`,
        );
        // The loaded rows' words, after their scores: one pass from the search text.
        if (this.dialect === 'mysql') await fillMysqlSearchWords(k);
      }
      await this.rebuildHeads(ctx);
      return;
    }
    // The build changes the index's settings for its length: outside the caller's transaction
    // it takes one of its own, which puts them back even when the process dies half-way.
    if (ctx.tx) await this.rebuildSqlite(k);
    else await this.knex.transaction((trx) => this.rebuildSqlite(trx));
  }

  private async rebuildSqlite(k: Knex): Promise<void> {
    await withLargeSqliteCache(k, this.dialect, async () => {
      const settings = await withFtsBuildSettings(k);
      await k.raw('delete from products_fts');
      await k.raw('delete from products_fts_rows');
      // The price index is built once after the rows (sorted), not kept through a million inserts.
      const [priceIndex] = (await k.raw(
        `select sql from sqlite_master where type = 'index' and name = 'products_fts_rows_price_idx'`,
      )) as Array<{ sql: string }>;
      if (priceIndex) await k.raw('drop index products_fts_rows_price_idx');
      try {
        await k.raw(
          `insert into products_fts_rows (rowid, product_id, status, seq, in_stock, min_price)
           select ${searchRankSql()} * ${SQLITE_RANK_SHIFT} + n.seq, p.id, p.status, n.seq, p.in_stock, p.min_price
             from (select id, row_number() over (order by id) as seq from products) as n cross join products p on p.id = n.id`,
        );
      } finally {
        // Back even when the insert failed: the price-sorted search walks it by name.
        if (priceIndex) await k.raw(priceIndex.sql);
      }
      await k.raw(
        `insert into products_fts (rowid, name, description, skus)
         select r.rowid, p.name, p.description,
                coalesce((select group_concat(v.sku, ' ') from product_variants v where v.product_id = p.id), '')
           from products_fts_rows r cross join products p on p.id = r.product_id
          order by r.rowid`,
      );
      // One b-tree segment instead of the many a large insert leaves: fewer segments to search per query.
      await k.raw(`insert into products_fts (products_fts) values ('optimize')`);
      await settings.restore();
    });
  }

  /**
   * Brings every product's static score (or only these products') up to date with its stock and
   * popularity (after the recommendations rebuild rewrote `product_popularity`, or a stock flip):
   * one UPDATE on PostgreSQL; on MySQL the changed products and their search words (re-keyed); on
   * SQLite the products whose score changed are reindexed (their search rows take new rowids).
   */
  async rerank(ctx: Context, productIds?: string[]): Promise<number> {
    const k = db(ctx, this.knex);
    if (this.dialect === 'mysql') {
      // The products whose score changed, then their words (re-keyed under the new score). Given
      // products (a stock flip, whose UPDATE set the score) have their words brought in step anyway.
      const ids =
        productIds ??
        ((await k('products as p').whereRaw(`p.search_rank <> ${searchRankSql()}`).pluck('p.id')) as string[]);
      let changed = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const result: unknown = await k.raw(
          `update products p set p.search_rank = ${searchRankSql()}
            where p.search_rank <> ${searchRankSql()} and p.id in (${chunk.map(() => '?').join(', ')})`,
          chunk,
        );
        changed += affectedRows(result);
      }
      await syncMysqlSearchWords(k, ids);
      return productIds ? changed : ids.length;
    }
    if (this.dialect !== 'sqlite') {
      const only = productIds ? ` and p.id in (${productIds.map(() => '?').join(', ')})` : '';
      const result: unknown = await k.raw(
        `update products p set search_rank = ${searchRankSql()} where p.search_rank <> ${searchRankSql()}${only}`,
        productIds ?? [],
      );
      // A full rerank (after the recommendations rebuild) fills the heads afresh: the writes since
      // the last fill only ever took products out of them below their floors.
      if (!productIds) await this.rebuildHeads(ctx);
      return affectedRows(result);
    }
    const query = k('products_fts_rows as r')
      .join('products as p', 'p.id', 'r.product_id')
      .whereRaw(`(r.rowid >> 40) <> ${searchRankSql()}`);
    if (productIds) query.whereIn('r.product_id', productIds);
    const changed = (await query.pluck('r.product_id')) as string[];
    for (let i = 0; i < changed.length; i += 500) await this.reindex(ctx, changed.slice(i, i + 500));
    return changed.length;
  }

  /**
   * PostgreSQL: fills the search heads (migration 0033) afresh, the common words found in a sample
   * of the products, each with its first hits in the static order (`SearchHeadLimits`). Writers to the
   * products wait for it (a share lock, in the caller's transaction or one of its own): a write
   * between reading a word's hits and filling its heads would be lost to them.
   */
  async rebuildHeads(ctx: Context): Promise<void> {
    if (this.dialect !== 'postgres') return;
    if (ctx.tx) await fillSearchHeads(db(ctx, this.knex));
    else await this.knex.transaction((trx) => fillSearchHeads(trx));
  }

  async remove(ctx: Context, productIds: string[]): Promise<void> {
    if (productIds.length === 0 || this.dialect === 'postgres') return; // the search column goes with the row
    const k = db(ctx, this.knex);
    const marks = productIds.map(() => '?').join(',');
    if (this.dialect === 'mysql') {
      await k.raw(`delete from ${SEARCH_WORDS} where product_id in (${marks})`, productIds);
      return;
    }
    await k.raw(
      `delete from products_fts where rowid in (select rowid from products_fts_rows where product_id in (${marks}))`,
      productIds,
    );
    await k.raw(`delete from products_fts_rows where product_id in (${marks})`, productIds);
  }
}

/** Rows an UPDATE changed, as PostgreSQL's and MySQL's drivers report them. */
function affectedRows(result: unknown): number {
  const r = result as { rowCount?: number; affectedRows?: number; [0]?: { affectedRows?: number } };
  return Number(r.rowCount ?? r.affectedRows ?? r[0]?.affectedRows ?? 0);
}
