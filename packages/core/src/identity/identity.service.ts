import { randomBytes } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { Clock } from '../shared/clock.js';
import type { Config } from '../shared/config.js';
import {
  actorUserId,
  can,
  requirePermission,
  requireUser,
  userContext,
  anonymousContext,
  type Actor,
  type Context,
  type ContextOptions,
} from '../shared/context.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  type FieldError,
} from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { Store, UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { ALL_PERMISSIONS, PERMISSIONS } from './permissions.js';
import {
  IDENTITY_TOKENS,
  type PasswordHasher,
  type RoleRecord,
  type ThrottlePolicy,
  type UserPatch,
  type UserRecord,
} from './ports.js';
import {
  createRoleInputSchema,
  createUserInputSchema,
  registerInputSchema,
  tokenRequestSchema,
  updateRoleInputSchema,
  updateUserInputSchema,
  type CreateRoleInput,
  type CreateUserInput,
  type RegisterInput,
  type Role,
  type TokenPair,
  type TokenRequest,
  type UpdateRoleInput,
  type UpdateUserInput,
  type User,
  type UserListQuery,
  type VerifyResult,
} from './schemas.js';
import { signToken, throttleKey, tokenHash, verifyToken, type TokenClaims } from './tokens.js';

/**
 * Failed-login limits. Per e-mail it stops guessing one account's password; per IP it stops
 * one client spraying many accounts. A lock holds even for the right password.
 */
export const LOGIN_THROTTLE: { email: ThrottlePolicy; ip: ThrottlePolicy } = {
  email: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  ip: { max: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
};

const BAD_CREDENTIALS = 'No active account found with the given credentials';

export function toUser(r: UserRecord): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    is_active: r.is_active,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function toRole(r: RoleRecord): Role {
  return { ...r, permissions: [...r.permissions] };
}

/**
 * Users, roles, passwords and tokens (`engine.identity`): sign-up, login and refresh, turning a
 * token or a linked user id into an actor, and the admin operations on users and roles.
 */
@injectable()
export class IdentityService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @inject(TOKENS.Config) private readonly config: Config,
    @inject(TOKENS.Store) private readonly store: Store,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(IDENTITY_TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
  ) {}

  private get repos() {
    return this.store.repositories;
  }

  private get secret(): string {
    if (!this.config.jwtSecret) throw new Error('config.jwtSecret is not set');
    return this.config.jwtSecret;
  }

  // ---------------------------------------------------------------- users

  /** Open sign-up as a customer; a 403 when `ALLOW_REGISTRATION=false`. */
  async register(ctx: Context, input: RegisterInput): Promise<User> {
    if (!this.config.allowRegistration) throw new ForbiddenError('Registration is closed; ask an administrator');
    const data = parseInput(registerInputSchema, input);
    return this.insertUser(ctx, { ...data, role: 'customer', is_active: true });
  }

  /** Creates a user with any role; needs `user:manage` (admins, the system). */
  async createUser(ctx: Context, input: CreateUserInput): Promise<User> {
    requirePermission(ctx, PERMISSIONS.userManage);
    return this.insertUser(ctx, parseInput(createUserInputSchema, input));
  }

  private async insertUser(
    ctx: Context,
    data: { email: string; password: string; name: string; role: string; is_active: boolean },
  ): Promise<User> {
    // Hash outside the transaction: it is the slow part and holds no lock.
    const passwordHash = await this.hasher.hash(data.password);
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.requireRole(tx, data.role);
      if (await this.repos.users.findByEmail(tx, data.email)) throw emailTaken();
      const now = tx.clock.now().toISOString();
      const record: UserRecord = {
        id: newId(),
        email: data.email,
        name: data.name,
        password_hash: passwordHash,
        role: data.role,
        is_active: data.is_active,
        created_at: now,
        updated_at: now,
      };
      await this.repos.users.insert(tx, record);
      await this.outbox.record(tx, 'user.created', { user_id: record.id, email: record.email, name: record.name });
      return toUser(record);
    });
  }

  /** The calling user (401 when nobody is logged in). */
  async getMe(ctx: Context): Promise<User> {
    return this.getUser(ctx, requireUser(ctx).id);
  }

  /** Changes the calling user; a password change needs `current_password`, `role` and `is_active` need `user:manage`. */
  async updateMe(ctx: Context, input: UpdateUserInput): Promise<User> {
    return this.updateUser(ctx, requireUser(ctx).id, input);
  }

  /** Deletes the calling user's account (409 for the last active admin). */
  async deleteMe(ctx: Context): Promise<void> {
    return this.deleteUser(ctx, requireUser(ctx).id);
  }

  /**
   * Staff and admins (`user:read`) list users, filtered by role or e-mail. Takes the parsed
   * query (numbers, not the strings of a URL), as `userListQuerySchema` outputs it.
   */
  async listUsers(ctx: Context, q: UserListQuery = {}): Promise<ListResult<User>> {
    requirePermission(ctx, PERMISSIONS.userRead);
    const window = listWindowOf(q);
    const page = await this.repos.users.list(ctx, { role: q.role, email: q.email?.trim().toLowerCase() }, window);
    return listResultOf(window, page, page.rows.map(toUser));
  }

  /** Oneself, or anyone with `user:read`; everyone else gets a 404 (no existence leak). */
  async getUser(ctx: Context, id: string): Promise<User> {
    this.requireVisible(ctx, id);
    const user = await this.repos.users.findById(ctx, id);
    if (!user) throw new NotFoundError('User not found');
    return toUser(user);
  }

  /**
   * Oneself or `user:manage`. Only `user:manage` may set `role` or `is_active` (a 400
   * otherwise); changing one's own password needs `current_password`. A new password or a
   * deactivation revokes the user's refresh tokens.
   */
  async updateUser(ctx: Context, id: string, input: UpdateUserInput): Promise<User> {
    this.requireWritable(ctx, id);
    const data = parseInput(updateUserInputSchema, input);
    const manage = can(ctx, PERMISSIONS.userManage);
    const denied: FieldError[] = [];
    if (!manage) {
      if (data.role !== undefined) denied.push({ path: 'role', message: 'you may not change your role' });
      if (data.is_active !== undefined) denied.push({ path: 'is_active', message: 'you may not change is_active' });
    }
    if (denied.length) throw new ValidationError('Invalid input', denied);

    const existing = await this.repos.users.findById(ctx, id);
    if (!existing) throw new NotFoundError('User not found');
    const patch: UserPatch = { updated_at: ctx.clock.now().toISOString() };
    if (data.password !== undefined) {
      // Someone holding a stolen access token must not be able to take the account over, nor
      // guess the password here faster than at the login: failures count against the same lock.
      if (actorUserId(ctx) === id) {
        if (data.current_password === undefined) {
          throw new ValidationError('Invalid input', [{ path: 'current_password', message: 'is required' }]);
        }
        const keys = [throttleKey('email', existing.email)];
        await this.throwIfLocked(ctx, keys);
        if (!(await this.hasher.verify(existing.password_hash, data.current_password))) {
          await this.recordFailures(ctx, keys);
          throw new ValidationError('Invalid input', [{ path: 'current_password', message: 'is incorrect' }]);
        }
      }
      patch.password_hash = await this.hasher.hash(data.password);
    }
    if (data.email !== undefined) patch.email = data.email;
    if (data.name !== undefined) patch.name = data.name;
    if (data.role !== undefined) patch.role = data.role;
    if (data.is_active !== undefined) patch.is_active = data.is_active;

    return this.unitOfWork.run(ctx, async (tx) => {
      if (patch.role !== undefined) await this.requireRole(tx, patch.role);
      if (existing.role === 'admin' && ((patch.role ?? 'admin') !== 'admin' || patch.is_active === false)) {
        await this.keepAnAdmin(tx);
      }
      if (patch.email !== undefined && patch.email !== existing.email) {
        if (await this.repos.users.findByEmail(tx, patch.email)) throw emailTaken();
      }
      const updated = await this.repos.users.update(tx, id, patch);
      if (!updated) throw new NotFoundError('User not found');
      if (patch.password_hash !== undefined || patch.is_active === false) {
        await this.repos.refreshTokens.revokeUser(tx, id, patch.updated_at);
      }
      return toUser(updated);
    });
  }

  /**
   * Deletes a user: oneself, or anyone with `user:manage`.
   *
   * @throws NotFoundError for an unknown or invisible user; ConflictError for the last active admin.
   */
  async deleteUser(ctx: Context, id: string): Promise<void> {
    this.requireWritable(ctx, id);
    const deleted = await this.unitOfWork.run(ctx, async (tx) => {
      const user = await this.repos.users.findById(tx, id);
      if (user?.role === 'admin' && user.is_active) await this.keepAnAdmin(tx);
      return this.repos.users.delete(tx, id);
    });
    if (!deleted) throw new NotFoundError('User not found');
  }

  private requireVisible(ctx: Context, id: string): void {
    if (ctx.actor.kind === 'anonymous') throw new UnauthorizedError('Authentication required');
    if (actorUserId(ctx) === id || can(ctx, PERMISSIONS.userRead)) return;
    throw new NotFoundError('User not found');
  }

  private requireWritable(ctx: Context, id: string): void {
    this.requireVisible(ctx, id);
    if (actorUserId(ctx) === id || can(ctx, PERMISSIONS.userManage)) return;
    throw new ForbiddenError(`Missing permission '${PERMISSIONS.userManage}'`);
  }

  /** Nobody could manage the shop again: the last active admin stays. */
  private async keepAnAdmin(ctx: Context): Promise<void> {
    if ((await this.repos.users.countActive(ctx, 'admin')) <= 1) {
      throw new ConflictError('The last active admin cannot be removed, demoted or deactivated');
    }
  }

  private async requireRole(ctx: Context, name: string): Promise<void> {
    if (!(await this.repos.roles.findByName(ctx, name))) {
      throw new ValidationError('Invalid input', [{ path: 'role', message: `no role named '${name}'` }]);
    }
  }

  // ---------------------------------------------------------------- tokens

  /**
   * E-mail + password → `{access, refresh}`. Failures count per e-mail and per IP (`meta.ip`);
   * past the limit every attempt is a RateLimitedError, even with the right password. Unknown
   * e-mails cost one dummy verification, so timing does not tell which e-mails exist.
   */
  async login(ctx: Context, input: TokenRequest, meta: { ip?: string } = {}): Promise<TokenPair> {
    const { email, password, dashboard_login: dashboardLogin } = parseInput(tokenRequestSchema, input);
    const emailKey = throttleKey('email', email);
    const keys = meta.ip ? [emailKey, throttleKey('ip', meta.ip)] : [emailKey];
    await this.throwIfLocked(ctx, keys);

    const dummy = await (this.dummyHash ??= this.hasher.hash(randomBytes(16).toString('hex')));
    const user = await this.repos.users.findByEmail(ctx, email);
    const passwordOk = await this.hasher.verify(user?.password_hash ?? dummy, password);
    if (!user || !passwordOk || !user.is_active) {
      await this.recordFailures(ctx, keys);
      throw new UnauthorizedError(BAD_CREDENTIALS);
    }
    await this.repos.loginThrottles.clear(ctx, emailKey);
    if (dashboardLogin) {
      // The right password, so saying why is no leak; no tokens for a back office the user may not use.
      const { permissions } = await this.actorForUser(user.id);
      if (!permissions.has('*') && !permissions.has(PERMISSIONS.dashboardAccess)) {
        throw new ForbiddenError('This account may not sign in to the dashboard');
      }
    }
    return this.unitOfWork.run(ctx, (tx) => this.issuePair(tx, user.id, newId()));
  }

  /** 429 while any of the throttle keys (`[emailKey, ipKey?]`) is locked. */
  private async throwIfLocked(ctx: Context, keys: string[]): Promise<void> {
    const now = ctx.clock.now();
    const lockedUntil = await this.repos.loginThrottles.lockedUntil(ctx, keys, now.toISOString());
    if (!lockedUntil) return;
    const seconds = Math.max(1, Math.ceil((new Date(lockedUntil).getTime() - now.getTime()) / 1000));
    throw new RateLimitedError('Too many failed password attempts; try again later', seconds);
  }

  /** Counts a failed password against `[emailKey, ipKey?]`. */
  private async recordFailures(ctx: Context, keys: string[]): Promise<void> {
    // Outside any transaction: the count must survive the failure the caller is about to throw.
    const bare: Context = { ...ctx, tx: undefined };
    const [emailKey, ipKey] = keys;
    await this.repos.loginThrottles.recordFailure(bare, emailKey, ctx.clock.now(), LOGIN_THROTTLE.email);
    if (ipKey) await this.repos.loginThrottles.recordFailure(bare, ipKey, ctx.clock.now(), LOGIN_THROTTLE.ip);
  }

  private async issuePair(ctx: Context, userId: string, family: string): Promise<TokenPair> {
    const now = ctx.clock.now();
    const access = signToken('access', userId, { secret: this.secret, now, ttlSeconds: this.config.accessTokenTtl });
    const refresh = signToken('refresh', userId, {
      secret: this.secret,
      now,
      ttlSeconds: this.config.refreshTokenTtl,
      family,
    });
    await this.repos.refreshTokens.insert(ctx, {
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
      const row = await this.repos.refreshTokens.findByHash(tx, tokenHash(refreshToken));
      if (!row || row.user_id !== claims.sub || row.revoked_at) return 'revoked' as const;
      if (!(await this.repos.refreshTokens.markUsed(tx, row.id, now))) {
        await this.repos.refreshTokens.revokeFamily(tx, row.family_id, now);
        return 'reused' as const;
      }
      const user = await this.repos.users.findById(tx, row.user_id);
      if (!user || !user.is_active) return 'revoked' as const;
      return this.issuePair(tx, user.id, row.family_id);
    });
    if (outcome === 'reused') throw new UnauthorizedError('Refresh token was already used; please log in again');
    if (outcome === 'revoked') throw new UnauthorizedError('Refresh token has been revoked');
    return outcome;
  }

  /** Revokes the refresh token's family (this login on every device that shares it). */
  async logout(ctx: Context, refreshToken: string): Promise<void> {
    const claims = verifyToken(refreshToken, 'refresh', this.secret, ctx.clock.now());
    await this.unitOfWork.run(ctx, (tx) =>
      this.repos.refreshTokens.revokeFamily(tx, claims.fam as string, tx.clock.now().toISOString()),
    );
  }

  /** Checks a token of either type: valid signature and claims, and still usable. */
  async verify(ctx: Context, token: string): Promise<VerifyResult> {
    const claims = verifyToken(token, 'any', this.secret, ctx.clock.now());
    if (claims.typ === 'access') {
      await this.actorFor(claims);
    } else {
      const row = await this.repos.refreshTokens.findByHash(ctx, tokenHash(token));
      if (!row || row.used_at || row.revoked_at) throw new UnauthorizedError('Refresh token has been revoked');
    }
    return { token_type: claims.typ, user_id: claims.sub, expires_at: new Date(claims.exp * 1000).toISOString() };
  }

  /**
   * An access token → the actor it speaks for, with the role's permissions as they are now.
   * An unknown or deactivated user is a 401.
   */
  async authenticate(token: string): Promise<Extract<Actor, { kind: 'user' }>> {
    return this.actorFor(verifyToken(token, 'access', this.secret, this.clock.now()));
  }

  /** For embedding apps: an access token → a Context to call services with. */
  async contextFromToken(token: string, opts: ContextOptions = {}): Promise<Context> {
    const actor = await this.authenticate(token);
    return userContext(actor, { clock: this.clock, ...opts });
  }

  private async actorFor(claims: TokenClaims): Promise<Extract<Actor, { kind: 'user' }>> {
    return this.actorForUser(claims.sub);
  }

  /**
   * For embedding apps that log users in themselves (their own session, SSO): the Emporia user
   * id they linked to their user → the actor, with the role's permissions as they are now.
   * An unknown or deactivated user is a 401, as for a token.
   */
  async actorForUser(userId: string): Promise<Extract<Actor, { kind: 'user' }>> {
    const found = await this.repos.users.findWithPermissions(anonymousContext(), userId);
    if (!found || !found.user.is_active) throw new UnauthorizedError('User not found or inactive');
    const { user, permissions } = found;
    return { kind: 'user', id: user.id, email: user.email, role: user.role, permissions: new Set(permissions) };
  }

  /**
   * Deletes expired refresh tokens and stale failed-login counters (system or `user:manage`);
   * for a periodic job. Spent tokens stay until they expire: reuse detection needs them.
   */
  async purgeExpired(ctx: Context): Promise<{ refresh_tokens: number; login_throttles: number }> {
    requirePermission(ctx, PERMISSIONS.userManage);
    const now = ctx.clock.now();
    const window = Math.max(LOGIN_THROTTLE.email.windowSeconds, LOGIN_THROTTLE.ip.windowSeconds);
    const before = new Date(now.getTime() - window * 1000).toISOString();
    return {
      refresh_tokens: await this.repos.refreshTokens.deleteExpired(ctx, now.toISOString()),
      login_throttles: await this.repos.loginThrottles.deleteStale(ctx, now.toISOString(), before),
    };
  }

  // ---------------------------------------------------------------- roles

  /** Every role with its permissions (`role:manage`). */
  async listRoles(ctx: Context): Promise<Role[]> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    return (await this.repos.roles.list(ctx)).map(toRole);
  }

  /** One role by id (`role:manage`); NotFoundError when there is none. */
  async getRole(ctx: Context, id: string): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const role = await this.repos.roles.findById(ctx, id);
    if (!role) throw new NotFoundError('Role not found');
    return toRole(role);
  }

  /** Adds a role (`role:manage`); unknown permission strings are a 400 and a taken name a 409. */
  async createRole(ctx: Context, input: CreateRoleInput): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const data = parseInput(createRoleInputSchema, input);
    checkPermissions(data.permissions);
    return this.unitOfWork.run(ctx, async (tx) => {
      if (await this.repos.roles.findByName(tx, data.name)) throw roleTaken(data.name);
      const now = tx.clock.now().toISOString();
      const role: RoleRecord = { id: newId(), ...data, is_builtin: false, created_at: now, updated_at: now };
      await this.repos.roles.insert(tx, role);
      return toRole(role);
    });
  }

  /** Built-in roles keep their names, and `admin` keeps every permission. */
  async updateRole(ctx: Context, id: string, input: UpdateRoleInput): Promise<Role> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    const data = parseInput(updateRoleInputSchema, input);
    if (data.permissions) checkPermissions(data.permissions);
    return this.unitOfWork.run(ctx, async (tx) => {
      const role = await this.repos.roles.findById(tx, id);
      if (!role) throw new NotFoundError('Role not found');
      if (role.is_builtin && data.name !== undefined && data.name !== role.name)
        throw new ConflictError('Built-in roles cannot be renamed');
      if (role.name === 'admin' && data.permissions !== undefined)
        throw new ConflictError("The admin role's permissions cannot be changed");
      if (data.name !== undefined && data.name !== role.name && (await this.repos.roles.findByName(tx, data.name)))
        throw roleTaken(data.name);
      const updated = await this.repos.roles.update(tx, id, { ...data, updated_at: tx.clock.now().toISOString() });
      if (!updated) throw new NotFoundError('Role not found');
      return toRole(updated);
    });
  }

  /** Deletes a role (`role:manage`); built-in roles and roles still assigned to users are a 409. */
  async deleteRole(ctx: Context, id: string): Promise<void> {
    requirePermission(ctx, PERMISSIONS.roleManage);
    await this.unitOfWork.run(ctx, async (tx) => {
      const role = await this.repos.roles.findById(tx, id);
      if (!role) throw new NotFoundError('Role not found');
      if (role.is_builtin) throw new ConflictError('Built-in roles cannot be deleted');
      const users = await this.repos.roles.countUsers(tx, role.name);
      if (users > 0) throw new ConflictError(`Role '${role.name}' is assigned to ${users} user(s)`);
      await this.repos.roles.delete(tx, id);
    });
  }
}

function emailTaken(): ConflictError {
  return new ConflictError('A user with this e-mail already exists');
}

function roleTaken(name: string): ConflictError {
  return new ConflictError(`A role named '${name}' already exists`);
}

function checkPermissions(permissions: string[]): void {
  const known = new Set<string>([...ALL_PERMISSIONS, '*']);
  const errors = permissions
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !known.has(p))
    .map(({ p, i }) => ({ path: `permissions.${i}`, message: `unknown permission '${p}'` }));
  if (errors.length) throw new ValidationError('Invalid input', errors);
}
