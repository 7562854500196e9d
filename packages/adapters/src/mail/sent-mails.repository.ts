import type { Context, SentMail, SentMailRepository } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from '../knex/store.js';
import { toIso } from '../knex/values.js';

/** `sent_mails`: one row per mail handed to the mailer, keyed by its dedupe key. */
export class KnexSentMailRepository implements SentMailRepository {
  constructor(private readonly knex: Knex) {}

  async find(ctx: Context, dedupeKey: string): Promise<SentMail | null> {
    const row = (await db(ctx, this.knex)('sent_mails').where({ dedupe_key: dedupeKey }).first()) as
      (Omit<SentMail, 'sent_at'> & { sent_at: unknown }) | undefined;
    return row ? { ...row, sent_at: toIso(row.sent_at) } : null;
  }

  async insert(ctx: Context, mail: SentMail): Promise<void> {
    await db(ctx, this.knex)('sent_mails').insert(mail).onConflict('dedupe_key').ignore();
  }

  async purge(ctx: Context, before: string): Promise<number> {
    return db(ctx, this.knex)('sent_mails').where('sent_at', '<', before).delete();
  }
}
