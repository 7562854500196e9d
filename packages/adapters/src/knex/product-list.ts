/**
 * The product list query. A request is answered by the first strategy in `STRATEGIES` that applies
 * to it; each strategy is one way of reading a page that is cheapest for some shape of request, and
 * all of them return the same rows in the same order as the general query would.
 */
import {
  PRODUCT_STATUSES,
  type ListedProductRow,
  type ProductListFilter,
  type ProductListRequest,
} from '@emporia/core';
import type { Knex } from 'knex';
import {
  PRODUCT_COLUMNS,
  SORT_COLUMNS,
  productRecord,
  productSelect,
  toProductRow,
  variantsJson,
} from './product-rows.js';
import type { SearchClause } from './search.repository.js';
import type { Dialect } from './database.js';
import { knexDialect } from './dialect.js';
import { readRowArrays, readRows } from './read-statements.js';
import { rawRows } from './values.js';
import { SORT_BUCKETS, bucketStart, type BucketedSort } from '../migrations/0029_product_sort_buckets.js';

/** One page of a product list: the rows and, in page mode, the total. */
export interface ProductListPage {
  rows: ListedProductRow[];
  count?: number;
  /** The count is an estimate (a search with very many hits), not an exact total. */
  countIsEstimate?: boolean;
}

/** A page's total: exact, or an estimate for a search with very many hits. */
interface Total {
  n: number;
  estimate?: true;
}

/**
 * A search whose estimated hits pass this answers with the estimate as its count
 * (`count_is_estimate`) instead of counting every hit: counting 50,000 hits costs more than the
 * page itself. Below it the count is exact.
 */
export const EXACT_COUNT_LIMIT = 1_000;

/** Past this many (category × status) index ranges, one plain query is cheaper than merging them. */
const MAX_BRANCHES = 64;

/** A ranked page deeper than this many hits ranks every hit instead of fetching the best by id. */
const MAX_TOP_HITS = 4000;

/**
 * How many of a search's hits, in the index's static order (in stock and popular first, then
 * newest), a ranked page-mode window is taken from: every hit when it has no more, and otherwise
 * these, ranked by relevance (see `staticCandidates`).
 */
export const CANDIDATES = 500;

/** A request with what every strategy shares: the handle, the search clause and the filters as SQL. */
interface ListQuery {
  k: Knex;
  search: SearchClause;
  request: ProductListRequest;
  /** The search terms, or undefined for a list without `q`. */
  terms: string[] | undefined;
  /** Adds the filter's status, category, price and stock conditions to a query over `p`. */
  filtered(query: Knex.QueryBuilder): Knex.QueryBuilder;
  /** The number of matching products (for page mode): exact, or estimated past `EXACT_COUNT_LIMIT`. */
  countAll(): Promise<Total>;
  /** A search's kept count estimate (see `ESTIMATE_TTL_MS`); undefined without `q`. */
  estimates: SearchEstimates | undefined;
}

/** One way of reading a list page. */
interface ListStrategy {
  /** Whether this strategy can answer the request. */
  applies(query: ListQuery): boolean;
  /** The page, or null when it found it cannot answer exactly after all (the next strategy runs). */
  run(query: ListQuery): Promise<ProductListPage | null>;
}

/** An empty status or category set: nothing can match, no statement runs. */
const nothingCanMatch: ListStrategy = {
  applies: ({ request: { filter } }) => filter.statuses?.length === 0 || filter.categoryIds?.length === 0,
  run: async ({ request }) => ({ rows: [], count: request.window.kind === 'page' ? 0 : undefined }),
};

/**
 * A category listing as one ordered index range per (category, status), merged, with the rows of
 * the window fetched by id afterwards (a deferred join): the ranges are walked over the covering
 * (category_id, status, sort column, id) index, so a deep page costs the index entries before it,
 * not the rows. With sub-categories the filter is an IN list, and a single query over it has to
 * gather and sort every match before the limit (10 ms at 100k products, 100 ms at 1M); this costs
 * the same at any catalog size. The branches are merged in order and the merge stops at the
 * window's end: on SQLite as a compound select ordered at the top (its ordered merge of the index
 * ranges), on PostgreSQL as branches that each stop at `offset + limit` entries under one ORDER BY
 * (a Merge Append; unbounded branches would make its planner sort them all instead). So page N
 * reads about `offset + limit` index entries in all. MySQL/MariaDB cannot merge: there each bounded
 * branch is read and the union sorted.
 */
