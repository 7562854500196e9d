import type { ConnectionContext, LoadRequest } from './load.js';

/** Vendure 3.7, SQLite, 10k products, 32 connections with wrk, on this same 2-core machine (issue 8). */
export const VENDURE = {
  list_page1: 49,
  detail: 150,
  search: 88,
  add_to_cart: 77,
  start_ms: 2300,
  rss_after_mb: 765,
} as const;

export interface Scenario {
  id: string;
  label: string;
  /** Why it cannot run against this build, or null when it can. */
  unavailable: string | null;
  request?: LoadRequest;
  /** Runs before the load (e.g. reads the stock it will check afterwards). */
  before?: () => Promise<void>;
  /** Runs after the load: checks and figures beyond throughput (e.g. oversell). */
  after?: () => Promise<Record<string, unknown>>;
  /** Report 2xx/s instead of all answers/s (orders/s for checkout). */
  okRate?: boolean;
  /** false: no warm-up load before the measured one. */
  warmup?: false;
  /** false: start right after the previous scenario, without waiting for the server to go quiet. */
  settle?: false;
  /** Connections for this scenario (default: the run's). */
  connections?: number;
  /** Seconds of load (default: the run's). */
  duration?: number;
}

interface ProductLike {
  id: string;
  slug: string;
  name: string;
  category_id: string | null;
  variants: Array<{ id: string; stock: number }>;
}
interface CategoryLike {
  id: string;
  slug: string;
  parent_id: string | null;
}

const PASSWORD = 'bench-password-0123456789';

export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; text: string; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  async get<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
    // A keep-alive connection left idle through a load run may be closed by the server just as it
    // is reused (ECONNRESET); a GET is safe to send again on a fresh one.
    const r = await this.call<T>('GET', path, undefined, headers).catch(() =>
      this.call<T>('GET', path, undefined, headers),
    );
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
    return r.body;
  }
}

