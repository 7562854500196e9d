import { inject, injectable } from 'inversify';
import type { Context } from '../shared/context.js';
import { RateLimitedError } from '../shared/errors.js';
import { IDENTITY_TOKENS, type LoginThrottleRepository, type ThrottlePolicy } from './ports.js';

/**
 * Failed-login limits. Per e-mail it stops guessing one account's password; per IP it stops
 * one client spraying many accounts. A lock holds even for the right password.
 */
export const LOGIN_THROTTLE: { email: ThrottlePolicy; ip: ThrottlePolicy } = {
  email: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  ip: { max: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
};

/** Failed-password counting and locks, shared by the login and the own-password change. */
@injectable()
export class LoginThrottle {
  constructor(@inject(IDENTITY_TOKENS.LoginThrottleRepository) private readonly throttles: LoginThrottleRepository) {}

  /** 429 while any of the throttle keys (`[emailKey, ipKey?]`) is locked. */
  async throwIfLocked(ctx: Context, keys: string[]): Promise<void> {
    const now = ctx.clock.now();
    const lockedUntil = await this.throttles.lockedUntil(ctx, keys, now.toISOString());
    if (!lockedUntil) return;
    const seconds = Math.max(1, Math.ceil((new Date(lockedUntil).getTime() - now.getTime()) / 1000));
    throw new RateLimitedError('Too many failed password attempts; try again later', seconds);
  }

  /** Counts a failed password against `[emailKey, ipKey?]`. */
  async recordFailures(ctx: Context, keys: string[]): Promise<void> {
    // Outside any transaction: the count must survive the failure the caller is about to throw.
    const bare: Context = { ...ctx, tx: undefined };
    const [emailKey, ipKey] = keys;
    await this.throttles.recordFailure(bare, emailKey, ctx.clock.now(), LOGIN_THROTTLE.email);
    if (ipKey) await this.throttles.recordFailure(bare, ipKey, ctx.clock.now(), LOGIN_THROTTLE.ip);
  }
}