const categoryBranches: ListStrategy = {
  applies: ({ terms, request: { filter, sort } }) =>
    !terms &&
    sort.key !== 'relevance' &&
    filter.categoryIds !== undefined &&
    filter.categoryIds.length * (filter.statuses ?? PRODUCT_STATUSES).length <= MAX_BRANCHES,
  async run({ k, request, countAll }) {
    const { filter, sort, window } = request;
    const column = SORT_COLUMNS[sort.key as keyof typeof SORT_COLUMNS];
    const statuses = filter.statuses ?? PRODUCT_STATUSES;
    const categories = filter.categoryIds ?? [];
    const dir = sort.descending ? 'desc' : 'asc';
    // Each branch: its category and status, then the same filters and keyset bound for all.
    const conditions = ['p.category_id = ?', 'p.status = ?'];
    const shared: Knex.Value[] = [];
    const where = (condition: string, ...values: Knex.Value[]) => {
      conditions.push(condition);
      shared.push(...values);
    };
    if (filter.minPrice !== undefined) where('p.min_price >= ?', filter.minPrice);
    if (filter.maxPrice !== undefined) where('p.min_price <= ?', filter.maxPrice);
    if (filter.inStock !== undefined) where('p.in_stock = ?', filter.inStock);
    const dialect = knexDialect(k);
    if (window.kind === 'keyset' && window.after) {
      const after = keysetAfter(dialect, column, sort.descending, window.after[0] as Knex.Value, window.after[1]);
      where(after.sql, ...after.bindings);
    }
    let offset = window.kind === 'page' ? window.offset : 0;
    let reach = window.kind === 'page' ? window.offset + window.limit : window.limit;
    // A deep page without row filters starts at the sort bucket its offset falls in.
    const deep =
      window.kind === 'page' && shared.length === 0 && offset >= DEEP_OFFSET && bucketed(sort.key)
        ? await bucketStartOf(k, sort.key, sort.descending, categories, statuses, offset)
        : null;
    if (deep) {
      if (deep.past) return { rows: [], count: deep.total };
      if (deep.bound) {
        conditions.push(`${column} ${deep.bound.op} ?`);
        shared.push(deep.bound.value);
      }
      offset -= deep.skipped;
      reach -= deep.skipped;
    }
    const range = `select p.id, ${column} as sort_key from products p where ${conditions.join(' and ')}`;
    // SQLite sorts a bounded branch again before merging it, so there the branches are not bounded.
    const merges = dialect === 'sqlite';
    const bounded = `${range} order by ${column} ${dir}, p.id ${dir} limit ${reach}`;
    // MySQL/MariaDB take a bounded union member in parentheses: a derived table less per branch to plan.
    const branch = merges ? range : dialect === 'mysql' ? `(${bounded})` : `select * from (${bounded}) as b`;
    const bindings: Knex.Value[] = [];
    for (const category of categories) for (const status of statuses) bindings.push(category, status, ...shared);
    const branches = Array(categories.length * statuses.length)
      .fill(branch)
      .join(' union all ');
    const ids = merges
      ? `${branches} order by sort_key ${dir}, id ${dir} limit ${window.limit} offset ${offset}`
      : `select id, sort_key from (${branches}) as branches
           order by sort_key ${dir}, id ${dir} limit ${window.limit} offset ${offset}`;
    // Without row filters a page's total is a sum over `product_counts`: a column of the same
    // statement (one round trip less); a page past the end has no row to carry it, so it counts apart.
    const summed = window.kind === 'page' && shared.length === 0 && !deep;
    const count = summed ? summaryCount(filter) : null;
    // Read as arrays: the product columns, the variants, then the total.
    const found = await readRowArrays(
      k,
      `select ${productSelect(dialect)}, ${variantsJson(dialect)}${count ? `, ${count.sql} as total_count` : ''}
         from products p join (${ids}) as w on w.id = p.id
         order by w.sort_key ${dir}, w.id ${dir}`,
      count ? [...count.bindings, ...bindings] : bindings,
    );
    const rows = found.map((values) => toProductRow(productRecord(values)));
    if (window.kind !== 'page') return { rows };
    if (deep) return { rows, count: deep.total };
    const total: Total =
      summed && found.length ? { n: Number(found[0][PRODUCT_COLUMNS.length + 1] ?? 0) } : await countAll();
    return { rows, ...pageTotal(total) };
  },
};

/**
 * From this offset on, a category page without row filters, in a sort that has buckets, reads the
 * bucket counts first (`product_sort_buckets`, migration 0029) and walks the index only from the
 * start of the bucket holding its offset: one statement more, in place of walking every entry
 * before it (75,000 of them for the middle page of a 150k-product category).
 */
