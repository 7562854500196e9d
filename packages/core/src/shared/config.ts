import { z } from 'zod';
import { ConfigError } from './errors.js';
import { MAX_LINES } from './input.js';

/** Parses `5m`, `24h`, `30s`, `7d` or plain seconds into seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'expected true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const duration = z
  .string()
  .refine((v) => (parseDuration(v) ?? 0) > 0, 'expected a duration like 30s, 5m, 24h or 7d')
  .transform((v) => parseDuration(v) as number);

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const databaseUrl = z
  .string()
  .refine(
    (v) => /^sqlite:.+/.test(v) || /^(postgres(ql)?|mysql|mariadb):\/\/.+/.test(v),
    'expected sqlite:<file>, sqlite::memory:, postgres://user@host:port/db or mysql://user@host:port/db',
  );

/**
 * Every setting, keyed as {@link Config} names it, with its check and default. Each is read from
 * the environment variable {@link envVariable} names (`accessTokenTtl` ← `ACCESS_TOKEN_TTL`); the
 * README's configuration table lists the same variables (a test keeps the two in step).
 */
const configSchema = z.object({
  /** `sqlite:<file>`, `sqlite::memory:` or `postgres://…`. */
  databaseUrl: databaseUrl.default('sqlite:./data/emporia.db'),
  /** Where `serve` listens. */
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0, 65535).default(3000),
  /** `production` refuses missing or weak secrets (`loadConfig` in adapters). */
  env: z.enum(['development', 'production', 'test']).default('development'),
  /** Signing key; `loadConfig` in adapters fills it from the data folder in development. */
  jwtSecret: z.string().min(1).optional(),
  /** Seconds. */
  accessTokenTtl: duration.default(300),
  /** Seconds. */
  refreshTokenTtl: duration.default(86400),
  allowRegistration: bool.default(true),
  /** Checkout needs a verified e-mail address (the token mailed at sign-up or after a change). */
  requireEmailVerification: bool.default(false),
  corsOrigins: list.default([]),
  /** Host headers the server answers; empty: any. */
  allowedHosts: list.default([]),
  /** Send `Access-Control-Allow-Credentials` (never together with `CORS_ORIGINS=*` in production). */
  corsCredentials: bool.default(false),
  /** Requests per minute per client IP on every route; 0 turns the limit off. */
  rateLimit: int(0, 1_000_000).default(0),
  /**
   * Where `RATE_LIMIT` and `GUEST_CARTS_PER_HOUR` count: `redis` (the default with `REDIS_URL`),
   * `database` (the default otherwise; every process on the database shares one count) or `memory`
   * (per process, no round trip).
   */
  rateLimitStore: z.enum(['memory', 'database', 'redis']).optional(),
  /** Proxy hops in front of the server whose X-Forwarded-For is trusted for the client IP. */
  trustProxy: int(0, 10).default(0),
  /** Seconds a request may take before it is answered 503. */
  requestTimeout: duration.default(30),
  /** Seconds `serve` waits for in-flight requests and running jobs on SIGTERM/SIGINT. */
  shutdownTimeout: duration.default(10),
  /** Bearer token that opens `/metrics` to non-loopback callers. */
  metricsToken: z.string().min(1).optional(),
  /** ISO 4217 code, upper case. */
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 code like USD')
    .transform((v) => v.toUpperCase())
    .default('USD'),
  /** True when catalog prices (and shipping prices) include tax, EU style; false: net prices, tax added (US). */
  pricesIncludeTax: bool.default(false),
  /** ISO 3166-1 alpha-2 country of the shop: whose tax rates price a cart that has no shipping address yet. */
  storeCountry: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 code like DE')
    .transform((v) => v.toUpperCase())
    .optional(),
  /** Default per-variant level at or below which `stock.low` is emitted. */
  lowStockThreshold: int(0, 1_000_000).default(5),
  /** Unset: mail is written as .eml files into `mailDir`. */
  smtpUrl: z.url({ protocol: /^smtps?$/, error: 'expected smtp://… or smtps://…' }).optional(),
  mailFrom: z.string().min(3).default('Emporia <shop@localhost>'),
  mailDir: z.string().min(1).default('./data/mail'),
  /**
   * The storefront's base URL (`https://shop.example`): a guest's order confirmation links to
   * `<url>/orders/<number>#token=<order token>`. Unset: the e-mail gives the order number and token instead.
   */
  storefrontUrl: z
    .url({ protocol: /^https?$/, error: 'expected http://… or https://…' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  /** Seed a demo catalog into an empty database when `serve` starts. */
  seedDemo: bool.default(false),
  /** Payment callback signing key; `loadConfig` fills it from the data folder in development. */
  paymentWebhookSecret: z.string().min(1).optional(),
  /** `inline` runs jobs inside `serve`; `off` leaves them to `emporia worker`. */
  worker: z.enum(['inline', 'off']).default('inline'),
  /** For `createsuperuser --no-input`. */
  superuserEmail: z.string().optional(),
  /** For `createsuperuser --no-input`. */
  superuserPassword: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest JSON body accepted, as body-parser reads it (`100kb`, `1mb`). */
  bodyLimit: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'expected a size like 100kb or 1mb')
    .default('1mb'),
  maxCartQuantity: int(1, 1_000_000).default(999),
  /** Most lines one cart holds; adding another is a 409. */
  maxCartLines: int(1, MAX_LINES).default(100),
  /** New guest carts one client address may open per hour (each carries a token and a row). */
  guestCartsPerHour: int(1, 1_000_000).default(60),
  /** Guest checkouts (orders without an account) one client address may place per hour. */
  guestCheckoutsPerHour: int(1, 1_000_000).default(20),
  /** Hosts or IPs outgoing webhooks may reach even though they are private/loopback. */
  webhookAllowedHosts: list.default([]),
  /** Seconds between background rebuilds of the recommendations (job `recommendations.rebuild`). */
  recommendationsRebuildInterval: duration.default(3600),
  /** `redis://…`: live streams share one Redis subscription per process (and jobs move to BullMQ). */
  redisUrl: z.url({ protocol: /^rediss?$/, error: 'expected redis://… or rediss://…' }).optional(),
  /** Prefix of every Redis key and channel, so several shops can share one Redis. */
  redisPrefix: z.string().min(1).default('emporia:'),
  /** BullMQ (`REDIS_URL`): seconds a succeeded job stays in Redis (`removeOnComplete.age`). */
  jobsKeepSucceeded: duration.default(86400),
  /** BullMQ: succeeded jobs kept per job type at most, the oldest removed first (`removeOnComplete.count`). */
  jobsKeepSucceededCount: int(0, 10_000_000).default(1000),
  /** BullMQ: seconds a dead job stays in Redis (`removeOnFail.age`). */
  jobsKeepDead: duration.default(7 * 86400),
  /** BullMQ: dead jobs kept per job type at most (`removeOnFail.count`). */
  jobsKeepDeadCount: int(0, 10_000_000).default(10_000),
  /**
   * The catalog cache of public (anonymous) catalog answers: `redis` (the default with `REDIS_URL`:
   * one cache for every process), `memory` (the default otherwise: one bounded LRU per process) or
   * `off`. Invalidated by the catalog's events in every process.
   */
  catalogCache: z.enum(['off', 'memory', 'redis']).optional(),
  /** Seconds a cached catalog answer lives at most (stock counts may lag this long; `in_stock` never does). */
  catalogCacheTtl: duration.default(60),
  /** Pages of a product list cached (page 1 to N of page mode; keyset lists: the first page only). */
  catalogCachePages: int(0, 100).default(3),
  /** Answers the in-process (`memory`) catalog cache holds at most, least recently used dropped first. */
  catalogCacheEntries: int(1, 10_000_000).default(10_000),
  /** Megabytes of answers the in-process (`memory`) catalog cache holds at most, whatever their count. */
  catalogCacheMb: int(1, 65_536).default(64),
  /** Open event streams (SSE and WebSocket together) per user and process; beyond it, 429. */
  maxStreamsPerUser: int(1, 1000).default(5),
  /** Open event streams per process; beyond it, 429. */
  maxStreams: int(1, 1_000_000).default(1000),
  /** Consecutive failed deliveries after which a webhook subscription is disabled. */
  webhookDisableAfter: int(1, 1000).default(10),
});

