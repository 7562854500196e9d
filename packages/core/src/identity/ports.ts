import type { Context } from '../shared/context.js';
import type { ListWindow, RowPage } from '../shared/pagination.js';

/** A user row as stored; `password_hash` never leaves core (services answer with `User`). */
export interface UserRecord {
  id: string;
  email: string;
  /** As the user typed it; null when the user has none. */
  username: string | null;
  name: string;
  password_hash: string;
  role: string;
  is_active: boolean;
  /** When the current e-mail address was verified; null until then (and again after a change). */
  email_verified_at: string | null;
  /** Access tokens carry it; a password change, reset or deactivation increments it, voiding them all. */
  token_version: number;
  created_at: string;
  updated_at: string;
  /** When the account was erased (a tombstone kept for the orders that point at it), else null. */
  erased_at: string | null;
}

/** A role row as stored: a name and the permission strings it grants. */
export interface RoleRecord {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  is_builtin: boolean;
  created_at: string;
  updated_at: string;
}

/** Filters of `UserRepository.list`. */
export interface UserFilter {
  role?: string;
  /** Case-insensitive substring of the e-mail. */
  email?: string;
}

/**
 * The columns `UserRepository.update` changes; `updated_at` always. `bump_token_version`
 * increments `token_version` in the same statement (never read-then-write).
 */
export type UserPatch = Partial<
  Pick<
    UserRecord,
    'email' | 'username' | 'name' | 'password_hash' | 'role' | 'is_active' | 'email_verified_at' | 'erased_at'
  >
> & {
  updated_at: string;
  bump_token_version?: boolean;
};

/** Port: the users table. */
export interface UserRepository {
  /** Stores a new user; throws ConflictError when the e-mail is taken. */
  insert(ctx: Context, user: UserRecord): Promise<void>;
  /** The user with this id, or null. */
  findById(ctx: Context, id: string): Promise<UserRecord | null>;
  /** `email` is already normalised (trimmed, lower-cased). */
  findByEmail(ctx: Context, email: string): Promise<UserRecord | null>;
  /** The user with this username, compared without regard to case. */
  findByUsername(ctx: Context, username: string): Promise<UserRecord | null>;
  /** The user and their role's permissions in one statement (every authenticated request). */
  findWithPermissions(ctx: Context, id: string): Promise<{ user: UserRecord; permissions: string[] } | null>;
  /** Applies the patch; the user as stored afterwards, or null when there is none. ConflictError on a taken e-mail or username. */
  update(ctx: Context, id: string, patch: UserPatch): Promise<UserRecord | null>;
  /** False when no such user; ConflictError when other rows still point at the user. */
  delete(ctx: Context, id: string): Promise<boolean>;
  /**
   * Overwrites a not yet erased user with the tombstone (a conditional update, so of two
   * concurrent erasures one wins); false when the user is gone or already erased.
   */
  erase(ctx: Context, id: string, tombstone: Required<Omit<UserPatch, 'bump_token_version'>>): Promise<boolean>;
  /** The users matching the filter in the window, newest first. */
  list(ctx: Context, filter: UserFilter, window: ListWindow): Promise<RowPage<UserRecord>>;
  /** Active users holding the role (guards against removing the last admin). */
  countActive(ctx: Context, role: string): Promise<number>;
}

/** The columns `RoleRepository.update` changes; `updated_at` always. */
export type RolePatch = Partial<Pick<RoleRecord, 'name' | 'description' | 'permissions'>> & { updated_at: string };

/** Port: the roles table. */
export interface RoleRepository {
  /** Every role, ordered by name. */
  list(ctx: Context): Promise<RoleRecord[]>;
  /** The role with this id, or null. */
  findById(ctx: Context, id: string): Promise<RoleRecord | null>;
  /** The role with this name, or null. */
  findByName(ctx: Context, name: string): Promise<RoleRecord | null>;
  /** Stores a new role. */
  insert(ctx: Context, role: RoleRecord): Promise<void>;
  /** Applies the patch; the role as stored afterwards, or null when there is none. */
  update(ctx: Context, id: string, patch: RolePatch): Promise<RoleRecord | null>;
  /** Deletes the role; false when there was none. */
  delete(ctx: Context, id: string): Promise<boolean>;
  /** How many users hold the role (of any status). */
  countUsers(ctx: Context, name: string): Promise<number>;
}

