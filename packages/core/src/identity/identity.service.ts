import { inject, injectable } from 'inversify';
import type { Actor, Context } from '../shared/context.js';
import type { ListResult } from '../shared/pagination.js';
import type { AccountService } from './account.service.js';
import type { AuthService } from './auth.service.js';
import { IDENTITY_TOKENS } from './ports.js';
import type { RoleService } from './role.service.js';
import type {
  CreateRoleInput,
  CreateUserInput,
  ErasureResult,
  PasswordResetConfirm,
  PasswordResetRequest,
  RegisterInput,
  Role,
  TokenPair,
  TokenRequest,
  UpdateRoleInput,
  UpdateUserInput,
  User,
  UserListQuery,
  VerifyEmailInput,
  VerifyResult,
} from './schemas.js';
import type { UserService } from './user.service.js';

export { LOGIN_THROTTLE } from './throttle.js';

/**
 * Users, roles, passwords and tokens (`engine.identity`): sign-up, login and refresh, turning a
 * token or a linked user id into an actor, and the admin operations on users and roles. One
 * surface over the module's services (`UserService`, `AuthService`, `AccountService`, `RoleService`).
 */
@injectable()
export class IdentityService {
  constructor(
    @inject(IDENTITY_TOKENS.UserService) private readonly users: UserService,
    @inject(IDENTITY_TOKENS.AuthService) private readonly auth: AuthService,
    @inject(IDENTITY_TOKENS.AccountService) private readonly account: AccountService,
    @inject(IDENTITY_TOKENS.RoleService) private readonly roles: RoleService,
  ) {}

  /** Open sign-up as a customer (a verification token is mailed); a 403 when `ALLOW_REGISTRATION=false`. */
  register(ctx: Context, input: RegisterInput): Promise<User> {
    return this.users.register(ctx, input);
  }

  /** Creates a user with any role; needs `user:manage` (admins, the system). */
  createUser(ctx: Context, input: CreateUserInput): Promise<User> {
    return this.users.createUser(ctx, input);
  }

  /** The calling user (401 when nobody is logged in). */
  getMe(ctx: Context): Promise<User> {
    return this.users.getMe(ctx);
  }

  /** Changes the calling user; a password change needs `current_password`, `role` and `is_active` need `user:manage`. */
  updateMe(ctx: Context, input: UpdateUserInput): Promise<User> {
    return this.users.updateMe(ctx, input);
  }

  /** Erases the calling user's account (as `eraseUser`; 409 for the last active admin). */
  deleteMe(ctx: Context): Promise<void> {
    return this.users.deleteMe(ctx);
  }

  /** Staff and admins (`user:read`) list users, filtered by role or e-mail (the parsed query). */
  listUsers(ctx: Context, q: UserListQuery = {}): Promise<ListResult<User>> {
    return this.users.listUsers(ctx, q);
  }

  /** Oneself, or anyone with `user:read`; everyone else gets a 404 (no existence leak). */
  getUser(ctx: Context, id: string): Promise<User> {
    return this.users.getUser(ctx, id);
  }

  /** Oneself or `user:manage`; only `user:manage` may set `role` or `is_active`. */
  updateUser(ctx: Context, id: string, input: UpdateUserInput): Promise<User> {
    return this.users.updateUser(ctx, id, input);
  }

  /** Erases a user (as `eraseUser`): oneself, or anyone with `user:manage` (409 for the last active admin). */
  deleteUser(ctx: Context, id: string): Promise<void> {
    return this.users.deleteUser(ctx, id);
  }

  /**
   * Erases an account: oneself, or anyone with `user:manage`. Every module's personal data about
   * the user goes and every token is revoked; a user without orders is deleted, one with orders
   * becomes an anonymous tombstone its orders keep. A second erasure is a NotFoundError; the last
   * active admin a ConflictError.
   */
  eraseUser(ctx: Context, id: string): Promise<ErasureResult> {
    return this.users.eraseUser(ctx, id);
  }

