/** The Redis rate limiter (`RATE_LIMIT_STORE=redis`), apart so that ioredis loads only when it is used. */
import type { RateUsage, RateWindow } from '@emporia/core';
import { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract, type RateLimiterMemory } from 'rate-limiter-flexible';
import { FlexibleRateLimiter } from './index.js';

/** How long the first hit waits for Redis to connect before counting in memory. */
const REDIS_CONNECT_WAIT_MS = 2000;

export class RedisRateLimiter extends FlexibleRateLimiter {
  readonly store = 'redis';
  private readonly client: Redis;
  private connected: Promise<void> | null;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    // Without an offline queue a Redis outage fails fast into the insurance limiter.
    this.client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }).on('error', () => {});
    this.connected = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REDIS_CONNECT_WAIT_MS).unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => {
      this.connected = null;
    });
  }

  override async consume(window: RateWindow, key: string): Promise<RateUsage> {
    // Hits that arrive while the connection is still being made would otherwise count apart.
    if (this.connected) await this.connected;
    return super.consume(window, key);
  }

  protected create(window: RateWindow, insurance: RateLimiterMemory): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: `${this.prefix}rate:${window.name}`,
      points: window.points,
      duration: window.seconds,
      insuranceLimiter: insurance,
    });
  }

  /** Redis expires its keys itself. */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