/** A refresh token as stored: only a hash of the token, grouped in a family per login. */
export interface RefreshTokenRecord {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  expires_at: string;
  created_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

/** Port: issued refresh tokens (by hash), for rotation and reuse detection. */
export interface RefreshTokenRepository {
  /** Stores a newly issued token. */
  insert(ctx: Context, token: RefreshTokenRecord): Promise<void>;
  /** The token with this SHA-256 hash, or null. */
  findByHash(ctx: Context, tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Marks an unused, unrevoked token used; false when it was already used or revoked. A
   * conditional update, so two concurrent refreshes with one token cannot both succeed.
   */
  markUsed(ctx: Context, id: string, at: string): Promise<boolean>;
  /** Revokes every token of one login (logout, or a spent token presented again). */
  revokeFamily(ctx: Context, familyId: string, at: string): Promise<void>;
  /** Revokes every token of a user (password change, deactivation). */
  revokeUser(ctx: Context, userId: string, at: string): Promise<void>;
  /** Deletes every token of a user, spent ones too (account erasure). */
  deleteUser(ctx: Context, userId: string): Promise<void>;
  /** Deletes tokens past `expires_at` (their JWT no longer verifies); returns how many. */
  deleteExpired(ctx: Context, now: string): Promise<number>;
}

/** What an account token is for. */
export type AccountTokenPurpose = 'password_reset' | 'email_verification';

/** A password-reset or e-mail-verification token as stored: only its SHA-256 hash, spent once. */
export interface AccountTokenRecord {
  id: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  token_hash: string;
  /** The address the token was mailed to. */
  email: string;
  expires_at: string;
  created_at: string;
  used_at: string | null;
}

/** Port: password-reset and e-mail-verification tokens. */
export interface AccountTokenRepository {
  /** Stores a newly issued token. */
  insert(ctx: Context, token: AccountTokenRecord): Promise<void>;
  /** The token with this hash and purpose, spent or not, or null. */
  findByHash(ctx: Context, purpose: AccountTokenPurpose, tokenHash: string): Promise<AccountTokenRecord | null>;
  /**
   * Spends an unspent, unexpired token; false when it was already spent or has expired. A
   * conditional update, so of two concurrent uses of one token exactly one succeeds.
   */
  spend(ctx: Context, id: string, now: string): Promise<boolean>;
  /** Spends every open token of the user for the purpose (a reset voids the other reset links). */
  spendAll(ctx: Context, userId: string, purpose: AccountTokenPurpose, now: string): Promise<void>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(ctx: Context, before: string): Promise<number>;
}

/** Failed-login counters, kept in the database so every server process shares them. */
export interface LoginThrottleRepository {
  /** The latest `locked_until` among the keys, or null when none is locked at `now`. */
  lockedUntil(ctx: Context, keys: string[], now: string): Promise<string | null>;
  /**
   * Counts one failure for the key in a fixed window; at `max` failures the key is locked
   * until `now + lockSeconds` and the count restarts.
   */
  recordFailure(ctx: Context, key: string, now: Date, policy: ThrottlePolicy): Promise<void>;
  /** Forgets the key's failures (a successful login). */
  clear(ctx: Context, key: string): Promise<void>;
  /** Takes back one counted attempt (a login that succeeded), never below zero. */
  refund(ctx: Context, key: string): Promise<void>;
  /** Deletes unlocked keys whose window started before `windowStartedBefore`; returns how many. */
  deleteStale(ctx: Context, now: string, windowStartedBefore: string): Promise<number>;
}

/** A failed-login limit: `max` failures within `windowSeconds` lock the key for `lockSeconds`. */
export interface ThrottlePolicy {
  max: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Port: password hashing (Argon2id in adapters). `verify` runs in constant time. */
export interface PasswordHasher {
  /** A self-describing hash (algorithm, parameters and salt included) of the password. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash`. */
  verify(hash: string, password: string): Promise<boolean>;
}

/**
 * Port: one module's part of erasing an account (`engine.identity.eraseUser`). Each module that
 * holds personal data about users binds one to `IDENTITY_TOKENS.PersonalDataEraser` in its
 * `module.ts` (orders, cart; an address book would too); the erasure runs them all inside its own
 * transaction, so the account is erased everywhere or nowhere.
 */
export interface PersonalDataEraser {
  /** The module, for messages and documentation (`orders`, `cart`). */
  readonly name: string;
  /**
   * Deletes or overwrites what the module holds about the user (`ctx.tx` is the erasure's
   * transaction; `user` is the row before erasure). Returns true when the module keeps records
   * that point at the user, such as orders kept for accounting: the user row then stays as an
   * anonymous tombstone instead of being deleted.
   */
  erase(ctx: Context, user: UserRecord): Promise<boolean>;
}

/** Inversify service identifiers of the identity module (bound in `identity/module.ts`). */
export const IDENTITY_TOKENS = {
  UserRepository: Symbol.for('emporia.UserRepository'),
  RoleRepository: Symbol.for('emporia.RoleRepository'),
  RefreshTokenRepository: Symbol.for('emporia.RefreshTokenRepository'),
  LoginThrottleRepository: Symbol.for('emporia.LoginThrottleRepository'),
  AccountTokenRepository: Symbol.for('emporia.AccountTokenRepository'),
  PasswordHasher: Symbol.for('emporia.PasswordHasher'),
  PersonalDataEraser: Symbol.for('emporia.PersonalDataEraser'),
  LoginThrottle: Symbol.for('emporia.LoginThrottle'),
  UserService: Symbol.for('emporia.UserService'),
  AuthService: Symbol.for('emporia.AuthService'),
  AccountService: Symbol.for('emporia.AccountService'),
  RoleService: Symbol.for('emporia.RoleService'),
  IdentityService: Symbol.for('emporia.IdentityService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    users: UserRepository;
    roles: RoleRepository;
    refreshTokens: RefreshTokenRepository;
    loginThrottles: LoginThrottleRepository;
    accountTokens: AccountTokenRepository;
  }
}
