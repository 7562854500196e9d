/**
 * Every list and write endpoint of the HTTP API, with the most SQL statements one request may run
 * (like Saleor's query-count benchmarks). Each budget is what the endpoint costs now, measured
 * over lists of several rows that each have children (variants, lines, history), so a query per
 * row — an N+1 — goes over it. A route without a row here fails the coverage test below.
 *
 * Writes that take lines (checkout, cancel) run a statement or two per line by design — the
 * conditional stock UPDATE of each variant, and the product's in-stock refresh where a line puts
 * stock back or sells a variant out (a sale that leaves it in stock has none) — so their rows
 * measure three lines. Every authenticated request starts with one SELECT of the caller. Every
 * catalog write (product, variant, category) records its catalog event in the outbox: one INSERT,
 * what keeps every process’s catalog cache true; a stock move records one only when `in_stock` flips.
 * With the catalog cache on, a repeated anonymous catalog read runs none (catalog-cache.test.ts).
 *
 * When a change makes an endpoint cheaper, lower its figure; when one must cost more, raise it
 * in the same change and say why in the commit.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KnexStore } from '@emporia/adapters';
import { newId, signWebhook, systemContext } from '@emporia/core';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../src/routes/index.js';
import { TEST_PASSWORD, userWithToken, type TestUser } from '../../../test/support/auth.js';
import { describeEachDatabase, testConfig, type TestEnv } from '../../../test/support/engine.js';
import type { TestDialect } from '../../../test/support/databases.js';

const PAYMENT_SECRET = testConfig().paymentWebhookSecret!;
/** A job type whose handler always fails: a dead job to retry. */
const FAILING_JOB = 'budget.fails';

/** Routes with no budget, and why. */
const UNBUDGETED: Record<string, string> = {
  'GET /api/events':
    'an open event stream reads the outbox (once per wake for all the process’s streams) for as long as the client stays',
};

interface Fixtures {
  env: TestEnv;
  admin: TestUser;
  staff: TestUser;
  /** A customer with seven orders of three lines, four with a payment (two paid), and a cart of three lines. */
  alice: TestUser;
  categories: Record<'home' | 'furniture' | 'chairs' | 'decor' | 'garden', { id: string; slug: string }>;
  /** Six published products with three variants each, named `Oak …`, in home › furniture › chairs. */
  products: Array<{ id: string; slug: string; variants: Array<{ id: string; sku: string }> }>;
  orders: Array<{ id: string }>;
  payments: Array<{ id: string }>;
  /** Subscribed to the order events, with a delivery for each. */
  webhookId: string;
  /** A job that ran (a delivered event). */
  jobId: string;
  /** Lines for an order or a cart: one of each of the first three products. */
  lines(): Array<{ variant_id: string; quantity: number }>;
}

type FixtureUser = 'admin' | 'staff' | 'alice';
/** A value, or how to make it from the fixtures and what the row's `arrange` returned. */
type Of<T, R> = R | ((f: Fixtures, arranged: T) => R);

interface Budget<T = unknown> {
  /** `METHOD /path`, as the route table declares it. */
  route: string;
  /** What this row measures when a route has several. */
  variant?: string;
  /** The most statements the request may run: one figure for both databases, or one each. */
  max: number | Record<TestDialect, number>;
  /** Creates what the request acts on; not counted. */
  arrange?(f: Fixtures): Promise<T>;
  /** The path sent, with its ids and query; the route's own path when omitted. */
  path?: Of<T, string>;
  /** Who sends it: a fixture user, or one `arrange` made; anonymous when omitted. */
  as?: Of<T, FixtureUser | TestUser>;
  /** A JSON body, or a text body with its `Content-Type` in `headers`. */
  body?: Of<T, object | string>;
  /** Request headers beside the caller's `Authorization`. */
  headers?: Of<T, Record<string, string>>;
}

/** One row of the table; `arranged` is typed by what `arrange` returns. */
const budget = <T = undefined>(b: Budget<T>): Budget => b as Budget;

const resolve = <T, R>(value: Of<T, R> | undefined, f: Fixtures, arranged: T): R | undefined =>
  typeof value === 'function' ? (value as (f: Fixtures, arranged: T) => R)(f, arranged) : value;

/** The row's request, as a client would send it. */
function send(b: Budget, f: Fixtures, arranged: unknown): request.Test {
  const [method, routePath] = b.route.split(' ');
  const http = request(f.env.app)[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](
    resolve(b.path, f, arranged) ?? routePath,
  );
  const as = resolve(b.as, f, arranged);
  if (as) http.set((typeof as === 'string' ? f[as] : as).headers);
  http.set(resolve(b.headers, f, arranged) ?? {});
  const body = resolve(b.body, f, arranged);
  return body === undefined ? http : http.send(body);
}

