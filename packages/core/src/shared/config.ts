import { z } from 'zod';
import { ConfigError } from './errors.js';

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

/** Environment variables: names, defaults and meaning as the README's configuration table says. */
const envSchema = z.object({
  DATABASE_URL: databaseUrl.default('sqlite:./data/emporia.db'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  EMPORIA_ENV: z.enum(['development', 'production', 'test']).default('development'),
  JWT_SECRET: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL: duration.default(300),
  REFRESH_TOKEN_TTL: duration.default(86400),
  ALLOW_REGISTRATION: bool.default(true),
  CORS_ORIGINS: list.default([]),
  ALLOWED_HOSTS: list.default([]),
  CORS_CREDENTIALS: bool.default(false),
  RATE_LIMIT: int(0, 1_000_000).default(0),
  TRUST_PROXY: int(0, 10).default(0),
  REQUEST_TIMEOUT: duration.default(30),
  SHUTDOWN_TIMEOUT: duration.default(10),
  METRICS_TOKEN: z.string().min(1).optional(),
  CURRENCY: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 code like USD')
    .transform((v) => v.toUpperCase())
    .default('USD'),
  LOW_STOCK_THRESHOLD: int(0, 1_000_000).default(5),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'expected smtp://… or smtps://…' }).optional(),
  MAIL_FROM: z.string().min(3).default('Emporia <shop@localhost>'),
  MAIL_DIR: z.string().min(1).default('./data/mail'),
  SEED_DEMO: bool.default(false),
  PAYMENT_WEBHOOK_SECRET: z.string().min(1).optional(),
  WORKER: z.enum(['inline', 'off']).default('inline'),
  EMPORIA_SUPERUSER_EMAIL: z.string().optional(),
  EMPORIA_SUPERUSER_PASSWORD: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'expected a size like 100kb or 1mb')
    .default('1mb'),
  MAX_CART_QUANTITY: int(1, 1_000_000).default(999),
  WEBHOOK_ALLOWED_HOSTS: list.default([]),
  WEBHOOK_DISABLE_AFTER: int(1, 1000).default(10),
});

/** Environment variables by name, as `process.env` holds them (what `parseConfig` reads). */
export type Env = Record<string, string | undefined>;

/** The validated configuration every surface reads. Durations are seconds. */
export interface Config {
  databaseUrl: string;
  host: string;
  port: number;
  env: 'development' | 'production' | 'test';
  /** Signing key; `loadConfig` in adapters fills it from the data folder in development. */
  jwtSecret: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  allowRegistration: boolean;
  corsOrigins: string[];
  allowedHosts: string[];
  /** Send `Access-Control-Allow-Credentials` (never together with `CORS_ORIGINS=*` in production). */
  corsCredentials: boolean;
  /** Requests per minute per client IP on every route; 0 turns the limit off. */
  rateLimit: number;
  /** Proxy hops in front of the server whose X-Forwarded-For is trusted for the client IP. */
  trustProxy: number;
  /** Seconds a request may take before it is answered 503. */
  requestTimeout: number;
  /** Seconds `serve` waits for in-flight requests and running jobs on SIGTERM/SIGINT. */
  shutdownTimeout: number;
  /** Bearer token that opens `/metrics` to non-loopback callers. */
  metricsToken: string | undefined;
  currency: string;
  lowStockThreshold: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailDir: string;
  seedDemo: boolean;
  paymentWebhookSecret: string | undefined;
  worker: 'inline' | 'off';
  superuserEmail: string | undefined;
  superuserPassword: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimit: string;
  maxCartQuantity: number;
  /** Hosts or IPs outgoing webhooks may reach even though they are private/loopback. */
  webhookAllowedHosts: string[];
  /** Consecutive failed deliveries after which a webhook subscription is disabled. */
  webhookDisableAfter: number;
}

/**
 * Validates an environment (already merged with `.env`) into a {@link Config}; `parseConfig({})`
 * gives every default, the starting point for an engine built with `createEngine`. Empty strings
 * count as unset.
 *
 * @throws ConfigError with one line per bad variable: `PORT: expected a whole number (got "abc")`.
 */
export function parseConfig(env: Env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0]);
        return `${key}: ${i.message} (got ${JSON.stringify(input[key])})`;
      }),
    );
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    env: e.EMPORIA_ENV,
    jwtSecret: e.JWT_SECRET,
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    allowRegistration: e.ALLOW_REGISTRATION,
    corsOrigins: e.CORS_ORIGINS,
    allowedHosts: e.ALLOWED_HOSTS,
    corsCredentials: e.CORS_CREDENTIALS,
    rateLimit: e.RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    requestTimeout: e.REQUEST_TIMEOUT,
    shutdownTimeout: e.SHUTDOWN_TIMEOUT,
    metricsToken: e.METRICS_TOKEN,
    currency: e.CURRENCY,
    lowStockThreshold: e.LOW_STOCK_THRESHOLD,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailDir: e.MAIL_DIR,
    seedDemo: e.SEED_DEMO,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET,
    worker: e.WORKER,
    superuserEmail: e.EMPORIA_SUPERUSER_EMAIL,
    superuserPassword: e.EMPORIA_SUPERUSER_PASSWORD,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    maxCartQuantity: e.MAX_CART_QUANTITY,
    webhookAllowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
    webhookDisableAfter: e.WEBHOOK_DISABLE_AFTER,
  };
}
