import {
  ConflictError,
  type Context,
  type ListWindow,
  type RowPage,
  type UserFilter,
  type UserPatch,
  type UserRecord,
  type UserRepository,
} from '@emporia/core';
import type { Knex } from 'knex';
import { knexDialect, locksRows } from './dialect.js';
import { pageById } from './pagination.js';
import { db } from './store.js';
import { fromJson, isForeignKeyViolation, isUniqueViolation, toBool, toIso, toIsoOrNull } from './values.js';

const COLUMNS = [
  'id',
  'email',
  'username',
  'name',
  'password_hash',
  'role',
  'is_active',
  'email_verified_at',
  'token_version',
  'created_at',
  'updated_at',
  'erased_at',
];
const TAKEN = 'A user with this e-mail or username already exists';

function toRecord(row: Record<string, unknown>): UserRecord {
  return {
    id: row.id as string,
    email: row.email as string,
    username: (row.username as string | null) ?? null,
    name: row.name as string,
    password_hash: row.password_hash as string,
    role: row.role as string,
    is_active: toBool(row.is_active),
    email_verified_at: toIsoOrNull(row.email_verified_at),
    token_version: Number(row.token_version ?? 0),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    erased_at: toIsoOrNull(row.erased_at),
  };
}

/** Escapes LIKE wildcards so a filter value matches literally. */
function likeContains(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

/** The unique key of a username: lower-cased (usernames are ASCII, so this is the whole folding). */
function normalized(username: string | null): string | null {
  return username === null ? null : username.toLowerCase();
}

export class KnexUserRepository implements UserRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, user: UserRecord): Promise<void> {
    try {
      await db(ctx, this.knex)('users').insert({ ...user, username_normalized: normalized(user.username) });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(TAKEN);
      throw err;
    }
  }

  async findById(ctx: Context, id: string): Promise<UserRecord | null> {
    const row = await db(ctx, this.knex)('users').select(COLUMNS).where({ id }).first();
    return row ? toRecord(row) : null;
  }

  async findByEmail(ctx: Context, email: string): Promise<UserRecord | null> {
    const row = await db(ctx, this.knex)('users').select(COLUMNS).where({ email }).first();
    return row ? toRecord(row) : null;
  }

  async findByUsername(ctx: Context, username: string): Promise<UserRecord | null> {
    const row = await db(
      ctx,
      this.knex,
    )('users')
      .select(COLUMNS)
      .where({ username_normalized: normalized(username) })
      .first();
    return row ? toRecord(row) : null;
  }

  async findWithPermissions(ctx: Context, id: string): Promise<{ user: UserRecord; permissions: string[] } | null> {
    const row = await db(
      ctx,
      this.knex,
    )('users')
      .join('roles', 'roles.name', 'users.role')
      .select(COLUMNS.map((c) => `users.${c}`))
      .select('roles.permissions as role_permissions')
      .where('users.id', id)
      .first();
    if (!row) return null;
    return { user: toRecord(row), permissions: fromJson<string[]>(row.role_permissions) };
  }

  async update(ctx: Context, id: string, patch: UserPatch): Promise<UserRecord | null> {
    const k = db(ctx, this.knex);
    const { bump_token_version: bump, ...columns } = patch;
    const row: Record<string, unknown> = { ...columns };
    if (columns.username !== undefined) row.username_normalized = normalized(columns.username);
    // One statement: two concurrent changes each add one, neither is lost.
    if (bump) row.token_version = this.knex.raw('token_version + 1');
    try {
      const n = await k('users').where({ id }).update(row);
      if (!n) return null;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(TAKEN);
      throw err;
    }
    return this.findById(ctx, id);
  }

  async delete(ctx: Context, id: string): Promise<boolean> {
    try {
      return (await db(ctx, this.knex)('users').where({ id }).delete()) > 0;
    } catch (err) {
      if (isForeignKeyViolation(err))
        throw new ConflictError('This user is still referenced by other records and cannot be deleted');
      throw err;
    }
  }

  async erase(ctx: Context, id: string, tombstone: Required<Omit<UserPatch, 'bump_token_version'>>): Promise<boolean> {
    // Every access token of the user goes stale with the version, whatever else reads the row.
    const row = {
      ...tombstone,
      username_normalized: normalized(tombstone.username),
      token_version: this.knex.raw('token_version + 1'),
    };
    return (await db(ctx, this.knex)('users').where({ id }).whereNull('erased_at').update(row)) > 0;
  }

  /**
   * Locks the counted rows on PostgreSQL and MySQL, so two transactions demoting the last two
   * admins at once cannot both see two (SQLite's BEGIN IMMEDIATE already serialises writers).
   */
  async countActive(ctx: Context, role: string): Promise<number> {
    const q = db(ctx, this.knex)('users').select('id').where({ role, is_active: true });
    if (locksRows(knexDialect(this.knex))) q.forUpdate();
    return (await q).length;
  }

  /** Newest first; ids are UUIDv7, so id order is creation order and a stable keyset. */
  async list(ctx: Context, filter: UserFilter, window: ListWindow): Promise<RowPage<UserRecord>> {
    const k = db(ctx, this.knex);
    const filtered = () => {
      // An erased account is a tombstone kept for its orders, no user any more.
      const q = k('users').whereNull('erased_at');
      if (filter.role) q.where('role', filter.role);
      // The escape character is bound: a backslash literal means something else in MySQL strings.
      if (filter.email) q.whereRaw('email like ? escape ?', [likeContains(filter.email), '\\']);
      return q;
    };
    return pageById(filtered().select(COLUMNS), window, toRecord);
  }
}
