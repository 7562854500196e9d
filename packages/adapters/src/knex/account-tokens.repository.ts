import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenRepository, Context } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { toIso, toIsoOrNull } from './values.js';

function toRecord(row: Record<string, unknown>): AccountTokenRecord {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    purpose: row.purpose as AccountTokenPurpose,
    token_hash: row.token_hash as string,
    email: row.email as string,
    expires_at: toIso(row.expires_at),
    created_at: toIso(row.created_at),
    used_at: toIsoOrNull(row.used_at),
  };
}

export class KnexAccountTokenRepository implements AccountTokenRepository {
  constructor(private readonly knex: Knex) {}

  async insert(ctx: Context, token: AccountTokenRecord): Promise<void> {
    await db(ctx, this.knex)('account_tokens').insert(token);
  }

  async findByHash(ctx: Context, purpose: AccountTokenPurpose, tokenHash: string): Promise<AccountTokenRecord | null> {
    const row = await db(ctx, this.knex)('account_tokens').where({ token_hash: tokenHash, purpose }).first();
    return row ? toRecord(row) : null;
  }

  async spend(ctx: Context, id: string, now: string): Promise<boolean> {
    const n = await db(
      ctx,
      this.knex,
    )('account_tokens')
      .where({ id })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .update({ used_at: now });
    return n === 1;
  }

  async spendAll(ctx: Context, userId: string, purpose: AccountTokenPurpose, now: string): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('account_tokens')
      .where({ user_id: userId, purpose })
      .whereNull('used_at')
      .update({ used_at: now });
  }

  async deleteExpired(ctx: Context, before: string): Promise<number> {
    return db(ctx, this.knex)('account_tokens').where('expires_at', '<', before).delete();
  }
}
