import type { Context, RefreshTokenRecord, RefreshTokenRepository } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { toIso, toIsoOrNull } from './values.js';

function toRecord(row: Record<string, unknown>): RefreshTokenRecord {
  return {
    id: row.id as string,
    family_id: row.family_id as string,
    user_id: row.user_id as string,
    token_hash: row.token_hash as string,
    expires_at: toIso(row.expires_at),
    created_at: toIso(row.created_at),
    used_at: toIsoOrNull(row.used_at),
    revoked_at: toIsoOrNull(row.revoked_at),
  };
}

export class KnexRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, token: RefreshTokenRecord): Promise<void> {
    await db(ctx, this.knex)('refresh_tokens').insert(token);
  }

  async findByHash(ctx: Context, tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await db(ctx, this.knex)('refresh_tokens').where({ token_hash: tokenHash }).first();
    return row ? toRecord(row) : null;
  }

  async markUsed(ctx: Context, id: string, at: string): Promise<boolean> {
    const n = await db(
      ctx,
      this.knex,
    )('refresh_tokens')
      .where({ id })
      .whereNull('used_at')
      .whereNull('revoked_at')
      .update({ used_at: at });
    return n === 1;
  }

  async revokeFamily(ctx: Context, familyId: string, at: string): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('refresh_tokens')
      .where({ family_id: familyId })
      .whereNull('revoked_at')
      .update({ revoked_at: at });
  }

  async deleteExpired(ctx: Context, now: string): Promise<number> {
    return db(ctx, this.knex)('refresh_tokens').where('expires_at', '<', now).delete();
  }

  async deleteUser(ctx: Context, userId: string): Promise<void> {
    await db(ctx, this.knex)('refresh_tokens').where({ user_id: userId }).delete();
  }

  async revokeUser(ctx: Context, userId: string, at: string): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('refresh_tokens')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .update({ revoked_at: at });
  }
}
