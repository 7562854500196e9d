import { ConflictError, type Context, type RolePatch, type RoleRecord, type RoleRepository } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { fromJson, isUniqueViolation, toBool, toIso, toJson } from './values.js';

function toRecord(row: Record<string, unknown>): RoleRecord {
  return {
    id: row.id as string,
    name: row.name as string,
    description: row.description as string,
    permissions: fromJson<string[]>(row.permissions),
    is_builtin: toBool(row.is_builtin),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

export class KnexRoleRepository implements RoleRepository {
  constructor(private readonly knex: Knex) {}

  async list(ctx: Context): Promise<RoleRecord[]> {
    return (await db(ctx, this.knex)('roles').select('*').orderBy('name')).map(toRecord);
  }

  async findById(ctx: Context, id: string): Promise<RoleRecord | null> {
    const row = await db(ctx, this.knex)('roles').where({ id }).first();
    return row ? toRecord(row) : null;
  }

  async findByName(ctx: Context, name: string): Promise<RoleRecord | null> {
    const row = await db(ctx, this.knex)('roles').where({ name }).first();
    return row ? toRecord(row) : null;
  }

  async insert(ctx: Context, role: RoleRecord): Promise<void> {
    try {
      await db(ctx, this.knex)('roles').insert({ ...role, permissions: toJson(role.permissions) });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A role named '${role.name}' already exists`);
      throw err;
    }
  }

  async update(ctx: Context, id: string, patch: RolePatch): Promise<RoleRecord | null> {
    const row: Record<string, unknown> = { ...patch };
    if (patch.permissions) row.permissions = toJson(patch.permissions);
    try {
      const n = await db(ctx, this.knex)('roles').where({ id }).update(row);
      if (!n) return null;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A role named '${patch.name}' already exists`);
      throw err;
    }
    return this.findById(ctx, id);
  }

  async delete(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('roles').where({ id }).delete()) > 0;
  }

  async countUsers(ctx: Context, name: string): Promise<number> {
    const row = await db(ctx, this.knex)('users').where({ role: name }).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}