export const DEEP_OFFSET = 200;

function bucketed(key: string): key is BucketedSort {
  return (SORT_BUCKETS as readonly string[]).includes(key);
}

/**
 * Where a deep page of the (category, status) pairs starts: the bucket its offset falls in, as a
 * bound on the sort column (ascending: the bucket's first key; descending: the next bucket's,
 * exclusive), with how many entries come before the bound, and the total (the sum of every bucket).
 * `past`: the offset is past the last product. The buckets are summed in sort order and the first
 * whose running sum passes the offset is the one; any key between two present buckets belongs to
 * neither branch, so the bound leaves out exactly the buckets counted.
 */
async function bucketStartOf(
  k: Knex,
  sort: BucketedSort,
  descending: boolean,
  categories: readonly string[],
  statuses: readonly string[],
  offset: number,
): Promise<{ total: number; skipped: number; bound: { op: '>=' | '<'; value: Knex.Value } | null; past?: true }> {
  const marks = (n: number) => Array(n).fill('?').join(', ');
  const rows = await readRows<{ bucket: unknown; n: unknown }>(
    k,
    `select bucket, sum(n) as n from product_sort_buckets
      where sort_key = ? and category_key in (${marks(categories.length)}) and status in (${marks(statuses.length)})
      group by bucket having sum(n) > 0 order by bucket ${descending ? 'desc' : 'asc'}`,
    [sort, ...categories, ...statuses],
  );
  const buckets = rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n) }));
  const total = buckets.reduce((sum, b) => sum + b.n, 0);
  let skipped = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (skipped + buckets[i].n > offset) {
      if (!descending) return { total, skipped, bound: { op: '>=', value: bucketStart(sort, buckets[i].bucket) } };
      // Descending: every key below the bucket above this one (none above: the walk starts at the top).
      if (i === 0) return { total, skipped, bound: null };
      return { total, skipped, bound: { op: '<', value: bucketStart(sort, buckets[i - 1].bucket) } };
    }
    skipped += buckets[i].n;
  }
  return { total, skipped, bound: null, past: true };
}

/**
 * The first relevance-ranked rows from the best-scored hits alone: the index hands over the first
 * `n` hits of the full ranking without touching a product, and only those are fetched and
 * filtered. When they fill the window it is exactly the window of the full ranking; it declines
 * (the full ranking runs) when the filters left too few.
 */
