import type { Context, LoginThrottleRepository, ThrottlePolicy } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { toIsoOrNull } from './values.js';

/**
 * Failed-login counters in `login_throttles`. Every step is one atomic statement, so several
 * server processes on one PostgreSQL count together without losing increments.
 */
export class KnexLoginThrottleRepository implements LoginThrottleRepository {
  constructor(private readonly knex: Knex) {}

  async lockedUntil(ctx: Context, keys: string[], now: string): Promise<string | null> {
    const row = await db(
      ctx,
      this.knex,
    )('login_throttles')
      .whereIn('key', keys)
      .where('locked_until', '>', now)
      .max({ until: 'locked_until' })
      .first();
    return toIsoOrNull(row?.until);
  }

  async recordFailure(ctx: Context, key: string, now: Date, policy: ThrottlePolicy): Promise<void> {
    const k = db(ctx, this.knex);
    const at = now.toISOString();
    const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000).toISOString();
    const lockedUntil = new Date(now.getTime() + policy.lockSeconds * 1000).toISOString();
    await k('login_throttles')
      .insert({ key, failures: 0, window_started_at: at, locked_until: null })
      .onConflict('key')
      .ignore();
    // A window that has passed starts over at this failure.
    await k('login_throttles')
      .where({ key })
      .update({
        failures: k.raw('CASE WHEN window_started_at <= ? THEN 1 ELSE failures + 1 END', [windowStart]),
        window_started_at: k.raw('CASE WHEN window_started_at <= ? THEN ? ELSE window_started_at END', [
          windowStart,
          at,
        ]),
      });
    // Reaching the limit locks the key and restarts the count for after the lock.
    await k('login_throttles')
      .where({ key })
      .where('failures', '>=', policy.max)
      .update({ failures: 0, window_started_at: lockedUntil, locked_until: lockedUntil });
  }

  async deleteStale(ctx: Context, now: string, windowStartedBefore: string): Promise<number> {
    return db(
      ctx,
      this.knex,
    )('login_throttles')
      .where('window_started_at', '<', windowStartedBefore)
      .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', now))
      .delete();
  }

  async refund(ctx: Context, key: string): Promise<void> {
    const k = db(ctx, this.knex);
    await k('login_throttles')
      .where({ key })
      .where('failures', '>', 0)
      .update({ failures: k.raw('failures - 1') });
  }

  async clear(ctx: Context, key: string): Promise<void> {
    await db(ctx, this.knex)('login_throttles').where({ key }).delete();
  }
}