/** The validated configuration every surface reads, as `parseConfig` gives it. Durations are seconds. */
export type Config = z.output<typeof configSchema>;

/** Environment variables by name, as `process.env` holds them (what `parseConfig` reads). */
export type Env = Record<string, string | undefined>;

/** Settings whose variable carries the `EMPORIA_` prefix: the bare names are too generic to claim. */
const PREFIXED: ReadonlySet<string> = new Set<keyof Config>(['env', 'superuserEmail', 'superuserPassword']);

/** The environment variable a setting is read from: `accessTokenTtl` → `ACCESS_TOKEN_TTL`, `env` → `EMPORIA_ENV`. */
export function envVariable(key: keyof Config): string {
  const name = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  return PREFIXED.has(key) ? `EMPORIA_${name}` : name;
}

/** Every setting's key, in declaration order. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as Array<keyof Config>;

/**
 * Validates an environment (already merged with `.env`) into a {@link Config}; `parseConfig({})`
 * gives every default, the starting point for an engine built with `createEngine`. Empty strings
 * count as unset.
 *
 * @throws ConfigError with one line per bad variable: `PORT: expected a whole number (got "abc")`.
 */
export function parseConfig(env: Env): Config {
  const input: Partial<Record<keyof Config, string>> = {};
  for (const key of CONFIG_KEYS) {
    const v = env[envVariable(key)];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path[0] as keyof Config;
        return `${envVariable(key)}: ${i.message} (got ${JSON.stringify(input[key])})`;
      }),
    );
  }
  // Unset optional settings are there as `undefined`: a config always holds every key.
  return Object.fromEntries(CONFIG_KEYS.map((key) => [key, parsed.data[key]])) as Config;
}