const bestHits: ListStrategy = {
  applies: ({ terms, search, request: { sort, window } }) =>
    terms !== undefined &&
    sort.key === 'relevance' &&
    !(window.kind === 'keyset' && window.after) &&
    search.topHits !== undefined &&
    hitsWanted(window) <= MAX_TOP_HITS,
  async run({ k, search, terms, filtered, countAll, request: { window } }) {
    const offset = window.kind === 'page' ? window.offset : 0;
    const n = hitsWanted(window);
    const hits = await search.topHits!(k, terms!, n);
    const complete = hits.length < n;
    const scores = new Map(hits.map((h) => [h.product_id, Number(h.score)]));
    const found = await filtered(k('products as p'))
      .whereIn('p.id', [...scores.keys()])
      .select(PRODUCT_COLUMNS);
    const ranked = found
      .map((r: Record<string, unknown>) => toProductRow({ ...r, score: scores.get(r.id as string) }))
      .sort(
        (a: ListedProductRow, b: ListedProductRow) => b.score! - a.score! || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .slice(offset, offset + window.limit);
    if (!complete && ranked.length < window.limit) return null;
    return { rows: ranked, ...pageTotal(window.kind === 'page' ? await countAll() : undefined) };
  },
};

/**
 * A ranked numbered page among the first `CANDIDATES` hits in the index's static order (top-k by a
 * static score — stock, popularity, recency — then re-ranked by relevance): the index is walked in
 * that order and stops at the limit, so only those hits are scored. When the search has no more hits than that, they are
 * all of them and the page is exactly the full ranking's (and its count is exact, from the same
 * statement); with more, the page ranks the best candidates and the count comes apart
 * (estimated past `EXACT_COUNT_LIMIT`). Without filters on the product row (status is the
 * index's) the window is cut from the candidates' ids and scores alone and only its rows are read
 * (a deferred join). Declines when the filters leave the window short.
 */
const staticCandidates: ListStrategy = {
  applies: ({ terms, search, request: { sort, window } }) =>
    terms !== undefined &&
    sort.key === 'relevance' &&
    window.kind === 'page' &&
    window.offset + window.limit <= CANDIDATES &&
    search.candidateHits !== undefined,
  async run({ k, search, terms, filtered, countAll, estimates, request: { filter, window } }) {
    if (window.kind !== 'page') return null;
    const hits = search.candidateHits!(terms!, CANDIDATES + 1, filter.statuses, estimates?.get());
    if (!hasRowFilters(filter)) return candidatesPage(k, search, terms!, filter, window, hits, countAll, estimates);
    const rows = filtered(k('c').joinRaw('join products as p on p.id = c.product_id'))
      .select(PRODUCT_COLUMNS)
      .select('c.score', k.raw(variantsJson(knexDialect(k))))
      .select(k.raw('count(*) over () as total_count'))
      .select(k.raw('(select count(*) from c) as candidate_count'))
      .orderBy([
        { column: 'c.score', order: 'desc' },
        { column: 'p.id', order: 'desc' },
      ])
      .limit(window.limit)
      .offset(window.offset);
    const found = (await rows.with('c', k.raw(hits.sql, hits.bindings))) as Array<Record<string, unknown>>;
    const candidates = Number(found[0]?.candidate_count ?? 0);
    const complete = found.length === 0 ? null : candidates <= CANDIDATES;
    if (found.length < window.limit && complete !== true) return null;
    const total: Total = complete ? { n: Number(found[0].total_count) } : await countAll();
    return { rows: found.map(toProductRow), ...pageTotal(total) };
  },
};

/**
 * `staticCandidates` without filters on the product row: the window is cut from the candidates'
 * ids and scores alone and only its rows are read, with their variants (a deferred join), in one
 * kept statement of a fixed text (`readRows`). No filter drops a candidate, so the window's count
 * of them is the search's whole count when there are no more than `CANDIDATES`; with more, and
 * where the search counts from its index alone (`countQuery`, SQLite), that count is a column of
 * the same statement too, evaluated only then (past `EXACT_COUNT_LIMIT` estimated hits, the
 * estimate). Elsewhere (PostgreSQL: the planner's estimate) it is asked for apart. Every call is
 * planned for its own terms (a rare word takes the full-text index, a common one the static walk).
 */
async function candidatesPage(
  k: Knex,
  search: SearchClause,
  terms: string[],
  filter: ProductListFilter,
  window: { offset: number; limit: number },
  hits: { sql: string; bindings: Knex.Value[] },
  countAll: () => Promise<Total>,
  estimates: SearchEstimates | undefined,
): Promise<ProductListPage | null> {
  // A kept estimate spares the statement its count.
  const counted =
    estimates?.get() === undefined ? search.countQuery?.(terms, filter.statuses, EXACT_COUNT_LIMIT) : undefined;
  const more = `case when w.candidates > ${CANDIDATES}`;
  const found = await readRows(
    k,
    `with c as (${hits.sql})${counted ? `, e as materialized (${counted.sql})` : ''}
     select ${PRODUCT_COLUMNS.join(', ')}, w.score, ${variantsJson(knexDialect(k))}, w.candidates${
       counted
         ? `, ${more} then (select n from e) end as match_count, ${more} then (select estimated from e) end as match_estimated`
         : ''
     }
       from (select c.product_id, c.score, count(*) over () as candidates
               from c order by c.score desc, c.product_id desc limit ? offset ?) as w
       join products p on p.id = w.product_id
      order by w.score desc, w.product_id desc`,
    [...hits.bindings, ...(counted?.bindings ?? []), window.limit, window.offset],
    { planPerCall: true },
  );
  // Past the last candidate the window is empty and says nothing: the full ranking answers.
  if (found.length === 0) return null;
  const head = found[0];
  const total: Total =
    Number(head.candidates) <= CANDIDATES
      ? { n: Number(head.candidates) }
      : counted
        ? Number(head.match_estimated)
          ? keptTotal(estimates, Math.round(Number(head.match_count)))
          : { n: Number(head.match_count) }
        : await countAll();
  return { rows: found.map(toProductRow), ...pageTotal(total) };
}

/**
 * A ranked cursor page, walking a common word's hits the way its numbered pages rank them: first
 * the `CANDIDATES` best hits in the static order, by relevance (the pages' ranking), then every
 * later hit in the static order itself (best static score first, newest first), so a walk reaches
 * every hit once and costs about its pages, not the hits. A cursor in the candidates carries the
 * relevance score (≥ 0); one in the rest carries the hit's `tail_key` (< 0), which places it in
 * the static order. A search with no more hits than that is ranked exactly, as in page mode.
 * Filters apply to both parts, after the walk of the candidates (as in page mode) and during the
 * walk of the rest.
 */
const staticCursor: ListStrategy = {
  applies: ({ terms, search, request: { sort, window } }) =>
    terms !== undefined &&
    sort.key === 'relevance' &&
    window.kind === 'keyset' &&
    search.candidateHits !== undefined &&
    search.staticHits !== undefined,
  async run({ k, search, terms, filtered, estimates, request: { filter, window } }) {
    if (window.kind !== 'keyset') return null;
    const after = window.after as [number, string] | null;
    let rest: [number, string] | null = after && after[0] < 0 ? after : null;
    let found: Array<Record<string, unknown>> = [];
    if (!rest) {
      // The same candidates as a numbered page ranks (it reads one more to know if there are more).
      const hits = search.candidateHits!(terms!, CANDIDATES + 1, filter.statuses, estimates?.get());
      const ranked = candidatesWindow(k, filter, filtered).limit(window.limit);
      if (after) ranked.whereRaw('(c.score, c.product_id) < (?, ?)', after);
      // One row at least: the candidates' number and the last of them in the static order come
      // with the window even when it is empty.
      const rows = k.raw(
        `with c as (${hits.sql})
         select b.n as candidate_count, l.tail_key as last_key, l.product_id as last_id, w.score,
                ${PRODUCT_COLUMNS.join(', ')}, ${variantsJson(knexDialect(k))}
           from (select count(*) as n from c) as b
           left join (select tail_key, product_id from c order by tail_key, product_id limit 1) as l on 1 = 1
           left join (?) as w on 1 = 1
           left join products p on p.id = w.product_id
          order by w.score desc, w.product_id desc`,
        [...hits.bindings, ranked],
      );
      const result = rawRows(await rows) as Array<Record<string, unknown>>;
      found = result.filter((r) => r.id !== null && r.id !== undefined);
      const head = result[0];
      if (found.length === window.limit || !head || Number(head.candidate_count) <= CANDIDATES) {
        return { rows: found.map(toProductRow) };
      }
      rest = [Number(head.last_key), String(head.last_id)];
    }
    let later: Array<Record<string, unknown>> = [];
    for (const part of ['same', 'lower'] as const) {
      const need = window.limit - found.length - later.length;
      if (need <= 0) break;
      const rows = filtered(search.staticHits!(k, terms!, rest, part))
        .select(PRODUCT_COLUMNS)
        .select(k.raw(variantsJson(knexDialect(k))))
        .limit(need);
      later = [...later, ...((await rows) as Array<Record<string, unknown>>)];
    }
    return { rows: [...found, ...later.map((r) => ({ ...r, score: r.tail_key }))].map(toProductRow) };
  },
};

/**
 * The candidates `c` (`SearchClause.candidateHits`) as `(product_id, score)` best score first,
 * passing the list's filters: from `c` alone when only the status is filtered (the index's own,
 * already applied), joined with the products otherwise.
 */
function candidatesWindow(
  k: Knex,
  filter: ProductListFilter,
  filtered: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
): Knex.QueryBuilder {
  const window = hasRowFilters(filter) ? filtered(k('c').joinRaw('join products as p on p.id = c.product_id')) : k('c');
  return window.select('c.product_id', 'c.score').orderBy([
    { column: 'c.score', order: 'desc' },
    { column: 'c.product_id', order: 'desc' },
  ]);
}

/** Whether the filter holds conditions on the product row besides its status (which the search index carries). */
function hasRowFilters(filter: ProductListFilter): boolean {
  return (
    filter.categoryIds !== undefined ||
    filter.minPrice !== undefined ||
    filter.maxPrice !== undefined ||
    filter.inStock !== undefined
  );
}

/**
 * A search sorted by price (filtered by status, stock or price range, not by category) from the
 * full-text index and its row map alone, which carry each product's status, stock flag and
 * price: the hits are filtered and sorted there, and only the window's products are read. Joining
 * every hit with its product row to filter and sort cost about three times as much. By the
 * estimated hits, a rare word reads and sorts all its hits (with their exact count), a common one
 * walks the price index and checks each product against the full-text index, stopping at the
 * window's end (its count then estimated past `EXACT_COUNT_LIMIT`); see `sqlitePriceSortedHits`.
 */
const priceSortedHits: ListStrategy = {
  applies: ({ terms, search, request: { filter, sort } }) =>
    terms !== undefined && sort.key === 'price' && !filter.categoryIds && search.priceSortedHits !== undefined,
  async run({ k, search, terms, countAll, request: { filter, sort, window } }) {
    const after = window.kind === 'keyset' && window.after ? window.after : undefined;
    if (after && typeof after[0] !== 'number') return null;
    const hits = await search.priceSortedHits!(k, terms!, filter, {
      descending: sort.descending,
      after: after as [number, string] | undefined,
      limit: window.limit,
      offset: window.kind === 'page' ? window.offset : 0,
      // A cursor page has no count: without it the hits go through a top-k sort, not a full one.
      counted: window.kind === 'page',
      estimateAbove: EXACT_COUNT_LIMIT,
    });
    const position = new Map(hits.ids.map((id, i) => [id, i]));
    // The window's rows with their variants (one statement, as the other search pages).
    const rows = hits.ids.length
      ? await readRows(
          k,
          `select ${PRODUCT_COLUMNS.join(', ')}, ${variantsJson(knexDialect(k))}
             from products p where p.id in (${hits.ids.map(() => '?').join(', ')})`,
          hits.ids,
        )
      : [];
    rows.sort((a, b) => position.get(a.id as string)! - position.get(b.id as string)!);
    if (window.kind !== 'page') return { rows: rows.map(toProductRow) };
    // Past the last hit an empty window may carry no total: count apart.
    return { rows: rows.map(toProductRow), ...pageTotal(hits.total ?? (await countAll())) };
  },
};

/** How many best hits a ranked window reads: room for the rows the filters drop (drafts, other categories). */
function hitsWanted(window: ProductListRequest['window']): number {
  const offset = window.kind === 'page' ? window.offset : 0;
  return Math.max(4 * (offset + window.limit), 200);
}

/** A keyset page: of the general query with a search (its variants in the same statement), of `windowById` without. */
const keysetScan: ListStrategy = {
  applies: ({ request: { window } }) => window.kind === 'keyset',
  async run(query) {
    const { request } = query;
    const { sort, window } = request;
    if (!query.terms) {
      const after = window.kind === 'keyset' ? window.after : null;
      return { rows: (await windowById(query, window.limit, 0, after)).map(toProductRow) };
    }
    const { rows, key } = orderedRows(query);
    rows.select(query.k.raw(variantsJson(knexDialect(query.k))));
    if (window.kind === 'keyset' && window.after) {
      // A row-value comparison the (…, key, id) indexes answer directly: deep pages cost like page 1.
      rows.whereRaw(`(${key.sql}, p.id) ${sort.descending ? '<' : '>'} (?, ?)`, [
        ...key.bindings,
        window.after[0] as string | number,
        window.after[1],
      ]);
    }
    return { rows: (await rows.limit(window.limit)).map(toProductRow) };
  },
};

/**
 * A numbered page ranked by relevance. Ranking scores every hit before the limit anyway, so the
 * window count is nearly free and saves running the full-text match a second time; past the last
 * page it is asked for apart.
 */
const rankedPage: ListStrategy = {
  applies: ({ request: { sort, window } }) => window.kind === 'page' && sort.key === 'relevance',
  async run(query) {
    const { window } = query.request;
    if (window.kind !== 'page') return null;
    const rows = await orderedRows(query)
      .rows.select(query.k.raw('count(*) over () as total_count'))
      .limit(window.limit)
      .offset(window.offset);
    const total: Total = rows.length
      ? { n: Number(rows[0].total_count) }
      : window.offset > 0
        ? await query.countAll()
        : { n: 0 };
    return { rows: rows.map(toProductRow), ...pageTotal(total) };
  },
};

/**
 * A numbered page in another order: the limit can stop early on an index, so the count runs apart.
 * Without a search the page is a deferred join (`windowById`): a deep page walks index entries, not rows.
 * A searched page reads its rows' variants in the same statement (`variantsJson`), as the ranked ones.
 */
const sortedPage: ListStrategy = {
  applies: ({ request: { window } }) => window.kind === 'page',
  async run(query) {
    const { window } = query.request;
    if (window.kind !== 'page') return null;
    const [rows, total] = await Promise.all([
      query.terms
        ? orderedRows(query)
            .rows.select(query.k.raw(variantsJson(knexDialect(query.k))))
            .limit(window.limit)
            .offset(window.offset)
        : windowById(query, window.limit, window.offset),
      query.countAll(),
    ]);
    return { rows: rows.map(toProductRow), ...pageTotal(total) };
  },
};

/**
 * The window of an unsearched list as a deferred join: its ids (and sort keys) are read first, over
 * the (status, sort column, id) or (sort column, id) index that covers them, and only the `limit`
 * rows they name are fetched, each with its variants (`variantsJson`). OFFSET then skips index
 * entries instead of whole product rows, and the variants are read for the window's rows only,
 * whatever plan the ids took. `after` is a keyset bound (the previous page's last sort key and id).
 */
function windowById(
  { k, request, filtered }: ListQuery,
  limit: number,
  offset: number,
  after: [unknown, string] | null = null,
): Knex.QueryBuilder {
  const { sort } = request;
  const column = SORT_COLUMNS[sort.key as keyof typeof SORT_COLUMNS];
  const dir = sort.descending ? 'desc' : 'asc';
  const ids = filtered(k('products as p'))
    .select('p.id', k.raw(`${column} as sort_key`))
    .orderByRaw(`${column} ${dir}, p.id ${dir}`)
    .limit(limit);
  if (offset > 0) ids.offset(offset);
  if (after) {
    const bound = keysetAfter(knexDialect(k), column, sort.descending, after[0] as Knex.Value, after[1]);
    ids.whereRaw(bound.sql, bound.bindings);
  }
  return k('products as p')
    .join(ids.as('w'), 'w.id', 'p.id')
    .select(PRODUCT_COLUMNS)
    .select(k.raw(variantsJson(knexDialect(k))))
    .orderByRaw(`w.sort_key ${dir}, w.id ${dir}`);
}

/**
 * The keyset bound "after (key, id)" in the sort's direction, as the (…, key, id) indexes answer it
 * directly, so a deep cursor page costs like page 1: a row-value comparison, which MySQL/MariaDB
 * only filter by (MariaDB 10.11 walks every index entry before the bound), so there the key's own
 * range comes first and the tie on the key is decided by id.
 */
function keysetAfter(
  dialect: Dialect,
  column: string,
  descending: boolean,
  key: Knex.Value,
  id: string,
): { sql: string; bindings: Knex.Value[] } {
  const op = descending ? '<' : '>';
  if (dialect !== 'mysql') return { sql: `(${column}, p.id) ${op} (?, ?)`, bindings: [key, id] };
  return { sql: `${column} ${op}= ? and (${column} ${op} ? or p.id ${op} ?)`, bindings: [key, key, id] };
}

/** Tried in this order; the last ones together cover every request. */
const STRATEGIES: readonly ListStrategy[] = [
  nothingCanMatch,
  categoryBranches,
  staticCandidates,
  staticCursor,
  bestHits,
  priceSortedHits,
  keysetScan,
  rankedPage,
  sortedPage,
];

/** One page of products for the request, in a fixed number of statements whatever the filters. */
export async function listProducts(
  k: Knex,
  search: SearchClause,
  request: ProductListRequest,
): Promise<ProductListPage> {
  const query = listQuery(k, search, request);
  for (const strategy of STRATEGIES) {
    if (!strategy.applies(query)) continue;
    const page = await strategy.run(query);
    if (page) return page;
  }
  throw new Error('no product list strategy answered the request');
}

function listQuery(k: Knex, search: SearchClause, request: ProductListRequest): ListQuery {
  const { filter } = request;
  const terms = filter.terms?.length ? filter.terms : undefined;
  const filtered = (query: Knex.QueryBuilder) => {
    if (filter.statuses) query.whereIn('p.status', filter.statuses);
    if (filter.categoryIds) query.whereIn('p.category_id', filter.categoryIds);
    if (filter.minPrice !== undefined) query.where('p.min_price', '>=', filter.minPrice);
    if (filter.maxPrice !== undefined) query.where('p.min_price', '<=', filter.maxPrice);
    if (filter.inStock !== undefined) query.where('p.in_stock', filter.inStock);
    return query;
  };
  const estimates = terms ? searchEstimates(k, terms, filter) : undefined;
  const countAll = async (): Promise<Total> => {
    const noRowFilter = filter.minPrice === undefined && filter.maxPrice === undefined && filter.inStock === undefined;
    if (!terms && noRowFilter) return { n: await countFromSummary(k, filter) };
    const kept = estimates?.get();
    if (kept !== undefined) return { n: kept, estimate: true };
    if (terms && noRowFilter && !filter.categoryIds && search.countMatches) {
      const total = await search.countMatches(k, terms, filter.statuses, EXACT_COUNT_LIMIT);
      if (total.estimate) estimates?.keep(total.n);
      return total;
    }
    if (terms && search.estimateMatches) {
      // With row or category filters the estimate takes their selectivity too (the planner's).
      const about = await search.estimateMatches(
        k,
        terms,
        filter.statuses,
        noRowFilter && !filter.categoryIds ? undefined : filtered,
      );
      if (about > EXACT_COUNT_LIMIT) {
        estimates?.keep(about);
        return { n: about, estimate: true };
      }
    }
    const counted = filtered(terms ? search.matches(k, terms) : k('products as p'));
    return { n: Number(((await counted.count({ n: '*' }).first()) as { n?: unknown })?.n ?? 0) };
  };
  return { k, search, request, terms, filtered, countAll, estimates };
}

/**
 * How long an estimated search count is reused for the same terms and filters: an estimate is a
 * statistic (SQLite's vocabulary walks every hit of the word to count them, PostgreSQL plans the
 * match), "about N" whether it is a second or half a minute old, and a common word's count cost as
 * much as its page. Only estimates are kept (past `EXACT_COUNT_LIMIT`): an exact count is always
 * counted.
 */
export const ESTIMATE_TTL_MS = 30_000;
/** At most this many estimates per database, the oldest dropped first. */
const ESTIMATES_KEPT = 1_000;
const keptEstimates = new WeakMap<object, Map<string, { n: number; until: number }>>();

/** The kept estimate of a search's count (per database: knex's config, shared by its transactions). */
interface SearchEstimates {
  get(): number | undefined;
  keep(n: number): void;
}

function searchEstimates(k: Knex, terms: string[], filter: ProductListFilter): SearchEstimates {
  const owner = k.client.config as object;
  let kept = keptEstimates.get(owner);
  if (!kept) keptEstimates.set(owner, (kept = new Map()));
  const store = kept;
  const key = JSON.stringify([
    terms,
    filter.statuses ?? null,
    filter.categoryIds ?? null,
    filter.minPrice ?? null,
    filter.maxPrice ?? null,
    filter.inStock ?? null,
  ]);
  return {
    get() {
      const entry = store.get(key);
      if (!entry) return undefined;
      if (entry.until > Date.now()) return entry.n;
      store.delete(key);
      return undefined;
    },
    keep(n) {
      store.delete(key);
      if (store.size >= ESTIMATES_KEPT) store.delete(store.keys().next().value as string);
      store.set(key, { n, until: Date.now() + ESTIMATE_TTL_MS });
    },
  };
}

/** The general query: the filtered matches with their columns (and score), ordered by the sort key, then id. */
function orderedRows({ k, search, request, terms, filtered }: ListQuery): {
  rows: Knex.QueryBuilder;
  key: { sql: string; bindings: string[] };
} {
  const { sort } = request;
  const rows = filtered(terms ? search.from(k, terms) : k('products as p')).select(PRODUCT_COLUMNS);
  const key =
    sort.key === 'relevance' ? search.score(terms ?? []) : { sql: SORT_COLUMNS[sort.key], bindings: [] as string[] };
  if (terms) {
    const score = search.score(terms);
    rows.select(k.raw(`${score.sql} as score`, score.bindings));
  }
  const dir = sort.descending ? 'desc' : 'asc';
  rows.orderByRaw(`${key.sql} ${dir}, p.id ${dir}`, key.bindings);
  return { rows, key };
}

/** An estimated total, kept for the next request with the same terms and filters. */
function keptTotal(estimates: SearchEstimates | undefined, n: number): Total {
  estimates?.keep(n);
  return { n, estimate: true };
}

/** A page's total as the list answer carries it. */
function pageTotal(total: Total | undefined): Pick<ProductListPage, 'count' | 'countIsEstimate'> {
  if (!total) return {};
  return total.estimate ? { count: total.n, countIsEstimate: true } : { count: total.n };
}

/** How many products match a category/status filter, summed from `product_counts` (kept by triggers). */
async function countFromSummary(k: Knex, filter: ProductListFilter): Promise<number> {
  const { sql, bindings } = summaryCount(filter);
  const [row] = await readRows<{ n?: unknown }>(k, sql.slice(1, -1), bindings);
  return Number(row?.n ?? 0);
}

/** `countFromSummary`'s statement as a parenthesised scalar subquery, to run alone or as a column. */
function summaryCount(filter: ProductListFilter): { sql: string; bindings: string[] } {
  const conditions: string[] = [];
  const bindings: string[] = [];
  const among = (column: string, values: readonly string[]) => {
    conditions.push(values.length ? `${column} in (${values.map(() => '?').join(', ')})` : '1 = 0');
    bindings.push(...values);
  };
  if (filter.statuses) among('status', filter.statuses);
  if (filter.categoryIds) among('category_key', filter.categoryIds);
  const where = conditions.length ? ` where ${conditions.join(' and ')}` : '';
  return { sql: `(select coalesce(sum(n), 0) as n from product_counts${where})`, bindings };
}
