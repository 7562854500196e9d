import { inject, injectable, multiInject } from 'inversify';
import type { Config } from '../shared/config.js';
import { actorUserId, can, requirePermission, requireUser, type Context } from '../shared/context.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  type FieldError,
} from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { listResultOf, listWindowOf, type ListResult } from '../shared/pagination.js';
import type { UnitOfWork } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import { parseInput } from '../shared/validation.js';
import { EVENT_TOKENS, type EventOutbox } from '../notifications/events.js';
import { PERMISSIONS } from './permissions.js';
import {
  IDENTITY_TOKENS,
  type PasswordHasher,
  type PersonalDataEraser,
  type RefreshTokenRepository,
  type RoleRepository,
  type UserPatch,
  type UserRecord,
  type UserRepository,
} from './ports.js';
import {
  createUserInputSchema,
  registerInputSchema,
  updateUserInputSchema,
  type CreateUserInput,
  type ErasureResult,
  type RegisterInput,
  type UpdateUserInput,
  type User,
  type UserListQuery,
} from './schemas.js';
import type { AccountService } from './account.service.js';
import type { LoginThrottle } from './throttle.js';
import { throttleKey } from './tokens.js';

export function toUser(r: UserRecord): User {
  return {
    id: r.id,
    email: r.email,
    username: r.username,
    name: r.name,
    role: r.role,
    is_active: r.is_active,
    email_verified_at: r.email_verified_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Users (`engine.identity`'s user methods): sign-up, the own account, and admin operations on users. */
@injectable()
export class UserService {
  constructor(
    @inject(IDENTITY_TOKENS.UserRepository) private readonly users: UserRepository,
    @inject(IDENTITY_TOKENS.RoleRepository) private readonly roles: RoleRepository,
    @inject(IDENTITY_TOKENS.RefreshTokenRepository) private readonly refreshTokens: RefreshTokenRepository,
    @inject(IDENTITY_TOKENS.PasswordHasher) private readonly hasher: PasswordHasher,
    @inject(IDENTITY_TOKENS.LoginThrottle) private readonly throttle: LoginThrottle,
    @inject(IDENTITY_TOKENS.AccountService) private readonly account: AccountService,
    @inject(EVENT_TOKENS.EventOutbox) private readonly outbox: EventOutbox,
    @inject(TOKENS.UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @inject(TOKENS.Config) private readonly config: Config,
    @multiInject(IDENTITY_TOKENS.PersonalDataEraser) private readonly erasers: PersonalDataEraser[],
  ) {}

  /**
   * Open sign-up as a customer, with a verification token mailed to the address; a 403 when
   * `ALLOW_REGISTRATION=false`.
   */
  async register(ctx: Context, input: RegisterInput): Promise<User> {
    if (!this.config.allowRegistration) throw new ForbiddenError('Registration is closed; ask an administrator');
    const data = parseInput(registerInputSchema, input);
    return this.insertUser(ctx, { ...data, role: 'customer', is_active: true }, true);
  }

  /** Creates a user with any role; needs `user:manage` (admins, the system). */
  async createUser(ctx: Context, input: CreateUserInput): Promise<User> {
    requirePermission(ctx, PERMISSIONS.userManage);
    return this.insertUser(ctx, parseInput(createUserInputSchema, input));
  }

  private async insertUser(
    ctx: Context,
    data: { email: string; username?: string; password: string; name: string; role: string; is_active: boolean },
    verify = false,
  ): Promise<User> {
    // Hash outside the transaction: it is the slow part and holds no lock.
    const passwordHash = await this.hasher.hash(data.password);
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.requireRole(tx, data.role);
      if (await this.users.findByEmail(tx, data.email)) throw emailTaken();
      if (data.username !== undefined && (await this.users.findByUsername(tx, data.username))) throw usernameTaken();
      const now = tx.clock.now().toISOString();
      const record: UserRecord = {
        id: newId(),
        email: data.email,
        username: data.username ?? null,
        name: data.name,
        password_hash: passwordHash,
        role: data.role,
        is_active: data.is_active,
        email_verified_at: null,
        token_version: 0,
        created_at: now,
        updated_at: now,
        erased_at: null,
      };
      await this.users.insert(tx, record);
      await this.outbox.record(tx, 'user.created', { user_id: record.id, email: record.email, name: record.name });
      if (verify) await this.account.sendVerification(tx, record);
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

  /** Erases the calling user's account (see `eraseUser`; 409 for the last active admin). */
  async deleteMe(ctx: Context): Promise<void> {
    await this.eraseUser(ctx, requireUser(ctx).id);
  }

  /**
   * Staff and admins (`user:read`) list users, filtered by role or e-mail. Takes the parsed
   * query (numbers, not the strings of a URL), as `userListQuerySchema` outputs it.
   */
  async listUsers(ctx: Context, q: UserListQuery = {}): Promise<ListResult<User>> {
    requirePermission(ctx, PERMISSIONS.userRead);
    const window = listWindowOf(q);
    const page = await this.users.list(ctx, { role: q.role, email: q.email?.trim().toLowerCase() }, window);
    return listResultOf(window, page, page.rows.map(toUser));
  }

  /** Oneself, or anyone with `user:read`; everyone else gets a 404 (no existence leak). */
  async getUser(ctx: Context, id: string): Promise<User> {
    this.requireVisible(ctx, id);
    const user = await this.users.findById(ctx, id);
    if (!user || user.erased_at) throw new NotFoundError('User not found');
    return toUser(user);
  }

  /**
   * Oneself or `user:manage`. Only `user:manage` may set `role` or `is_active` (a 400
   * otherwise); changing one's own password needs `current_password`. A new password or a
   * deactivation ends every session: refresh tokens revoked, `token_version` incremented so
   * outstanding access tokens fail too. A new e-mail address is unverified until the token mailed
   * to it comes back.
   */
  async updateUser(ctx: Context, id: string, input: UpdateUserInput): Promise<User> {
    this.requireWritable(ctx, id);
    const data = parseInput(updateUserInputSchema, input);
    const manage = can(ctx, PERMISSIONS.userManage);
    const denied: FieldError[] = [];
    if (!manage) {
      if (data.role !== undefined) denied.push({ path: 'role', message: 'you may not change your role' });
      if (data.is_active !== undefined) {
        denied.push({ path: 'is_active', message: 'you may not change is_active; to close the account, delete it' });
      }
    }
    if (denied.length) throw new ValidationError('Invalid input', denied);

    const existing = await this.users.findById(ctx, id);
    if (!existing || existing.erased_at) throw new NotFoundError('User not found');
    const patch: UserPatch = { updated_at: ctx.clock.now().toISOString() };
    if (data.password !== undefined) {
      // Someone holding a stolen access token must not be able to take the account over, nor
      // guess the password here faster than at the login: failures count against the same lock.
      if (actorUserId(ctx) === id) {
        if (data.current_password === undefined) {
          throw new ValidationError('Invalid input', [{ path: 'current_password', message: 'is required' }]);
        }
        const keys = [throttleKey('email', existing.email)];
        await this.throttle.throwIfLocked(ctx, keys);
        if (!(await this.hasher.verify(existing.password_hash, data.current_password))) {
          await this.throttle.recordFailures(ctx, keys);
          throw new ValidationError('Invalid input', [{ path: 'current_password', message: 'is incorrect' }]);
        }
      }
      patch.password_hash = await this.hasher.hash(data.password);
    }
    if (data.email !== undefined && data.email !== existing.email) {
      patch.email = data.email;
      patch.email_verified_at = null;
    }
    if (data.username !== undefined) patch.username = data.username;
    if (data.name !== undefined) patch.name = data.name;
    if (data.role !== undefined) patch.role = data.role;
    if (data.is_active !== undefined) patch.is_active = data.is_active;

    return this.unitOfWork.run(ctx, async (tx) => {
      if (patch.role !== undefined) await this.requireRole(tx, patch.role);
      if (existing.role === 'admin' && ((patch.role ?? 'admin') !== 'admin' || patch.is_active === false)) {
        await this.keepAnAdmin(tx);
      }
      if (patch.email !== undefined) {
        if (await this.users.findByEmail(tx, patch.email)) throw emailTaken();
      }
      if (typeof patch.username === 'string') {
        const holder = await this.users.findByUsername(tx, patch.username);
        if (holder && holder.id !== id) throw usernameTaken();
      }
      const endSessions = patch.password_hash !== undefined || patch.is_active === false;
      if (endSessions) patch.bump_token_version = true;
      const updated = await this.users.update(tx, id, patch);
      if (!updated) throw new NotFoundError('User not found');
      if (endSessions) await this.refreshTokens.revokeUser(tx, id, patch.updated_at);
      if (patch.email !== undefined) await this.account.sendVerification(tx, updated);
      return toUser(updated);
    });
  }

  /** Erases a user (see `eraseUser`): oneself, or anyone with `user:manage`. */
  async deleteUser(ctx: Context, id: string): Promise<void> {
    await this.eraseUser(ctx, id);
  }

  /**
   * Erases an account: oneself, or anyone with `user:manage`. In one transaction every module's
   * `PersonalDataEraser` deletes or overwrites what it holds about the user and every refresh token
   * of the user is deleted (an access token is refused at once: the user is read on every request).
   * A user nothing keeps a record of is deleted; a user whose orders are kept for accounting stays
   * as an anonymous, inactive tombstone (`erased+<id>@invalid`, no name, no usable password, the
   * customer role, `erased_at` set) that reads as gone everywhere. Records `user.erased`.
   *
   * @throws NotFoundError for an unknown, already erased or invisible user; ConflictError for the
   *   last active admin.
   */
  async eraseUser(ctx: Context, id: string): Promise<ErasureResult> {
    this.requireWritable(ctx, id);
    const result = await this.unitOfWork.run(ctx, async (tx): Promise<ErasureResult | null> => {
      const user = await this.users.findById(tx, id);
      if (!user || user.erased_at) return null;
      if (user.role === 'admin' && user.is_active) await this.keepAnAdmin(tx);
      let kept = false;
      for (const eraser of this.erasers) {
        if (await eraser.erase(tx, user)) kept = true;
      }
      await this.refreshTokens.deleteUser(tx, id);
      const now = tx.clock.now().toISOString();
      const done = kept
        ? await this.users.erase(tx, id, {
            email: `erased+${id}@invalid`,
            username: null,
            email_verified_at: null,
            name: '',
            password_hash: UNUSABLE_PASSWORD_HASH,
            role: 'customer',
            is_active: false,
            erased_at: now,
            updated_at: now,
          })
        : await this.users.delete(tx, id);
      if (!done) return null;
      const outcome = kept ? 'anonymised' : 'deleted';
      await this.outbox.record(tx, 'user.erased', { user_id: id, outcome, erased_at: now });
      return { user_id: id, outcome, erased_at: now };
    });
    if (!result) throw new NotFoundError('User not found');
    return result;
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
    if ((await this.users.countActive(ctx, 'admin')) <= 1) {
      throw new ConflictError('The last active admin cannot be removed, demoted or deactivated');
    }
  }

  private async requireRole(ctx: Context, name: string): Promise<void> {
    if (!(await this.roles.findByName(ctx, name))) {
      throw new ValidationError('Invalid input', [{ path: 'role', message: `no role named '${name}'` }]);
    }
  }
}

/** Not an Argon2 hash: no password verifies against it. */
const UNUSABLE_PASSWORD_HASH = '!erased';

function emailTaken(): ConflictError {
  return new ConflictError('A user with this e-mail already exists');
}

function usernameTaken(): ConflictError {
  return new ConflictError('A user with this username already exists');
}
