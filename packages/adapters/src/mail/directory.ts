import type { Contact, Context, NotificationDirectory } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from '../knex/store.js';

/** Reads recipients from the identity tables (read-only). */
export class KnexNotificationDirectory implements NotificationDirectory {
  constructor(private readonly knex: Knex) {}

  async listContacts(ctx: Context, userIds: readonly string[]): Promise<Contact[]> {
    if (userIds.length === 0) return [];
    const rows = (await db(
      ctx,
      this.knex,
    )('users')
      .whereIn('id', userIds)
      .andWhere('is_active', true)
      .select('id', 'email', 'name')) as Array<{ id: string; email: string; name: string }>;
    return rows.map((r) => ({ user_id: r.id, email: r.email, name: r.name }));
  }

  async listStaffContacts(ctx: Context): Promise<Contact[]> {
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
