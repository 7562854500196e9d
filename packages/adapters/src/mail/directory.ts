import type { Contact, Context, NotificationDirectory } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from '../knex/store.js';
import { toBool } from '../knex/values.js';

/** Reads recipients from the identity tables (read-only). */
export class KnexNotificationDirectory implements NotificationDirectory {
  constructor(private readonly knex: Knex) {}

  async contact(ctx: Context, userId: string): Promise<Contact | null> {
    const row = (await db(ctx, this.knex)('users').where({ id: userId }).first('id', 'email', 'name', 'is_active')) as
      { id: string; email: string; name: string; is_active: unknown } | undefined;
    return row && toBool(row.is_active) ? { user_id: row.id, email: row.email, name: row.name } : null;
  }

  async staffContacts(ctx: Context): Promise<Contact[]> {
    const rows = (await db(
      ctx,
      this.knex,
    )('users')
      .whereIn('role', ['admin', 'staff'])
      .andWhere('is_active', true)
      .orderBy('email')
      .select('id', 'email', 'name')) as Array<{ id: string; email: string; name: string }>;
    return rows.map((r) => ({ user_id: r.id, email: r.email, name: r.name }));
  }
}
