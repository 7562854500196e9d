import { createRequire } from 'node:module';
import {
  MemoryRateLimiter,
  rateLimitedError,
  secondsUntil,
  type Clock,
  type Config,
  type RateLimiter,
  type RateUsage,
  type RateWindow,
} from '@emporia/core';
import {
  RateLimiterMemory,
  RateLimiterMySQL,
  RateLimiterPostgres,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { cachedStatement, sqliteFilename, type SqliteConnection } from '../knex/database.js';
import type { KnexStore } from '../knex/store.js';

const require = createRequire(import.meta.url);

/**
 * The engine's rate limiter for `RATE_LIMIT_STORE`: Redis (default with `REDIS_URL`), the
 * database (default otherwise) or process memory. Redis and database counts are shared by every
 * process of the shop, so a client's budget is the same whichever process answers it.
 */
export async function createRateLimiter(config: Config, store: KnexStore, clock?: Clock): Promise<RateLimiter> {
  const kind = config.rateLimitStore ?? (config.redisUrl ? 'redis' : 'database');
  if (kind === 'memory') return new MemoryRateLimiter(clock);
  if (kind === 'redis') {
    if (!config.redisUrl) throw new Error('RATE_LIMIT_STORE=redis needs REDIS_URL');
    // Loaded only here: ioredis is a large share of start-up and most shops run without Redis.
    const { RedisRateLimiter } = await import('./redis.js');
    return new RedisRateLimiter(config.redisUrl, config.redisPrefix);
  }
  // A private in-memory SQLite database is one process's anyway.
  if (store.dialect === 'sqlite' && sqliteFilename(config.databaseUrl) === ':memory:') {
    return new MemoryRateLimiter(clock);
  }
  return new DatabaseRateLimiter(config.databaseUrl, store);
}

/**
 * One rate-limiter-flexible limiter per budget, each backed by a memory "insurance" limiter: when
 * the shared store cannot answer, the process counts on its own rather than failing the request.
 */
export abstract class FlexibleRateLimiter implements RateLimiter {
  abstract readonly store: string;
  abstract purgeExpired(before: Date): Promise<number>;
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  protected abstract create(window: RateWindow, insurance: RateLimiterMemory): RateLimiterAbstract;

  async consume(window: RateWindow, key: string): Promise<RateUsage> {
    const id = `${window.name}:${window.points}:${window.seconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const insurance = new RateLimiterMemory({ points: window.points, duration: window.seconds });
      this.limiters.set(id, (limiter = this.create(window, insurance)));
    }
    try {
      const used = await limiter.consume(key);
      return { remaining: used.remainingPoints, resetSeconds: secondsUntil(used.msBeforeNext) };
    } catch (err) {
      if (err instanceof RateLimiterRes) throw rateLimitedError(window, err.msBeforeNext);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.limiters.clear();
  }
}

interface SqliteDatabase extends SqliteConnection {
  close(): void;
}

/** Counts in the `rate_limits` table (migration 0019), in the shop's own database. */
class DatabaseRateLimiter extends FlexibleRateLimiter {
  readonly store = 'database';
  private sqlite: SqliteDatabase | null = null;
  /**
   * The connection as rate-limiter-flexible's SQLite limiter uses it, which prepares its statement
   * on every count and wraps it in a transaction of its own (a third of a new guest cart's server
   * time): here each statement is prepared once, and the one upsert runs as it is — a single
   * statement is atomic without one.
   */
  private sqliteClient: { prepare(sql: string): unknown; transaction<T>(fn: () => T): () => T } | null = null;

  constructor(
    private readonly url: string,
    private readonly knexStore: KnexStore,
  ) {
    super();
  }

  protected create(window: RateWindow, insurance: RateLimiterMemory): RateLimiterAbstract {
    const common = {
      keyPrefix: window.name,
      points: window.points,
      duration: window.seconds,
      insuranceLimiter: insurance,
      tableName: 'rate_limits',
      tableCreated: true,
      // Expired rows go in the hourly maintenance job (`purgeExpired`), not on a timer of its own.
      clearExpiredByTimeout: false,
    };
    const { knex } = this.knexStore;
    if (this.knexStore.dialect === 'postgres')
      return new RateLimiterPostgres({ ...common, storeClient: knex, storeType: 'knex' });
    if (this.knexStore.dialect === 'mysql') {
      const dbName = decodeURIComponent(new URL(this.url).pathname.slice(1));
      return new RateLimiterMySQL({ ...common, storeClient: knex, storeType: 'knex', dbName });
    }
    // Its own connection: knex's SQLite pool is one connection, which transactions hold.
    if (!this.sqlite) {
      const Database = require('better-sqlite3') as new (file: string) => SqliteDatabase;
      this.sqlite = new Database(sqliteFilename(this.url));
      this.sqlite.pragma('busy_timeout = 5000');
      const sqlite = this.sqlite;
      this.sqliteClient = { prepare: (sql) => cachedStatement(sqlite, sql), transaction: (fn) => fn };
    }
    return new RateLimiterSQLite({ ...common, storeClient: this.sqliteClient, storeType: 'better-sqlite3' });
  }

  async purgeExpired(before: Date): Promise<number> {
    return this.knexStore.knex('rate_limits').where('expire', '<', before.getTime()).del();
  }

  override async close(): Promise<void> {
    await super.close();
    this.sqlite?.close();
    this.sqlite = null;
    this.sqliteClient = null;
  }
}
