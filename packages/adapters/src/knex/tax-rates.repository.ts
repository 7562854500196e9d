import { ConflictError, type Context, type TaxRateRecord, type TaxRateRepository } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { isUniqueViolation, toIso } from './values.js';

function toRecord(r: Record<string, unknown>): TaxRateRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    country: r.country as string,
    region: (r.region as string | null) ?? '',
    tax_class: r.tax_class as string,
    rate_bps: Number(r.rate_bps),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

function clash(record: TaxRateRecord): ConflictError {
  const place = record.region ? `${record.country}/${record.region}` : record.country;
  return new ConflictError(`A ${record.tax_class} tax rate for ${place} already exists`);
}

/** The tax rate table; (country, region, tax_class) is unique. */
export class KnexTaxRateRepository implements TaxRateRepository {
  constructor(private readonly knex: Knex) {}

  async list(ctx: Context, filter: { country?: string }): Promise<TaxRateRecord[]> {
    const q = db(ctx, this.knex)('tax_rates').select('*').orderBy(['country', 'region', 'tax_class']);
    if (filter.country) q.where('country', filter.country);
    return (await q).map(toRecord);
  }

  async findById(ctx: Context, id: string): Promise<TaxRateRecord | null> {
    const row = await db(ctx, this.knex)('tax_rates').where({ id }).first();
    return row ? toRecord(row) : null;
  }

  async insert(ctx: Context, record: TaxRateRecord): Promise<void> {
    try {
      await db(ctx, this.knex)('tax_rates').insert(record);
    } catch (err) {
      if (isUniqueViolation(err)) throw clash(record);
      throw err;
    }
  }

  async update(ctx: Context, record: TaxRateRecord): Promise<boolean> {
    const { id, created_at: _created, ...fields } = record;
    try {
      return (await db(ctx, this.knex)('tax_rates').where({ id }).update(fields)) === 1;
    } catch (err) {
      if (isUniqueViolation(err)) throw clash(record);
      throw err;
    }
  }

  async delete(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('tax_rates').where({ id }).delete()) === 1;
  }
}