  /** E-mail + password → `{access, refresh}`, throttled per e-mail and per IP (`meta.ip`). */
  login(ctx: Context, input: TokenRequest, meta: { ip?: string } = {}): Promise<TokenPair> {
    return this.auth.login(ctx, input, meta);
  }

  /**
   * Mails a single-use reset token (1 h) to the active account with this e-mail, if there is one;
   * the same silence either way. RateLimitedError past the per-address and per-IP (`meta.ip`) limits.
   */
  requestPasswordReset(ctx: Context, input: PasswordResetRequest, meta: { ip?: string } = {}): Promise<void> {
    return this.account.requestPasswordReset(ctx, input, meta);
  }

  /** A reset token + a new password → password changed and every session ended; a spent, expired or unknown token is a ValidationError. */
  confirmPasswordReset(ctx: Context, input: PasswordResetConfirm): Promise<void> {
    return this.account.confirmPasswordReset(ctx, input);
  }

  /** A verification token → the e-mail address verified (`user.email_verified`); a spent, expired or stale token is a ValidationError. */
  verifyEmail(ctx: Context, input: VerifyEmailInput): Promise<void> {
    return this.account.verifyEmail(ctx, input);
  }

  /** Mails the calling user a new verification token (rate-limited); ConflictError when already verified. */
  resendVerification(ctx: Context): Promise<void> {
    return this.account.resendVerification(ctx);
  }

  /** Rotates a refresh token; presenting a spent one again revokes its whole family. */
  refresh(ctx: Context, refreshToken: string): Promise<TokenPair> {
    return this.auth.refresh(ctx, refreshToken);
  }

  /** Revokes the refresh token's family (this login on every device that shares it). */
  logout(ctx: Context, refreshToken: string): Promise<void> {
    return this.auth.logout(ctx, refreshToken);
  }

  /** Checks a token of either type: valid signature and claims, and still usable. */
  verify(ctx: Context, token: string): Promise<VerifyResult> {
    return this.auth.verify(ctx, token);
  }

  /** An access token → the actor it speaks for, with the role's permissions as they are now (`ctx`: the request's). */
  authenticate(ctx: Context, token: string): Promise<Extract<Actor, { kind: 'user' }>> {
    return this.auth.authenticate(ctx, token);
  }

  /** For embedding apps: an access token → the Context to call services with (`ctx`'s clock and request id). */
  contextFromToken(ctx: Context, token: string): Promise<Context> {
    return this.auth.contextFromToken(ctx, token);
  }

  /** For embedding apps that log users in themselves: a linked Emporia user id → the actor (`ctx`: the request's). */
  actorForUser(ctx: Context, userId: string): Promise<Extract<Actor, { kind: 'user' }>> {
    return this.auth.actorForUser(ctx, userId);
  }

  /** Deletes expired refresh, reset and verification tokens and stale throttle counters (system or `user:manage`). */
  purgeExpired(ctx: Context): Promise<{ refresh_tokens: number; login_throttles: number; account_tokens: number }> {
    return this.auth.purgeExpired(ctx);
  }

  /** Every role with its permissions (`role:manage`). */
  listRoles(ctx: Context): Promise<Role[]> {
    return this.roles.listRoles(ctx);
  }

  /** One role by id (`role:manage`); NotFoundError when there is none. */
  getRole(ctx: Context, id: string): Promise<Role> {
    return this.roles.getRole(ctx, id);
  }

  /** Adds a role (`role:manage`); unknown permission strings are a 400 and a taken name a 409. */
  createRole(ctx: Context, input: CreateRoleInput): Promise<Role> {
    return this.roles.createRole(ctx, input);
  }

  /** Changes a role (`role:manage`); built-in roles keep their names, and `admin` keeps every permission. */
  updateRole(ctx: Context, id: string, input: UpdateRoleInput): Promise<Role> {
    return this.roles.updateRole(ctx, id, input);
  }

  /** Deletes a role (`role:manage`); built-in roles and roles still assigned to users are a 409. */
  deleteRole(ctx: Context, id: string): Promise<void> {
    return this.roles.deleteRole(ctx, id);
  }
}
