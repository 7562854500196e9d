import type { AddressRecord, AddressRepository, Context } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { toBool, toIso } from './values.js';

const orNull = (v: unknown) => (v === null || v === undefined ? null : String(v));

function toRecord(r: Record<string, unknown>): AddressRecord {
  return {
    id: r.id as string,
    user_id: r.user_id as string,
    name: r.name as string,
    company: orNull(r.company),
    line1: r.line1 as string,
    line2: orNull(r.line2),
    city: r.city as string,
    postal_code: orNull(r.postal_code),
    region: orNull(r.region),
    country: r.country as string,
    phone: orNull(r.phone),
    is_default_shipping: toBool(r.is_default_shipping),
    is_default_billing: toBool(r.is_default_billing),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

/** The customers' address books. */
export class KnexAddressRepository implements AddressRepository {
  constructor(private readonly knex: Knex) {}

  async listForUser(ctx: Context, userId: string): Promise<AddressRecord[]> {
    return (await db(ctx, this.knex)('addresses').where({ user_id: userId }).orderBy('id')).map(toRecord);
  }

  async findForUser(ctx: Context, userId: string, id: string): Promise<AddressRecord | null> {
    const row = await db(ctx, this.knex)('addresses').where({ id, user_id: userId }).first();
    return row ? toRecord(row) : null;
  }

  async insert(ctx: Context, record: AddressRecord): Promise<void> {
    await db(ctx, this.knex)('addresses').insert(record);
  }

  async update(ctx: Context, record: AddressRecord): Promise<boolean> {
    const { id, user_id, created_at: _created, ...fields } = record;
    return (await db(ctx, this.knex)('addresses').where({ id, user_id }).update(fields)) === 1;
  }

  async clearDefault(
    ctx: Context,
    userId: string,
    flag: 'is_default_shipping' | 'is_default_billing',
    exceptId: string,
  ): Promise<void> {
    await db(
      ctx,
      this.knex,
    )('addresses')
      .where({ user_id: userId, [flag]: true })
      .whereNot('id', exceptId)
      .update({ [flag]: false });
  }

  async delete(ctx: Context, userId: string, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('addresses').where({ id, user_id: userId }).delete()) === 1;
  }

  async deleteForUser(ctx: Context, userId: string): Promise<number> {
    return db(ctx, this.knex)('addresses').where({ user_id: userId }).delete();
  }
}
