import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { Config } from '../shared/config.js';
import { requirePermission, userContext, type Actor, type Context } from '../shared/context.js';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { PERMISSIONS } from './permissions.js';
import {
  IDENTITY_TOKENS,
  type AccountTokenRepository,
  type LoginThrottleRepository,
  type PasswordHasher,
  type RefreshTokenRepository,
  type UserRecord,
  type UserRepository,
} from './ports.js';
import { tokenRequestSchema, type TokenPair, type TokenRequest, type VerifyResult } from './schemas.js';
import { LONGEST_THROTTLE_WINDOW_SECONDS, type LoginThrottle } from './throttle.js';
import { signToken, tokenHash, verifyToken } from './tokens.js';

const BAD_CREDENTIALS = 'No active account found with the given credentials';

/** Login, refresh-token rotation, logout, and tokens or linked user ids → actors (`engine.identity`). */
@injectable()
export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @inject(IDENTITY_TOKENS.UserRepository) private readonly users: UserRepository,
    @inject(IDENTITY_TOKENS.RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @inject(IDENTITY_TOKENS.LoginThrottleRepository) private readonly throttles: LoginThrottleRepository,
    @inject(IDENTITY_TOKENS.AccountTokenRepository) private readonly accountTokens: AccountTokenRepository,
    @inject(IDENTITY_TOKENS.LoginThrottle) private readonly throttle: LoginThrottle,
    @inject(IDENTITY_TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
  ) {}

  private get secret(): string {
    if (!this.config.jwtSecret) throw new Error('config.jwtSecret is not set');
    return this.config.jwtSecret;
  }

  /**
   * E-mail (or username) + password → `{access, refresh}`. Failures count per account and per IP
   * (`meta.ip`); past the limit every attempt is a RateLimitedError, even with the right password.
   * Unknown accounts cost one dummy verification, so timing does not tell which ones exist.
   */
  async login(ctx: Context, input: TokenRequest, meta: { ip?: string } = {}): Promise<TokenPair> {
    const parsed = parseInput(tokenRequestSchema, input);
    const { password, dashboard_login: dashboardLogin } = parsed;
    const user =
      parsed.email !== undefined
        ? await this.users.findByEmail(ctx, parsed.email)
        : await this.users.findByUsername(ctx, parsed.username ?? '');
    // One count per account whichever name it is reached by (a username has no `@`, so an unknown
    // one never shares a key with an e-mail address).
    const keys = await this.throttle.admit(
      ctx,
      user?.email ?? parsed.email ?? (parsed.username ?? '').toLowerCase(),
      meta.ip,
    );

    const dummy = await (this.dummyHash ??= this.hasher.hash(randomBytes(16).toString('hex')));
    const passwordOk = await this.hasher.verify(user?.password_hash ?? dummy, password);
    // The attempt is already counted as a failure (admit): only a success changes the counts.
    if (!user || !passwordOk || !user.is_active) throw new UnauthorizedError(BAD_CREDENTIALS);
    await this.throttle.succeeded(ctx, keys);
    if (dashboardLogin) {
      // The right password, so saying why is no leak; no tokens for a back office the user may not use.
      const { permissions } = await this.actorForUser(ctx, user.id);
      if (!permissions.has('*') && !permissions.has(PERMISSIONS.dashboardAccess)) {
        throw new ForbiddenError('This account may not sign in to the dashboard');
      }
    }
    return this.unitOfWork.run(ctx, (tx) => this.issuePair(tx, user, newId()));
  }

  private async issuePair(ctx: Context, user: UserRecord, family: string): Promise<TokenPair> {
    const now = ctx.clock.now();
    const userId = user.id;
    const access = signToken('access', userId, {
      secret: this.secret,
      now,
      ttlSeconds: this.config.accessTokenTtl,
      version: user.token_version,
    });
    const refresh = signToken('refresh', userId, {
      secret: this.secret,
      now,
      ttlSeconds: this.config.refreshTokenTtl,
      family,
    });
    await this.refreshTokens.insert(ctx, {
      id: refresh.jti,
      family_id: family,
      user_id: userId,
      token_hash: tokenHash(refresh.token),
      expires_at: refresh.expiresAt.toISOString(),
      created_at: now.toISOString(),
      used_at: null,
      revoked_at: null,
    });
    return { access: access.token, refresh: refresh.token };
  }

  /**
   * Rotates a refresh token: the old one is spent, a new one joins the same family. Presenting
   * a spent token again means it leaked, so the whole family is revoked.
   */
  async refresh(ctx: Context, refreshToken: string): Promise<TokenPair> {
    const claims = verifyToken(refreshToken, 'refresh', this.secret, ctx.clock.now());
    const outcome = await this.unitOfWork.run(ctx, async (tx) => {
      const now = tx.clock.now().toISOString();
      const row = await this.refreshTokens.findByHash(tx, tokenHash(refreshToken));
      if (!row || row.user_id !== claims.sub || row.revoked_at) return 'revoked' as const;
      if (!(await this.refreshTokens.markUsed(tx, row.id, now))) {
        await this.refreshTokens.revokeFamily(tx, row.family_id, now);
        return 'reused' as const;
      }
      const user = await this.users.findById(tx, row.user_id);
      if (!user || !user.is_active) return 'revoked' as const;
      return this.issuePair(tx, user, row.family_id);
    });
    if (outcome === 'reused') throw new UnauthorizedError('Refresh token was already used; please log in again');
    if (outcome === 'revoked') throw new UnauthorizedError('Refresh token has been revoked');
    return outcome;
  }

  /** Revokes the refresh token's family (this login on every device that shares it). */
  async logout(ctx: Context, refreshToken: string): Promise<void> {
    const claims = verifyToken(refreshToken, 'refresh', this.secret, ctx.clock.now());
    await this.unitOfWork.run(ctx, (tx) =>
      this.refreshTokens.revokeFamily(tx, claims.fam as string, tx.clock.now().toISOString()),
    );
  }

  /** Checks a token of either type: valid signature and claims, and still usable. */
  async verify(ctx: Context, token: string): Promise<VerifyResult> {
    const claims = verifyToken(token, 'any', this.secret, ctx.clock.now());
    if (claims.typ === 'access') {
      await this.actorOf(ctx, claims.sub, claims.ver ?? 0);
    } else {
      const row = await this.refreshTokens.findByHash(ctx, tokenHash(token));
      if (!row || row.used_at || row.revoked_at) throw new UnauthorizedError('Refresh token has been revoked');
    }
    return { token_type: claims.typ, user_id: claims.sub, expires_at: new Date(claims.exp * 1000).toISOString() };
  }

  /**
   * An access token → the actor it speaks for, with the role's permissions as they are now;
   * `ctx` (the request's, still anonymous) gives the clock and the request id. An unknown or
   * deactivated user is a 401, and so is a token signed before the user's last password change,
   * reset or deactivation (its `ver` is behind the user's `token_version`, read in the same SELECT).
   */
  async authenticate(ctx: Context, token: string): Promise<Extract<Actor, { kind: 'user' }>> {
    const claims = verifyToken(token, 'access', this.secret, ctx.clock.now());
    return this.actorOf(ctx, claims.sub, claims.ver ?? 0);
  }

  /** For embedding apps: an access token → the Context to call services with (`ctx`'s clock and request id). */
  async contextFromToken(ctx: Context, token: string): Promise<Context> {
    const actor = await this.authenticate(ctx, token);
    return userContext(actor, { clock: ctx.clock, requestId: ctx.requestId });
  }

  /**
   * For embedding apps that log users in themselves (their own session, SSO): the Emporia user
   * id they linked to their user → the actor, with the role's permissions as they are now.
   * An unknown or deactivated user is a 401, as for a token.
   */
  async actorForUser(ctx: Context, userId: string): Promise<Extract<Actor, { kind: 'user' }>> {
    return this.actorOf(ctx, userId, null);
  }

  /** The user's actor; `tokenVersion` (a token's `ver`) must match the user's, when given. */
  private async actorOf(
    ctx: Context,
    userId: string,
    tokenVersion: number | null,
  ): Promise<Extract<Actor, { kind: 'user' }>> {
    const found = await this.users.findWithPermissions(ctx, userId);
    if (!found || !found.user.is_active) throw new UnauthorizedError('User not found or inactive');
    const { user, permissions } = found;
    if (tokenVersion !== null && tokenVersion !== user.token_version) {
      throw new UnauthorizedError('Token has been revoked; please log in again');
    }
    return {
      kind: 'user',
      id: user.id,
      email: user.email,
      role: user.role,
      permissions: new Set(permissions),
      email_verified: user.email_verified_at !== null,
    };
  }

  /**
   * Deletes expired refresh tokens and stale failed-login counters (system or `user:manage`);
   * for a periodic job. Spent tokens stay until they expire: reuse detection needs them.
   */
  async purgeExpired(
    ctx: Context,
  ): Promise<{ refresh_tokens: number; login_throttles: number; account_tokens: number }> {
    requirePermission(ctx, PERMISSIONS.userManage);
    const now = ctx.clock.now();
    const before = new Date(now.getTime() - LONGEST_THROTTLE_WINDOW_SECONDS * 1000).toISOString();
    return {
      refresh_tokens: await this.refreshTokens.deleteExpired(ctx, now.toISOString()),
      login_throttles: await this.throttles.deleteStale(ctx, now.toISOString(), before),
      account_tokens: await this.accountTokens.deleteExpired(ctx, now.toISOString()),
    };
  }
}
