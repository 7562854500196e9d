import { inject, injectable } from 'inversify';
import type { Context } from '../shared/context.js';
import { RateLimitedError } from '../shared/errors.js';
import { IDENTITY_TOKENS, type LoginThrottleRepository, type ThrottlePolicy } from './ports.js';
import { throttleKey } from './tokens.js';

/**
 * Login limits. Per (account, client address) pair it stops one client guessing one account's
 * password, and locks only that client out: the owner elsewhere still logs in. Per account, a
 * ten times higher threshold stops guessing spread over many addresses; per address, one client
 * spraying many accounts. A lock holds even for the right password. Every attempt is counted
 * before its password is verified, so a burst in flight gets at most `max` verifications.
 */
export const LOGIN_THROTTLE: { email: ThrottlePolicy; account: ThrottlePolicy; ip: ThrottlePolicy } = {
  /** One e-mail from one client address. */
  email: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  /** One e-mail from every address together. */
  account: { max: 50, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  ip: { max: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
};

/**
 * Limits on the requests that send mail: password-reset requests per e-mail address and per client
 * address (counted whether or not the account exists, so the limit tells nothing either), and
 * verification resends per user. Past `max` in 15 minutes, further requests are 429 for an hour.
 */
export const ACCOUNT_MAIL_THROTTLE: {
  resetEmail: ThrottlePolicy;
  resetIp: ThrottlePolicy;
  verifyUser: ThrottlePolicy;
} = {
  resetEmail: { max: 5, windowSeconds: 15 * 60, lockSeconds: 60 * 60 },
  resetIp: { max: 20, windowSeconds: 15 * 60, lockSeconds: 60 * 60 },
  verifyUser: { max: 5, windowSeconds: 15 * 60, lockSeconds: 60 * 60 },
};

/** The longest window of any throttle: counters older than it are stale. */
export const LONGEST_THROTTLE_WINDOW_SECONDS = Math.max(
  ...[...Object.values(LOGIN_THROTTLE), ...Object.values(ACCOUNT_MAIL_THROTTLE)].map((p) => p.windowSeconds),
);

/** Failed-password counting and locks, shared by the login and the own-password change. */
@injectable()
export class LoginThrottle {
  constructor(@inject(IDENTITY_TOKENS.LoginThrottleRepository) private readonly throttles: LoginThrottleRepository) {}

  /** 429 while any of the throttle keys (`[emailKey, ipKey?]`) is locked. */
  async throwIfLocked(
    ctx: Context,
    keys: string[],
    message = 'Too many failed password attempts; try again later',
  ): Promise<void> {
    const now = ctx.clock.now();
    const lockedUntil = await this.throttles.lockedUntil(ctx, keys, now.toISOString());
    if (!lockedUntil) return;
    const seconds = Math.max(1, Math.ceil((new Date(lockedUntil).getTime() - now.getTime()) / 1000));
    throw new RateLimitedError(message, seconds);
  }

  /**
   * Counts one request that sends mail (a reset request, a verification resend) against each of
   * its keys and refuses it (429) once any key is past its policy's `max`. Every request counts,
   * successful or not: it is the mail that is limited.
   */
  async admitRequest(ctx: Context, counted: Array<[string, ThrottlePolicy]>): Promise<void> {
    const bare: Context = { ...ctx, tx: undefined };
    const keys = counted.map(([k]) => k);
    const message = 'Too many requests for this account; try again later';
    await this.throwIfLocked(ctx, keys, message);
    for (const [key, policy] of counted) {
      await this.throttles.recordFailure(bare, key, ctx.clock.now(), { ...policy, max: policy.max + 1 });
    }
    await this.throwIfLocked(ctx, keys, message);
  }

  /**
   * Admits one login attempt: counts it against its keys first, then refuses it (429) when any
   * key is locked, this attempt's count included. Returns the keys for {@link succeeded}.
   */
  async admit(ctx: Context, email: string, ip?: string): Promise<string[]> {
    const bare: Context = { ...ctx, tx: undefined };
    // Without a client address (a library call) the account key takes the per-pair limit.
    const counted: Array<[string, ThrottlePolicy]> = ip
      ? [
          [throttleKey('email', `${email}\n${ip}`), LOGIN_THROTTLE.email],
          [throttleKey('email', email), LOGIN_THROTTLE.account],
          [throttleKey('ip', ip), LOGIN_THROTTLE.ip],
        ]
      : [[throttleKey('email', email), LOGIN_THROTTLE.email]];
    const keys = counted.map(([k]) => k);
    await this.throwIfLocked(ctx, keys);
    // Counted up front, so the attempt after the `max` failures is the one that locks.
    for (const [key, policy] of counted) {
      await this.throttles.recordFailure(bare, key, ctx.clock.now(), { ...policy, max: policy.max + 1 });
    }
    await this.throwIfLocked(ctx, keys);
    return keys;
  }

  /** The password was right: the account's counts start over, the address gets its attempt back. */
  async succeeded(ctx: Context, keys: string[]): Promise<void> {
    const [pairOrEmail, email, ip] = keys;
    await this.throttles.clear(ctx, pairOrEmail);
    if (email) await this.throttles.clear(ctx, email);
    if (ip) await this.throttles.refund(ctx, ip);
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