/** The operations the running server declares, from its own OpenAPI document. */
export async function operations(api: Api): Promise<Set<string>> {
  const doc = await api.get<{ paths: Record<string, Record<string, unknown>> }>('/api/openapi.json');
  const ops = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(methods)) ops.add(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`);
  }
  return ops;
}

function results<T>(answer: unknown): T[] {
  if (Array.isArray(answer)) return answer as T[];
  return ((answer as { results?: T[] })?.results ?? []) as T[];
}

/** A word from a product name that search can find (letters only, the longest of the first names). */
function searchWord(products: ProductLike[]): string | null {
  const words = products
    .slice(0, 20)
    .flatMap((p) => p.name.split(/[^A-Za-z]+/))
    .filter((w) => w.length >= 4)
    .sort((a, b) => b.length - a.length);
  return words[0]?.toLowerCase() ?? null;
}

/** What the scenarios need from the seeded catalog, found through the public API. */
export interface Fixtures {
  products: ProductLike[];
  total: number;
  category: string | null;
  categoryCount: number;
  listPath: string;
  listBody: string;
  deepPage: number;
  deepCursor: string | null;
  cursorDepth: number;
  word: string | null;
  variantPool: Array<{ variantId: string; slug: string; stock: number }>;
}

export async function discoverFixtures(api: Api, ops: Set<string>, maxCursorSteps: number): Promise<Fixtures | null> {
  if (!ops.has('GET /api/products')) return null;
  const first = await api.get<{ count: number; results: ProductLike[] }>('/api/products?page_size=100');
  if (!first.results?.length) return null;

  // The filter: the category of the first product, or its widest ancestor that is still a strict subset.
  let category: string | null = first.results.find((p) => p.category_id)?.category_id ?? null;
  if (category && ops.has('GET /api/categories')) {
    const all = results<CategoryLike>(await api.get('/api/categories'));
    const byId = new Map(all.map((c) => [c.id, c]));
    let best = category;
    for (let c = byId.get(category); c?.parent_id; c = byId.get(c.parent_id)) {
      const n = (await api.get<{ count: number }>(`/api/products?category=${c.parent_id}&page_size=1`)).count;
      if (n <= first.count / 2) best = c.parent_id;
    }
    category = best;
  }
  const filter = category ? `category=${encodeURIComponent(category)}&` : '';
  const listPath = `/api/products?${filter}sort=price`;
  const listAnswer = await api.call('GET', listPath);
  const categoryCount = (listAnswer.body as { count: number }).count;

  // A deep cursor, reached the way a client reaches it: following next_cursor (up to 100 rows a step)
  // to about the middle of the filtered list.
  let deepCursor: string | null = null;
  let cursorDepth = 0;
  const targetDepth = Math.floor(categoryCount / 2);
  for (let step = 0; step < maxCursorSteps && cursorDepth < targetDepth; step++) {
    const limit = Math.min(100, targetDepth - cursorDepth);
    const after: string = deepCursor ? `&cursor=${encodeURIComponent(deepCursor)}` : '';
    const page: { results: unknown[]; next_cursor: string | null } = await api.get(
      `/api/products?${filter}sort=price&limit=${limit}${after}`,
    );
    if (!page.next_cursor) break;
    deepCursor = page.next_cursor;
    cursorDepth += page.results.length;
  }

  // Variants with stock, for cart and checkout (a few list pages).
  const variantPool: Fixtures['variantPool'] = [];
  for (let page = 1; page <= 20 && variantPool.length < 2000; page++) {
    const answer =
      page === 1 ? first : await api.get<{ results: ProductLike[] }>(`/api/products?page_size=100&page=${page}`);
    if (!answer.results.length) break;
    for (const p of answer.results)
      for (const v of p.variants ?? [])
        if (v.stock > 0) variantPool.push({ variantId: v.id, slug: p.slug, stock: v.stock });
  }

  return {
    products: first.results,
    total: first.count,
    category,
    categoryCount,
    listPath,
    listBody: listAnswer.text,
    deepPage: Math.max(1, Math.floor(Math.ceil(categoryCount / 20) / 2)),
    deepCursor,
    cursorDepth,
    word: searchWord(first.results),
    variantPool,
  };
}

/** Registers `n` customers and returns their access tokens (one per connection). */
async function customerTokens(api: Api, n: number, tag: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const email = `bench-${tag}-${i}@example.com`;
    const reg = await api.call('POST', '/api/auth/register', { email, password: PASSWORD, name: `Bench ${i}` });
    if (reg.status >= 300 && reg.status !== 409)
      throw new Error(`register answered ${reg.status}: ${reg.text.slice(0, 200)}`);
    const tok = await api.call<{ access: string }>('POST', '/api/auth/token', { email, password: PASSWORD });
    if (tok.status !== 200) throw new Error(`token answered ${tok.status}: ${tok.text.slice(0, 200)}`);
    tokens.push(tok.body.access);
  }
  return tokens;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Reads the current stock of variants through the product detail endpoint. */
async function stockOf(api: Api, pool: Fixtures['variantPool']): Promise<Map<string, number>> {
  const stock = new Map<string, number>();
  for (const slug of new Set(pool.map((v) => v.slug))) {
    const p = await api.get<ProductLike>(`/api/products/${encodeURIComponent(slug)}`);
    for (const v of p.variants) stock.set(v.id, v.stock);
  }
  return stock;
}

/** Units of each variant in `variantIds` across the orders of the customers holding `tokens`. */
async function unitsOrdered(api: Api, tokens: string[], variantIds: Set<string>): Promise<Map<string, number>> {
  const units = new Map<string, number>();
  for (const token of tokens) {
    for (let page = 1; ; page++) {
      const body = await api.get<{ next: string | null; results: Array<{ status: string; items: OrderItem[] }> }>(
        `/api/orders?page_size=100&page=${page}`,
        { authorization: `Bearer ${token}` },
      );
      for (const order of body.results)
        for (const item of order.items)
          if (variantIds.has(item.variant_id))
            units.set(item.variant_id, (units.get(item.variant_id) ?? 0) + item.quantity);
      if (!body.next) break;
    }
  }
  return units;
}
interface OrderItem {
  variant_id: string;
  quantity: number;
}

/** Every scenario of the issue, each marked unavailable (with the reason) until its endpoint lands. */
export async function buildScenarios(
  api: Api,
  ops: Set<string>,
  fx: Fixtures | null,
  connections: number,
  tag: string,
): Promise<Scenario[]> {
  const noCatalog = !ops.has('GET /api/products')
    ? 'not available: GET /api/products is not served yet'
    : !fx
      ? 'not available: the catalog is empty (no `emporia seed` yet)'
      : null;
  const list = (extra: string) => `${fx?.listPath ?? ''}${extra}`;
  const scenarios: Scenario[] = [
    { id: 'health', label: 'GET /health (HTTP shell only)', unavailable: null, request: { path: '/health' } },
    {
      id: 'list_page1',
      label: 'list, category + price sort, page 1',
      unavailable: noCatalog,
      request: { path: list('') },
    },
    {
      id: 'list_deep_page',
      label: `list, page mode, deep page${fx ? ` (page ${fx.deepPage})` : ''}`,
      unavailable: noCatalog,
      request: { path: list(`&page=${fx?.deepPage ?? 1}`) },
    },
    {
      id: 'list_cursor1',
      label: 'list, cursor mode, first page',
      unavailable: noCatalog,
      request: { path: list('&limit=20') },
    },
    {
      id: 'list_cursor_deep',
      label: `list, cursor mode, deep${fx ? ` (row ${fx.cursorDepth})` : ''}`,
      unavailable: noCatalog ?? (fx?.deepCursor ? null : 'not available: no next_cursor in the list answer'),
      request: { path: list(`&limit=20&cursor=${encodeURIComponent(fx?.deepCursor ?? '')}`) },
    },
    {
      id: 'search',
      label: `full-text search${fx?.word ? ` (q=${fx.word})` : ''}`,
      unavailable: noCatalog ?? (fx?.word ? null : 'not available: no word to search for'),
      request: { path: `/api/products?q=${encodeURIComponent(fx?.word ?? '')}` },
    },
    {
      id: 'search_sorted',
      label: `full-text search, in stock, by price${fx?.word ? ` (q=${fx.word})` : ''}`,
      unavailable: noCatalog ?? (fx?.word ? null : 'not available: no word to search for'),
      request: { path: `/api/products?q=${encodeURIComponent(fx?.word ?? '')}&in_stock=true&sort=price` },
    },
  ];

  const slugs = fx?.products.map((p) => p.slug) ?? [];
  scenarios.push({
    id: 'detail',
    label: `product by slug (${slugs.length} slugs in turn)`,
    unavailable: noCatalog ?? (ops.has('GET /api/products/{}') ? null : 'not available: GET /api/products/{slug}'),
    request: {
      path: `/api/products/${slugs[0] ?? ''}`,
      setupRequest(req, ctx) {
        const i = ((ctx.i as number | undefined) ?? Math.floor(Math.random() * slugs.length)) + 1;
        ctx.i = i;
        return { ...req, path: `/api/products/${encodeURIComponent(slugs[i % slugs.length])}` };
      },
    },
  });

  // Guest carts of up to five lines: a request without a token opens a cart, its X-Cart-Token is reused.
  const pool = fx?.variantPool ?? [];
  const cartReason =
    noCatalog ??
    (ops.has('POST /api/cart/items')
      ? pool.length
        ? null
        : 'not available: no variant in stock'
      : 'not available: POST /api/cart/items is not served yet');
  let cartCursor = 0;
  scenarios.push({
    id: 'add_to_cart',
    label: 'add to cart (guest carts, ≤ 5 lines each)',
    unavailable: cartReason,
    request: {
      method: 'POST',
      path: '/api/cart/items',
      setupRequest(req, ctx) {
        const v = pool[cartCursor++ % pool.length];
        const lines = (ctx.lines as number | undefined) ?? 0;
        const token = lines > 0 && lines < 5 ? (ctx.token as string | undefined) : undefined;
        if (!token) ctx.lines = 0;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (token) headers['x-cart-token'] = token;
        return { ...req, headers, body: JSON.stringify({ variant_id: v.variantId, quantity: 1 }) };
      },
      onResponse(status, body, ctx, headers) {
        if (status >= 300) return;
        const token = header(headers, 'x-cart-token') ?? (JSON.parse(body) as { token?: string }).token;
        if (token) ctx.token = token;
        ctx.lines = ((ctx.lines as number | undefined) ?? 0) + 1;
      },
    },
  });

  const checkoutReason =
    noCatalog ??
    (!ops.has('POST /api/orders')
      ? 'not available: POST /api/orders is not served yet'
      : !ops.has('POST /api/auth/register') || !ops.has('POST /api/auth/token')
        ? 'not available: POST /api/auth/register and /api/auth/token are needed'
        : pool.length < 20
          ? 'not available: fewer than 20 variants in stock'
          : null);
  let tokens: string[] = [];
  if (!checkoutReason) {
    try {
      tokens = await customerTokens(api, Math.min(connections, 32), tag);
    } catch (err) {
      const reason = `not available: ${(err as Error).message}`;
      scenarios.push({ id: 'checkout', label: 'checkout', unavailable: reason });
      scenarios.push({ id: 'checkout_contended', label: 'checkout, contended', unavailable: reason });
      return scenarios;
    }
  }
  const bearer = (ctx: ConnectionContext) => {
    ctx.token ??= tokens[Math.floor(Math.random() * tokens.length)];
    return { 'content-type': 'application/json', authorization: `Bearer ${ctx.token as string}` };
  };

  // With contention: every order on the same 10 variants (the lowest stock, so they sell out).
  const hot = [...pool].sort((a, b) => a.stock - b.stock).slice(0, 10);
  const hotIds = new Set(hot.map((v) => v.variantId));
  // Without contention: each order takes one unit of the next variant of a large pool.
  const spread = pool.filter((v) => !hotIds.has(v.variantId));
  let orderCursor = 0;
  const backlogReader: LoadRequest = {
    path: `/api/products/${slugs[0] ?? ''}`,
    setupRequest(req, ctx) {
      const i = ((ctx.i as number | undefined) ?? 0) + 1;
      ctx.i = i;
      return { ...req, path: `/api/products/${encodeURIComponent(slugs[i % slugs.length])}` };
    },
  };
  // The same shopper on an idle server: what the backlog figure compares with.
  scenarios.push({
    id: 'detail_1',
    label: 'product by slug, 1 connection, idle server',
    unavailable: noCatalog ?? (ops.has('GET /api/products/{}') ? null : 'not available: GET /api/products/{slug}'),
    connections: 1,
    request: backlogReader,
  });
  scenarios.push({
    id: 'checkout',
    label: `checkout, no contention (${spread.length} variants in turn)`,
    unavailable: checkoutReason,
    okRate: true,
    request: {
      method: 'POST',
      path: '/api/orders',
      setupRequest(req, ctx) {
        const v = spread[orderCursor++ % spread.length];
        return {
          ...req,
          headers: bearer(ctx),
          body: JSON.stringify({ items: [{ variant_id: v.variantId, quantity: 1 }] }),
        };
      },
    },
  });

  // Right after the checkout burst, while the inline runner drains its e-mail and webhook jobs: one
  // shopper reading products. Background work must not starve requests (issue 20).
  scenarios.push({
    id: 'backlog',
    label: 'product by slug, 1 connection, right after the checkout burst (job backlog)',
    unavailable: checkoutReason ?? (ops.has('GET /api/products/{}') ? null : 'not available: GET /api/products/{slug}'),
    warmup: false,
    settle: false,
    connections: 1,
    request: backlogReader,
  });

  // Afterwards the units in the customers' orders (read back through GET /api/orders, so answers cut
  // off at the end of the run still count) must equal the stock that went, and none may be negative.
  let initial = new Map<string, number>();
  let orderedBefore = new Map<string, number>();
  let answered = 0;
  let hotCursor = 0;
  scenarios.push({
    id: 'checkout_contended',
    label: 'checkout, every order on the same 10 variants',
    unavailable: checkoutReason,
    okRate: true,
    // The uncontended checkout has warmed the same code; a warm-up here would only sell the stock out.
    warmup: false,
    request: {
      method: 'POST',
      path: '/api/orders',
      setupRequest(req, ctx) {
        const v = hot[hotCursor++ % hot.length];
        return {
          ...req,
          headers: bearer(ctx),
          body: JSON.stringify({ items: [{ variant_id: v.variantId, quantity: 1 }] }),
        };
      },
      onResponse(status) {
        if (status >= 200 && status < 300) answered++;
      },
    },
    async before() {
      initial = await stockOf(api, hot);
      orderedBefore = await unitsOrdered(api, tokens, hotIds);
    },
    async after() {
      const final = await stockOf(api, hot);
      const orderedAfter = await unitsOrdered(api, tokens, hotIds);
      let oversold = 0;
      let mismatched = 0;
      let units = 0;
      for (const v of hot) {
        const before = initial.get(v.variantId) ?? 0;
        const after = final.get(v.variantId) ?? 0;
        const n = (orderedAfter.get(v.variantId) ?? 0) - (orderedBefore.get(v.variantId) ?? 0);
        units += n;
        if (after < 0 || n > before) oversold++;
        if (before - after !== n) mismatched++;
      }
      const stockBefore = hot.reduce((s, v) => s + (initial.get(v.variantId) ?? 0), 0);
      const stockAfter = hot.reduce((s, v) => s + (final.get(v.variantId) ?? 0), 0);
      return {
        variants: hot.length,
        stock_before: stockBefore,
        units_ordered: units,
        answers_2xx: answered,
        stock_after: stockAfter,
        sold_out: stockAfter === 0,
        oversold_variants: oversold,
        mismatched_variants: mismatched,
      };
    },
  });
  return scenarios;
}
