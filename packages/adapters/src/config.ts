import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, parseConfig, type Config, type Env } from '@emporia/core';

/** Reads `.env` in `cwd` (if any); variables already in the environment win over the file. */
function readEnv(cwd = process.cwd(), env: Env = process.env): Env {
  const file = join(cwd, '.env');
  if (!existsSync(file)) return { ...env };
  let fromFile: Env;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8')) as Env;
  } catch (err) {
    throw new ConfigError([`.env: cannot be read (${(err as Error).message})`]);
  }
  return { ...fromFile, ...env };
}

/** The folder that holds the SQLite file, generated secrets and mail in development. */
function dataDir(config: Pick<Config, 'databaseUrl'>): string {
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:') && url !== 'sqlite::memory:') return dirname(resolve(url.slice(7)));
  return resolve('data');
}

/**
 * A secret kept in the data folder, generated on first use: development needs no setup and
 * tokens survive restarts. Production refuses this path (see `enforceProductionRules`).
 */
function persistedSecret(dir: string, name: string): string {
  const file = join(dir, `.${name}`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** Secrets production must be given explicitly, at least this long. */
const MIN_SECRET_LENGTH = 32;

/** Throws ConfigError when `env` is production and a secret is missing or shorter than MIN_SECRET_LENGTH. */
export function enforceProductionRules(config: Config): void {
  if (config.env !== 'production') return;
  const problems: string[] = [];
  if (!config.jwtSecret || config.jwtSecret.length < MIN_SECRET_LENGTH)
    problems.push(`JWT_SECRET: production needs a secret of at least ${MIN_SECRET_LENGTH} characters`);
  if (!config.paymentWebhookSecret || config.paymentWebhookSecret.length < MIN_SECRET_LENGTH)
    problems.push(`PAYMENT_WEBHOOK_SECRET: production needs a secret of at least ${MIN_SECRET_LENGTH} characters`);
  // Any site could then make credentialed calls with a visitor's cookies.
  if (config.corsOrigins.includes('*') && config.corsCredentials)
    problems.push('CORS_ORIGINS: production refuses * together with CORS_CREDENTIALS=true; list the allowed origins');
  if (config.metricsToken !== undefined && config.metricsToken.length < MIN_SECRET_LENGTH)
    problems.push(`METRICS_TOKEN: production needs a token of at least ${MIN_SECRET_LENGTH} characters`);
  // Absolute links (pagination `next`) are built from the Host header: unchecked, a client picks them.
  if (config.allowedHosts.length === 0)
    problems.push('ALLOWED_HOSTS: production needs the host names the server answers to (e.g. shop.example.com)');
  if (problems.length) throw new ConfigError(problems);
}

/**
 * The configuration the CLI runs with: environment + `.env`, validated, with development
 * secrets filled in from the data folder. Throws ConfigError (one line per problem).
 */
export function loadConfig(options: { cwd?: string; env?: Env } = {}): Config {
  const config = parseConfig(readEnv(options.cwd, options.env));
  enforceProductionRules(config);
  if (config.env !== 'production') {
    const dir = dataDir(config);
    config.jwtSecret ??= persistedSecret(dir, 'jwt-secret');
    config.paymentWebhookSecret ??= persistedSecret(dir, 'payment-webhook-secret');
  }
  return config;
}