let serial = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++serial}`;

const api = (f: Fixtures) => request(f.env.app);

/** POSTs `body` to `url` as a fixture user (not counted) and returns what was created. */
async function created<T = { id: string }>(
  f: Fixtures,
  url: string,
  as: FixtureUser,
  body: Record<string, unknown> = {},
): Promise<T> {
  const res = await api(f).post(url).set(f[as].headers).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as T;
}

const createUser = (f: Fixtures) =>
  created(f, '/api/users', 'admin', {
    email: `${unique('user')}@example.test`,
    password: TEST_PASSWORD,
    name: 'Budget user',
    role: 'customer',
  });

const TAX_COUNTRIES = ['FR', 'IT', 'ES', 'NL', 'BE', 'PL', 'SE', 'DK', 'FI', 'PT', 'IE', 'CZ', 'HU', 'RO', 'GR', 'SK'];
let countryTurn = 0;
const nextCountry = () => TAX_COUNTRIES[countryTurn++ % TAX_COUNTRIES.length];
const createTaxRate = (f: Fixtures) =>
  created<{ id: string; country: string }>(f, '/api/tax-rates', 'staff', {
    name: 'VAT',
    country: nextCountry(),
    rate_bps: 2000,
  });
const createPromotion = (f: Fixtures) =>
  created<{ id: string; code: string }>(f, '/api/promotions', 'staff', {
    code: unique('CODE'),
    kind: 'percentage',
    value: 1000,
  });
const createRole = (f: Fixtures) => created(f, '/api/roles', 'admin', { name: unique('role').toLowerCase() });

/** A published product: one variant unless `body` gives `variants`. */
const createProduct = (f: Fixtures, body: Record<string, unknown> = {}) =>
  created<{ id: string; slug: string; variants: Array<{ id: string; sku: string }> }>(f, '/api/products', 'staff', {
    name: unique('Spare'),
    status: 'published',
    ...('variants' in body ? {} : { price: 900, stock: 50, sku: unique('SP') }),
    ...body,
  });

/** The body of a product offering sizes S, M and L, with a variant for each of `sizes` only. */
function sizedProductBody(sizes: string[]) {
  const sku = unique('SZ');
  return {
    name: unique('Tee'),
    status: 'published',
    options: [{ name: 'size', values: ['S', 'M', 'L'] }],
    variants: sizes.map((size) => ({ sku: `${sku}-${size}`, price: 1200, stock: 4, options: { size } })),
  };
}

const placeOrder = (f: Fixtures) => created(f, '/api/orders', 'alice', { items: f.lines() });

async function startPayment(f: Fixtures, provider: 'hosted' | 'manual') {
  const order = await placeOrder(f);
  return created<{ id: string; reference: string; amount: number }>(f, `/api/orders/${order.id}/payments`, 'alice', {
    provider,
  });
}

/** An order of `f.lines()` paid by a manual payment staff confirmed. */
async function paidOrder(f: Fixtures) {
  const payment = await startPayment(f, 'manual');
  expect((await api(f).post(`/api/payments/${payment.id}/confirm`).set(f.staff.headers)).status).toBe(200);
  return (await api(f).get(`/api/payments/${payment.id}`).set(f.staff.headers)).body as { order_id: string };
}

/** A paid order with two refunds of one unit each. */
async function refundedOrder(f: Fixtures) {
  const { order_id } = await paidOrder(f);
  const refunds = [];
  for (const line of f.lines().slice(0, 2)) {
    refunds.push(
      await created<{ id: string }>(f, `/api/orders/${order_id}/refunds`, 'staff', {
        items: [{ variant_id: line.variant_id, quantity: 1 }],
      }),
    );
  }
  return { order_id, refunds };
}

/** A new customer's cart holding `f.lines()`. */
async function cartOfThree(f: Fixtures) {
  const buyer = await userWithToken(f.env, 'customer');
  for (const line of f.lines()) {
    expect((await api(f).post('/api/cart/items').set(buyer.headers).send(line)).status).toBe(201);
  }
  const cart = await api(f).get('/api/cart').set(buyer.headers);
  return { buyer, items: cart.body.items as Array<{ id: string }> };
}

const ADDRESS = { name: 'Budget Buyer', line1: 'Ring 1', city: 'Wien', country: 'AT' };

/** A new customer with one address in their book. */
async function withAddress(f: Fixtures) {
  const owner = await userWithToken(f.env, 'customer');
  const address = await f.env.engine.addresses.createAddress(owner.ctx, ADDRESS);
  return { owner, id: address.id };
}

/** A zone of its own (Switzerland) for staff to act on. */
const createZone = (f: Fixtures) =>
  f.env.engine.shipping.createZone(systemContext({ clock: f.env.clock }), { name: unique('Zone'), countries: ['CH'] });

/** A method of a zone of its own, inactive so that carts elsewhere do not see it. */
async function createMethod(f: Fixtures) {
  const zone = await createZone(f);
  return f.env.engine.shipping.createMethod(systemContext({ clock: f.env.clock }), {
    zone_id: zone.id,
    name: unique('Method'),
    price: 500,
    is_active: false,
  });
}

/** A new customer's cart of three lines, and an active method for Austria (inactive again once measured). */
async function cartWithShipping(f: Fixtures) {
  const cart = await cartOfThree(f);
  const ctx = systemContext({ clock: f.env.clock });
  const zone = await f.env.engine.shipping.createZone(ctx, { name: unique('Zone'), countries: ['AT'] });
  const method = await f.env.engine.shipping.createMethod(ctx, { zone_id: zone.id, name: 'Post', price: 500 });
  return { ...cart, methodId: method.id, zoneId: zone.id };
}

/** A fresh token pair of alice's. */
/** A fresh customer's token of the purpose, stored as the engine stores it; returns the token. */
async function accountToken(f: Fixtures, purpose: 'password_reset' | 'email_verification'): Promise<string> {
  const { user } = await userWithToken(f.env, 'customer');
  const token = randomBytes(32).toString('base64url');
  const now = f.env.clock.now();
  await f.env.engine.store.repositories.accountTokens.insert(systemContext(), {
    id: newId(),
    user_id: user.id,
    purpose,
    token_hash: createHash('sha256').update(token).digest('hex'),
    email: user.email,
    expires_at: new Date(now.getTime() + 3600_000).toISOString(),
    created_at: now.toISOString(),
    used_at: null,
  });
  return token;
}

async function login(f: Fixtures) {
  const res = await api(f).post('/api/auth/token').send({ email: f.alice.user.email, password: TEST_PASSWORD });
  expect(res.status).toBe(200);
  return res.body as { access: string; refresh: string };
}

const BUDGETS: Budget[] = [
  // ------------------------------------------------------------ system
  budget({ route: 'GET /health', max: 0 }),
  budget({ route: 'GET /ready', max: 1 }),

  // ------------------------------------------------------------ auth
  budget({
    // The user, its user.created event, then the e-mail verification: its token and its mail job.
    route: 'POST /api/auth/register',
    max: 8,
    body: () => ({ email: `${unique('reg')}@example.test`, password: TEST_PASSWORD, name: 'R' }),
  }),
  budget({
    // Each attempt is counted before the password is verified (three keys: account, account+client,
    // client; three statements each), then a success clears and refunds: the login lock's price.
    route: 'POST /api/auth/token',
    max: 18,
    body: (f) => ({ email: f.alice.user.email, password: TEST_PASSWORD }),
  }),
  budget({
    route: 'POST /api/auth/token/refresh',
    max: 6,
    arrange: login,
    body: (_f, pair) => ({ refresh: pair.refresh }),
  }),
  budget({
    route: 'POST /api/auth/token/verify',
    max: 1,
    arrange: login,
    body: (_f, pair) => ({ token: pair.access }),
  }),
  budget({
    // Counted per address and per client (three statements each, as at the login), then the
    // account, its token and its mail job.
    route: 'POST /api/auth/password-reset',
    max: 13,
    arrange: (f) => userWithToken(f.env, 'customer'),
    body: (_f, user) => ({ email: user.user.email }),
  }),
  budget({
    // The token looked up before any Argon2 run, then one transaction: spend it, the user, spend
    // the user's other reset tokens, the password with the token version, refresh tokens revoked.
    route: 'POST /api/auth/password-reset/confirm',
    max: 9,
    arrange: (f) => accountToken(f, 'password_reset'),
    body: (_f, token) => ({ token, password: 'a new long password' }),
  }),
  budget({
    route: 'POST /api/auth/verify-email',
    max: 8,
    arrange: (f) => accountToken(f, 'email_verification'),
    body: (_f, token) => ({ token }),
  }),
  budget({
    // The caller, the per-user limit (as for a reset), then the user, a token and its mail job.
    route: 'POST /api/auth/verify-email/resend',
    max: 11,
    arrange: (f) => userWithToken(f.env, 'customer'),
    as: (_f, user) => user,
  }),
  budget({ route: 'POST /api/auth/logout', max: 3, arrange: login, body: (_f, pair) => ({ refresh: pair.refresh }) }),

  // ------------------------------------------------------------ users
  budget({ route: 'GET /api/users/me', max: 2, as: 'alice' }),
  // The user's permissions, as for every authenticated route; the ticket itself is signed, not stored.
  budget({ route: 'POST /api/events/ticket', max: 1, as: 'alice' }),
  budget({ route: 'PATCH /api/users/me', max: 6, as: 'alice', body: { name: 'Alice B.' } }),
  budget({
    route: 'DELETE /api/users/me',
    // One transaction: the user, each module's eraser (addresses, cart, orders), tokens, the row, user.erased.
    max: 10,
    arrange: (f) => userWithToken(f.env, 'customer'),
    as: (_f, user) => user,
  }),
  budget({ route: 'GET /api/users', variant: 'page', max: 3, path: '/api/users?page_size=100', as: 'staff' }),
  budget({
    route: 'GET /api/users',
    variant: 'cursor, by role and e-mail',
    max: 2,
    path: '/api/users?limit=100&role=customer&email=example',
    as: 'staff',
  }),
  budget({
    route: 'POST /api/users',
    max: 7,
    as: 'admin',
    body: () => ({ email: `${unique('new')}@example.test`, password: TEST_PASSWORD, name: 'N', role: 'staff' }),
  }),
  budget({ route: 'GET /api/users/{id}', max: 2, path: (f) => `/api/users/${f.alice.user.id}`, as: 'staff' }),
  budget({
    route: 'PATCH /api/users/{id}',
    max: 7,
    arrange: createUser,
    path: (_f, user) => `/api/users/${user.id}`,
    as: 'admin',
    body: { role: 'staff', name: 'S' },
  }),
  budget({
    route: 'DELETE /api/users/{id}',
    // As DELETE /api/users/me.
    max: 10,
    arrange: createUser,
    path: (_f, user) => `/api/users/${user.id}`,
    as: 'admin',
  }),

  // ------------------------------------------------------------ roles
  budget({ route: 'GET /api/roles', max: 2, as: 'admin' }),
  budget({
    route: 'POST /api/roles',
    max: 5,
    as: 'admin',
    body: () => ({ name: unique('role').toLowerCase(), permissions: ['user:read', 'order:read:any'] }),
  }),
  budget({
    route: 'GET /api/roles/{id}',
    max: 2,
    arrange: async (f) =>
      ((await api(f).get('/api/roles').set(f.admin.headers)).body.results as Array<{ id: string; name: string }>).find(
        (r) => r.name === 'staff',
      )!,
    path: (_f, role) => `/api/roles/${role.id}`,
    as: 'admin',
  }),
  budget({
    route: 'PATCH /api/roles/{id}',
    max: 6,
    arrange: createRole,
    path: (_f, role) => `/api/roles/${role.id}`,
    as: 'admin',
    body: { permissions: ['product:write'] },
  }),
  budget({
    route: 'DELETE /api/roles/{id}',
    max: 6,
    arrange: createRole,
    path: (_f, role) => `/api/roles/${role.id}`,
    as: 'admin',
  }),

  // ------------------------------------------------------------ tax rates
  budget({ route: 'GET /api/tax-rates', max: 2, as: 'staff' }),
  budget({
    route: 'POST /api/tax-rates',
    max: 3,
    as: 'staff',
    body: () => ({ name: 'VAT', country: nextCountry(), rate_bps: 2000 }),
  }),
  budget({
    route: 'GET /api/tax-rates/{id}',
    max: 2,
    as: 'staff',
    arrange: createTaxRate,
    path: (_f, r) => `/api/tax-rates/${r.id}`,
  }),
  budget({
    route: 'PUT /api/tax-rates/{id}',
    max: 4,
    as: 'staff',
    arrange: createTaxRate,
    path: (_f, r) => `/api/tax-rates/${r.id}`,
    body: (_f, r) => ({ name: 'VAT', country: r.country, region: null, tax_class: 'standard', rate_bps: 1800 }),
  }),
  budget({
    route: 'PATCH /api/tax-rates/{id}',
    max: 4,
    as: 'staff',
    arrange: createTaxRate,
    path: (_f, r) => `/api/tax-rates/${r.id}`,
    body: { rate_bps: 1700 },
  }),
  budget({
    route: 'DELETE /api/tax-rates/{id}',
    max: 2,
    as: 'staff',
    arrange: createTaxRate,
    path: (_f, r) => `/api/tax-rates/${r.id}`,
  }),

  // ------------------------------------------------------------ addresses
  budget({ route: 'GET /api/users/me/addresses', max: 2, arrange: withAddress, as: (_f, a) => a.owner }),
  budget({
    route: 'POST /api/users/me/addresses',
    max: 5,
    arrange: (f) => userWithToken(f.env, 'customer'),
    as: (_f, owner) => owner,
    body: { ...ADDRESS, is_default_shipping: true },
  }),
  budget({
    route: 'GET /api/users/me/addresses/{id}',
    max: 2,
    arrange: withAddress,
    path: (_f, a) => `/api/users/me/addresses/${a.id}`,
    as: (_f, a) => a.owner,
  }),
  budget({
    route: 'PUT /api/users/me/addresses/{id}',
    max: 6,
    arrange: withAddress,
    path: (_f, a) => `/api/users/me/addresses/${a.id}`,
    as: (_f, a) => a.owner,
    body: {
      ...ADDRESS,
      company: null,
      line2: null,
      postal_code: null,
      region: null,
      phone: null,
      is_default_shipping: false,
      is_default_billing: true,
    },
  }),
  budget({
    route: 'PATCH /api/users/me/addresses/{id}',
    max: 6,
    arrange: withAddress,
    path: (_f, a) => `/api/users/me/addresses/${a.id}`,
    as: (_f, a) => a.owner,
    body: { city: 'Graz', is_default_billing: true },
  }),
  budget({
    route: 'DELETE /api/users/me/addresses/{id}',
    max: 2,
    arrange: withAddress,
    path: (_f, a) => `/api/users/me/addresses/${a.id}`,
    as: (_f, a) => a.owner,
  }),

  // ------------------------------------------------------------ shipping
  budget({ route: 'GET /api/shipping-zones', max: 2, as: 'staff' }),
  budget({ route: 'POST /api/shipping-zones', max: 2, as: 'staff', body: { name: 'Budget', countries: ['CH'] } }),
  budget({
    route: 'GET /api/shipping-zones/{id}',
    max: 2,
    as: 'staff',
    arrange: createZone,
    path: (_f, z) => `/api/shipping-zones/${z.id}`,
  }),
  budget({
    route: 'PUT /api/shipping-zones/{id}',
    max: 3,
    as: 'staff',
    arrange: createZone,
    path: (_f, z) => `/api/shipping-zones/${z.id}`,
    body: { name: 'Budget', countries: ['CH', 'LI'], regions: [] },
  }),
  budget({
    route: 'PATCH /api/shipping-zones/{id}',
    max: 3,
    as: 'staff',
    arrange: createZone,
    path: (_f, z) => `/api/shipping-zones/${z.id}`,
    body: { countries: ['CH', 'LI'] },
  }),
  budget({
    route: 'DELETE /api/shipping-zones/{id}',
    max: 5,
    as: 'staff',
    arrange: createZone,
    path: (_f, z) => `/api/shipping-zones/${z.id}`,
  }),
  budget({ route: 'GET /api/shipping-methods', max: 2, as: 'staff' }),
  budget({
    route: 'POST /api/shipping-methods',
    max: 5,
    as: 'staff',
    arrange: createZone,
    body: (_f, z) => ({ zone_id: z.id, name: 'Budget post', price: 500, is_active: false }),
  }),
  budget({
    route: 'GET /api/shipping-methods/{id}',
    max: 2,
    as: 'staff',
    arrange: createMethod,
    path: (_f, m) => `/api/shipping-methods/${m.id}`,
  }),
  budget({
    route: 'PUT /api/shipping-methods/{id}',
    max: 6,
    as: 'staff',
    arrange: createMethod,
    path: (_f, m) => `/api/shipping-methods/${m.id}`,
    body: (_f, m) => ({
      zone_id: m.zone_id,
      name: 'Budget post',
      price: 600,
      free_over: null,
      min_weight_grams: null,
      max_weight_grams: null,
      is_active: false,
    }),
  }),
  budget({
    route: 'PATCH /api/shipping-methods/{id}',
    max: 5,
    as: 'staff',
    arrange: createMethod,
    path: (_f, m) => `/api/shipping-methods/${m.id}`,
    body: { price: 700 },
  }),
  budget({
    route: 'DELETE /api/shipping-methods/{id}',
    max: 2,
    as: 'staff',
    arrange: createMethod,
    path: (_f, m) => `/api/shipping-methods/${m.id}`,
  }),
  // ------------------------------------------------------------ promotions
  budget({ route: 'GET /api/promotions', max: 2, as: 'staff' }),
  budget({
    route: 'POST /api/promotions',
    max: 3,
    as: 'staff',
    body: () => ({ code: unique('CODE'), kind: 'fixed', value: 500, usage_limit: 10 }),
  }),
  budget({
    route: 'GET /api/promotions/{id}',
    max: 2,
    as: 'staff',
    arrange: createPromotion,
    path: (_f, p) => `/api/promotions/${p.id}`,
  }),
  budget({
    route: 'PUT /api/promotions/{id}',
    max: 4,
    as: 'staff',
    arrange: createPromotion,
    path: (_f, p) => `/api/promotions/${p.id}`,
    body: (_f, p) => ({
      code: p.code,
      kind: 'fixed',
      value: 300,
      min_subtotal: null,
      starts_at: null,
      ends_at: null,
      usage_limit: null,
      usage_limit_per_customer: null,
      category_ids: [],
      product_ids: [],
      is_active: true,
    }),
  }),
  budget({
    route: 'PATCH /api/promotions/{id}',
    max: 4,
    as: 'staff',
    arrange: createPromotion,
    path: (_f, p) => `/api/promotions/${p.id}`,
    body: { value: 1500 },
  }),
  budget({
    route: 'DELETE /api/promotions/{id}',
    max: 2,
    as: 'staff',
    arrange: createPromotion,
    path: (_f, p) => `/api/promotions/${p.id}`,
  }),

  // ------------------------------------------------------------ categories
  budget({ route: 'GET /api/categories', variant: 'flat', max: 1 }),
  budget({ route: 'GET /api/categories', variant: 'tree', max: 1, path: '/api/categories?tree=true' }),
  budget({
    route: 'POST /api/categories',
    max: 7,
    as: 'staff',
    body: (f) => ({ name: unique('Cat'), parent_id: f.categories.home.id }),
  }),
  budget({ route: 'GET /api/categories/{id}', max: 1, path: (f) => `/api/categories/${f.categories.chairs.slug}` }),
  budget({
    route: 'PATCH /api/categories/{id}',
    max: 6,
    path: (f) => `/api/categories/${f.categories.decor.id}`,
    as: 'staff',
    body: { description: 'Vases' },
  }),
  budget({
    route: 'DELETE /api/categories/{id}',
    variant: 'empty',
    max: 7,
    arrange: (f) => created(f, '/api/categories', 'staff', { name: unique('Gone') }),
    path: (_f, category) => `/api/categories/${category.id}`,
    as: 'staff',
  }),
  budget({
    route: 'DELETE /api/categories/{id}',
    variant: 'reassigning three products and a sub-category',
    max: 11,
    async arrange(f) {
      const parent = await created(f, '/api/categories', 'staff', { name: unique('Old') });
      await created(f, '/api/categories', 'staff', { name: unique('Sub'), parent_id: parent.id });
      for (let i = 0; i < 3; i++) await createProduct(f, { category_id: parent.id });
      return parent;
    },
    path: (f, category) => `/api/categories/${category.id}?reassign_to=${f.categories.garden.id}`,
    as: 'staff',
  }),

  // ------------------------------------------------------------ products
  // An unsearched list reads its variants in the page's own statement (a JSON array per row); a
  // category page's total is a column of that statement too (summed from product_counts).
  budget({ route: 'GET /api/products', variant: 'page, newest first', max: 2, path: '/api/products?page_size=100' }),
  budget({
    route: 'GET /api/products',
    variant: 'page, category subtree by price',
    max: 2,
    path: (f) => `/api/products?category=${f.categories.home.slug}&sort=price&page_size=100`,
  }),
  // A deep page (offset 200 on) reads the sort buckets first (`product_sort_buckets`): subtree,
  // buckets, page; past the last product the buckets answer alone, with the count.
  budget({
    route: 'GET /api/products',
    variant: 'page far past the end, category subtree by price',
    max: 2,
    path: (f) => `/api/products?category=${f.categories.home.slug}&sort=price&page=500`,
  }),
  budget({ route: 'GET /api/products', variant: 'cursor by name', max: 1, path: '/api/products?sort=name&limit=100' }),
  budget({
    route: 'GET /api/products',
    variant: 'price range and in stock',
    max: 2,
    path: '/api/products?min_price=100&max_price=100000&in_stock=true&page_size=100',
  }),
  budget({
    route: 'GET /api/products',
    variant: 'search, ranked page',
    max: 1,
    path: '/api/products?q=oak&page_size=100',
  }),
  budget({
    route: 'GET /api/products',
    variant: 'search, ranked cursor',
    max: 1,
    path: '/api/products?q=oak&limit=100',
  }),
  budget({
    route: 'GET /api/products',
    variant: 'search in stock by price',
    max: { sqlite: 3, postgres: 3, mysql: 2 },
    path: '/api/products?q=oak&in_stock=true&sort=price&page_size=100',
  }),
  budget({
    route: 'GET /api/products',
    variant: 'staff, drafts',
    max: 3,
    path: '/api/products?status=draft&page_size=100',
    as: 'staff',
  }),
  budget({
    route: 'POST /api/products',
    variant: 'one variant',
    // MySQL: the search words' delete and insert (see `product_search_words`) after the search text.
    max: { sqlite: 11, postgres: 10, mysql: 12 },
    as: 'staff',
    body: () => ({ name: unique('Stool'), status: 'published', price: 1500, stock: 5, sku: unique('ST') }),
  }),
  budget({
    route: 'POST /api/products',
    variant: 'three variants',
    max: { sqlite: 12, postgres: 11, mysql: 13 },
    as: 'staff',
    body: (f) => ({ ...sizedProductBody(['S', 'M', 'L']), category_id: f.categories.chairs.id }),
  }),
  // The product and its variants in one statement (a JSON array, as a list page reads them).
  budget({ route: 'GET /api/products/{id}', max: 1, path: (f) => `/api/products/${f.products[0].slug}` }),
  budget({
    route: 'PATCH /api/products/{id}',
    max: { sqlite: 10, postgres: 9, mysql: 11 },
    arrange: (f) => createProduct(f),
    path: (_f, p) => `/api/products/${p.id}`,
    as: 'staff',
    body: () => ({ name: unique('Renamed'), description: 'New' }),
  }),
  budget({
    route: 'DELETE /api/products/{id}',
    max: { sqlite: 8, postgres: 6, mysql: 7 },
    arrange: (f) => createProduct(f),
    path: (_f, p) => `/api/products/${p.id}`,
    as: 'staff',
  }),
  budget({
    route: 'GET /api/products/{id}/variants',
    max: 2,
    path: (f) => `/api/products/${f.products[0].id}/variants`,
  }),
  budget({
    route: 'POST /api/products/{id}/variants',
    max: { sqlite: 12, postgres: 11, mysql: 13 },
    arrange: (f) => createProduct(f, sizedProductBody(['S'])),
    path: (_f, p) => `/api/products/${p.id}/variants`,
    as: 'staff',
    body: () => ({ sku: unique('M'), price: 2500, stock: 3, options: { size: 'M' } }),
  }),
  budget({
    route: 'GET /api/products/{id}/variants/{variantId}',
    max: 2,
    path: (f) => `/api/products/${f.products[0].id}/variants/${f.products[0].variants[1].id}`,
  }),
  budget({
    route: 'PATCH /api/products/{id}/variants/{variantId}',
    max: 8,
    path: (f) => `/api/products/${f.products[1].id}/variants/${f.products[1].variants[2].id}`,
    as: 'staff',
    body: { price: 1750 },
  }),
  budget({
    route: 'DELETE /api/products/{id}/variants/{variantId}',
    max: { sqlite: 11, postgres: 10, mysql: 12 },
    arrange: (f) => createProduct(f, sizedProductBody(['S', 'M', 'L'])),
    path: (_f, p) => `/api/products/${p.id}/variants/${p.variants[2].id}`,
    as: 'staff',
  }),
  budget({
    route: 'POST /api/products/{id}/variants/{variantId}/stock',
    max: { sqlite: 7, postgres: 7, mysql: 8 },
    path: (f) => `/api/products/${f.products[2].id}/variants/${f.products[2].variants[0].id}/stock`,
    as: 'staff',
    body: { delta: 5, reason: 'recount' },
  }),
  budget({
    route: 'GET /api/products/{id}/variants/{variantId}/stock',
    max: 3,
    path: (f) => `/api/products/${f.products[0].id}/variants/${f.products[0].variants[0].id}/stock`,
    as: 'staff',
  }),
  budget({
    route: 'POST /api/products/import',
    variant: 'three rows, queued',
    max: 2,
    as: 'staff',
    headers: { 'Content-Type': 'text/csv' },
    body: [
      'sku,name,description,status,price,currency,stock',
      'IMP-1,One,,draft,500,USD,1',
      'IMP-2,Two,,draft,500,USD,1',
      'IMP-3,Three,,draft,500,USD,1',
    ].join('\n'),
  }),

  // ------------------------------------------------------------ jobs and webhooks
  budget({ route: 'GET /api/jobs', variant: 'page', max: 3, path: '/api/jobs?page_size=100', as: 'staff' }),
  budget({
    route: 'GET /api/jobs',
    variant: 'cursor, by status',
    max: 2,
    path: '/api/jobs?limit=100&status=succeeded',
    as: 'staff',
  }),
  budget({ route: 'GET /api/jobs/{id}', max: 2, path: (f) => `/api/jobs/${f.jobId}`, as: 'staff' }),
  budget({
    route: 'POST /api/jobs/{id}/retry',
    max: 3,
    async arrange(f) {
      const { engine } = f.env;
      const ctx = systemContext({ clock: engine.clock });
      const job = await engine.jobs.enqueue(ctx, FAILING_JOB, {}, { maxAttempts: 1 });
      await engine.jobs.createRunner().runUntilIdle();
      return job;
    },
    path: (_f, job) => `/api/jobs/${job.id}/retry`,
    as: 'admin',
  }),
  budget({ route: 'GET /api/webhooks', max: 2, as: 'admin' }),
  budget({
    route: 'POST /api/webhooks',
    max: 2,
    as: 'admin',
    body: { url: 'https://hooks.example.test/new', event_types: ['order.placed', 'payment.completed'] },
  }),
  budget({ route: 'GET /api/webhooks/{id}', max: 2, path: (f) => `/api/webhooks/${f.webhookId}`, as: 'admin' }),
  budget({
    route: 'PATCH /api/webhooks/{id}',
    max: 4,
    path: (f) => `/api/webhooks/${f.webhookId}`,
    as: 'admin',
    body: { event_types: ['order.placed', 'order.status_changed'] },
  }),
  budget({
    route: 'DELETE /api/webhooks/{id}',
    max: 2,
    arrange: (f) =>
      created(f, '/api/webhooks', 'admin', { url: 'https://hooks.example.test/gone', event_types: ['stock.low'] }),
    path: (_f, hook) => `/api/webhooks/${hook.id}`,
    as: 'admin',
  }),
  budget({
    route: 'GET /api/webhooks/{id}/deliveries',
    max: 3,
    path: (f) => `/api/webhooks/${f.webhookId}/deliveries`,
    as: 'admin',
  }),

  // ------------------------------------------------------------ recommendations
  budget({
    route: 'GET /api/products/{id}/recommendations',
    variant: 'after a rebuild (lists not cached yet)',
    max: 4,
    arrange: (f) => f.env.engine.recommendations.rebuild(systemContext({ clock: f.env.clock })),
    path: (f) => `/api/products/${f.products[0].slug}/recommendations?kind=similar`,
  }),
  budget({
    route: 'GET /api/recommendations/for-me',
    variant: 'a customer with seven orders',
    max: 5,
    arrange: (f) => f.env.engine.recommendations.rebuild(systemContext({ clock: f.env.clock })),
    as: 'alice',
  }),

  // ------------------------------------------------------------ cart
  // Every cart answer reads the shop's active shipping methods once (whether it ships at all), and
  // a cart with lines the codes it holds (one join), so its discounts show live.
  budget({ route: 'GET /api/cart', variant: 'three lines', max: 7, as: 'alice' }),
  budget({ route: 'GET /api/cart', variant: 'a new guest', max: 3 }),
  budget({
    route: 'POST /api/cart/items',
    variant: "a customer's first line",
    // The variant read once (no existence check before it); the lines the add stored are counted and
    // answered with (not read again), and so is the variant just read: four fewer than before.
    max: 11,
    arrange: (f) => userWithToken(f.env, 'customer'),
    as: (_f, buyer) => buyer,
    body: (f) => ({ variant_id: f.products[3].variants[0].id, quantity: 2 }),
  }),
  budget({
    route: 'PATCH /api/cart/items/{id}',
    max: 10,
    arrange: cartOfThree,
    path: (_f, cart) => `/api/cart/items/${cart.items[0].id}`,
    as: (_f, cart) => cart.buyer,
    body: { quantity: 3 },
  }),
  budget({
    route: 'POST /api/cart/promotions',
    variant: 'a cart of three lines',
    // The cart and its lines are read to check the code (subtotal, targets), then answered priced.
    max: 12,
    arrange: async (f) => ({ cart: await cartOfThree(f), promotion: await createPromotion(f) }),
    as: (_f, a) => a.cart.buyer,
    body: (_f, a) => ({ code: a.promotion.code }),
  }),
  budget({
    route: 'DELETE /api/cart/promotions/{code}',
    max: 4,
    arrange: async (f) => {
      const cart = await cartOfThree(f);
      const promotion = await createPromotion(f);
      await api(f).post('/api/cart/promotions').set(cart.buyer.headers).send({ code: promotion.code });
      return { cart, promotion };
    },
    path: (_f, a) => `/api/cart/promotions/${a.promotion.code}`,
    as: (_f, a) => a.cart.buyer,
  }),
  budget({
    route: 'DELETE /api/cart/items/{id}',
    max: 3,
    arrange: cartOfThree,
    path: (_f, cart) => `/api/cart/items/${cart.items[0].id}`,
    as: (_f, cart) => cart.buyer,
  }),

  // ------------------------------------------------------------ orders and payments
  budget({
    route: 'POST /api/orders',
    variant: 'three items',
    // Whether the shop ships (its active methods); no in-stock refresh: the lines leave their variants in stock.
    max: { sqlite: 13, postgres: 13, mysql: 16 },
    as: 'alice',
    body: (f) => ({ items: f.lines() }),
  }),
  budget({
    route: 'POST /api/orders',
    variant: 'three items with a promotion code',
    // Three more than without: the code read, its conditional use increment and the redemption row.
    max: { sqlite: 15, postgres: 15, mysql: 18 },
    arrange: createPromotion,
    as: 'alice',
    body: (f, p) => ({ items: f.lines(), promotion_codes: [p.code] }),
  }),
  budget({
    route: 'POST /api/orders',
    variant: 'a cart of three lines, with an idempotency key',
    // One more than before promotions: the codes the cart held are taken with its lines.
    max: { sqlite: 20, postgres: 20, mysql: 24 },
    arrange: cartOfThree,
    as: (_f, cart) => cart.buyer,
    headers: () => ({ 'Idempotency-Key': unique('key') }),
  }),
  budget({ route: 'GET /api/orders', variant: 'page', max: 5, path: '/api/orders?page_size=100', as: 'alice' }),
  budget({
    route: 'GET /api/orders',
    variant: 'cursor, staff by status',
    max: 4,
    path: '/api/orders?limit=100&status=paid',
    as: 'staff',
  }),
  budget({ route: 'GET /api/orders/{id}', max: 4, path: (f) => `/api/orders/${f.orders[0].id}`, as: 'alice' }),
  budget({
    route: 'PATCH /api/orders/{id}',
    max: 10,
    arrange: placeOrder,
    path: (_f, order) => `/api/orders/${order.id}`,
    as: 'staff',
    body: { status: 'paid' },
  }),
  budget({
    route: 'POST /api/orders/{id}/cancel',
    variant: 'three lines back in stock',
    // One more than before promotions: the order's redemptions are looked up to give their uses back.
    max: { sqlite: 20, postgres: 20, mysql: 23 },
    arrange: placeOrder,
    path: (_f, order) => `/api/orders/${order.id}/cancel`,
    as: 'alice',
  }),
  budget({
    route: 'POST /api/orders/{id}/payments',
    max: 6,
    arrange: placeOrder,
    path: (_f, order) => `/api/orders/${order.id}/payments`,
    as: 'alice',
    body: { provider: 'hosted' },
  }),
  budget({ route: 'GET /api/payments', variant: 'page', max: 4, path: '/api/payments?page_size=100', as: 'alice' }),
  budget({
    route: 'GET /api/payments',
    variant: 'cursor, staff',
    max: 3,
    path: '/api/payments?limit=100',
    as: 'staff',
  }),
  budget({ route: 'GET /api/payments/{id}', max: 3, path: (f) => `/api/payments/${f.payments[0].id}`, as: 'alice' }),
  budget({
    route: 'POST /api/payments/webhooks/{provider}',
    variant: 'a success that pays the order',
    max: 10,
    arrange: async (f) => {
      const payment = await startPayment(f, 'hosted');
      const raw = JSON.stringify({ reference: payment.reference, status: 'succeeded', amount: payment.amount });
      return { raw, signature: signWebhook(PAYMENT_SECRET, raw, Math.floor(f.env.clock.now().getTime() / 1000)) };
    },
    path: '/api/payments/webhooks/hosted',
    headers: (_f, callback) => ({ 'Content-Type': 'application/json', 'Emporia-Signature': callback.signature }),
    body: (_f, callback) => callback.raw,
  }),
  budget({
    route: 'POST /api/orders/{id}/refunds',
    variant: 'three lines refunded and back in stock',
    max: { sqlite: 37, postgres: 37, mysql: 43 },
    arrange: paidOrder,
    path: (_f, paid) => `/api/orders/${paid.order_id}/refunds`,
    body: (f) => ({ items: f.lines(), restock: true }),
    as: 'staff',
  }),
  budget({
    route: 'GET /api/orders/{id}/refunds',
    max: 4,
    arrange: refundedOrder,
    path: (_f, o) => `/api/orders/${o.order_id}/refunds`,
    as: 'alice',
  }),
  budget({
    route: 'GET /api/refunds/{id}',
    max: 4,
    arrange: refundedOrder,
    path: (_f, o) => `/api/refunds/${o.refunds[0].id}`,
    as: 'alice',
  }),
  budget({
    route: 'POST /api/payments/{id}/confirm',
    max: 13,
    arrange: (f) => startPayment(f, 'manual'),
    path: (_f, payment) => `/api/payments/${payment.id}/confirm`,
    as: 'staff',
  }),

  // ------------------------------------------------------------ the cart's shipping (last: each row leaves an
  // active method behind, so the shop ships from here on and checkouts would need an address and a method)
  budget({
    route: 'PATCH /api/cart',
    max: 14,
    arrange: cartWithShipping,
    as: (_f, c) => c.buyer,
    body: (_f, c) => ({ shipping_address: ADDRESS, shipping_method_id: c.methodId }),
  }),
  budget({
    route: 'PUT /api/cart',
    max: 14,
    arrange: cartWithShipping,
    as: (_f, c) => c.buyer,
    body: (_f, c) => ({ shipping_address: ADDRESS, billing_address: null, shipping_method_id: c.methodId }),
  }),
  budget({
    route: 'GET /api/cart/shipping-methods',
    max: 9,
    arrange: async (f) => {
      const c = await cartWithShipping(f);
      await api(f).patch('/api/cart').set(c.buyer.headers).send({ shipping_address: ADDRESS });
      return c;
    },
    as: (_f, c) => c.buyer,
  }),
];

/** Builds the shop every row measures against, through the API as a client would. */
async function arrangeShop(env: TestEnv): Promise<Fixtures> {
  const [admin, staff, alice] = await Promise.all([
    userWithToken(env, 'admin'),
    userWithToken(env, 'staff'),
    userWithToken(env, 'customer'),
  ]);
  const f = { env, admin, staff, alice } as Fixtures;
  const category = (name: string, parent?: { id: string }) =>
    created<{ id: string; slug: string }>(f, '/api/categories', 'staff', { name, parent_id: parent?.id });
  const home = await category('Home');
  const furniture = await category('Furniture', home);
  f.categories = {
    home,
    furniture,
    chairs: await category('Chairs', furniture),
    decor: await category('Decor', home),
    garden: await category('Garden'),
  };
  f.products = [];
  for (let i = 0; i < 6; i++) {
    f.products.push(
      await createProduct(f, {
        name: `Oak chair ${i}`,
        category_id: f.categories.chairs.id,
        options: [{ name: 'size', values: ['S', 'M', 'L'] }],
        variants: ['S', 'M', 'L'].map((size, n) => ({
          sku: `OAK-${i}-${size}`,
          price: 1000 + 100 * n + i,
          stock: 500,
          options: { size },
        })),
      }),
    );
  }
  for (let i = 0; i < 3; i++) await createProduct(f, { name: `Draft oak ${i}`, status: 'draft' });
  f.lines = () => f.products.slice(0, 3).map((p) => ({ variant_id: p.variants[0].id, quantity: 1 }));

  // Other users, so the user list has pages of several rows.
  for (let i = 0; i < 3; i++) await createUser(f);
  // Four orders, each with a payment; two paid (a history row each).
  f.orders = [];
  f.payments = [];
  for (let i = 0; i < 4; i++) {
    const order = await placeOrder(f);
    const payment = await created(f, `/api/orders/${order.id}/payments`, 'alice', { provider: 'manual' });
    if (i % 2) await api(f).post(`/api/payments/${payment.id}/confirm`).set(staff.headers).expect(200);
    f.orders.push(order);
    f.payments.push(payment);
  }
  // Three stock movements of one variant.
  const stockUrl = `/api/products/${f.products[0].id}/variants/${f.products[0].variants[0].id}/stock`;
  for (const delta of [5, -2, 1]) await created(f, stockUrl, 'staff', { delta, reason: 'count' });
  // A cart of three lines.
  for (const line of f.lines()) await created(f, '/api/cart/items', 'alice', line);
  // A subscription with deliveries: three more orders, whose events the runner delivers to it.
  const hook = await created(f, '/api/webhooks', 'admin', {
    url: 'https://hooks.example.test/orders',
    event_types: ['order.placed', 'order.status_changed'],
  });
  f.webhookId = hook.id;
  for (let i = 0; i < 3; i++) await placeOrder(f);
  env.engine.jobs.handle(FAILING_JOB, async () => {
    throw new Error('fails on purpose');
  });
  await env.engine.jobs.createRunner().runUntilIdle();
  const jobs = await api(f).get('/api/jobs?status=succeeded&limit=1').set(staff.headers);
  f.jobId = jobs.body.results[0].id;
  return f;
}

/** The success status the route declares. */
function successStatus(route: string): number {
  return allRoutes.find((r) => `${r.method.toUpperCase()} ${r.path}` === route)?.status ?? 200;
}

const key = (b: Budget) => `${b.route}${b.variant ? ` (${b.variant})` : ''}`;

describe('statement budgets', () => {
  it('give every route of the HTTP API a row, and every row a route', () => {
    const routes = allRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    const budgeted = new Set(BUDGETS.map((b) => b.route));
    // A PUT runs its PATCH twin's handler (withReplacements): the PATCH row budgets both.
    const twinBudgeted = (r: string) => r.startsWith('PUT ') && budgeted.has(r.replace(/^PUT /, 'PATCH '));
    expect(routes.filter((r) => !budgeted.has(r) && !twinBudgeted(r) && !(r in UNBUDGETED))).toEqual([]);
    expect([...budgeted, ...Object.keys(UNBUDGETED)].filter((r) => !routes.includes(r))).toEqual([]);
    expect(new Set(BUDGETS.map(key)).size).toBe(BUDGETS.length);
  });
});

describeEachDatabase(
  'statement budgets',
  (env) => {
    let f: Fixtures;
    beforeAll(async () => {
      f = await arrangeShop(env());
    });

    for (const b of BUDGETS) {
      it(key(b), async () => {
        const arranged = b.arrange ? await b.arrange(f) : undefined;
        const knex = (env().engine.store as KnexStore).knex;
        const statements: string[] = [];
        const onQuery = (q: { sql: string }) => statements.push(q.sql);
        knex.on('query', onQuery);
        let res: request.Response;
        try {
          res = await send(b, f, arranged);
        } finally {
          knex.off('query', onQuery);
        }
        expect(res.status, JSON.stringify(res.body)).toBe(successStatus(b.route));
        const max = typeof b.max === 'number' ? b.max : b.max[env().dialect];
        expect(statements.length, `${key(b)} ran:\n${statements.join('\n')}`).toBeLessThanOrEqual(max);
      });
    }
  },
  {},
  { notifications: { webhookSender: { post: async () => ({ status: 200 }) } } },
);
