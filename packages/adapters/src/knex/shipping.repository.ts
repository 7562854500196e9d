import type { Context, ShippingMethodRecord, ShippingRepository, ShippingZoneRecord } from '@emporia/core';
import type { Knex } from 'knex';
import { db } from './store.js';
import { fromJson, toBool, toIso, toJson } from './values.js';

const intOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function zoneOf(r: Record<string, unknown>): ShippingZoneRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    countries: fromJson<string[]>(r.countries),
    regions: fromJson<string[]>(r.regions),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

function methodOf(r: Record<string, unknown>): ShippingMethodRecord {
  return {
    id: r.id as string,
    zone_id: r.zone_id as string,
    name: r.name as string,
    price: Number(r.price),
    free_over: intOrNull(r.free_over),
    min_weight_grams: intOrNull(r.min_weight_grams),
    max_weight_grams: intOrNull(r.max_weight_grams),
    is_active: toBool(r.is_active),
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

const zoneColumns = (z: ShippingZoneRecord) => ({ ...z, countries: toJson(z.countries), regions: toJson(z.regions) });

/** Shipping zones (countries and regions as JSON text) and their methods. */
export class KnexShippingRepository implements ShippingRepository {
  constructor(private readonly knex: Knex) {}

  async listZones(ctx: Context): Promise<ShippingZoneRecord[]> {
    return (await db(ctx, this.knex)('shipping_zones').orderBy(['name', 'id'])).map(zoneOf);
  }

  async findZone(ctx: Context, id: string): Promise<ShippingZoneRecord | null> {
    const row = await db(ctx, this.knex)('shipping_zones').where({ id }).first();
    return row ? zoneOf(row) : null;
  }

  async insertZone(ctx: Context, record: ShippingZoneRecord): Promise<void> {
    await db(ctx, this.knex)('shipping_zones').insert(zoneColumns(record));
  }

  async updateZone(ctx: Context, record: ShippingZoneRecord): Promise<boolean> {
    const { id, created_at: _created, ...fields } = zoneColumns(record);
    return (await db(ctx, this.knex)('shipping_zones').where({ id }).update(fields)) === 1;
  }

  async deleteZone(ctx: Context, id: string): Promise<boolean> {
    const k = db(ctx, this.knex);
    await k('shipping_methods').where({ zone_id: id }).delete();
    return (await k('shipping_zones').where({ id }).delete()) === 1;
  }

  async listMethods(ctx: Context, filter: { zone_id?: string; active?: boolean }): Promise<ShippingMethodRecord[]> {
    const q = db(ctx, this.knex)('shipping_methods').orderBy(['zone_id', 'id']);
    if (filter.zone_id) q.where('zone_id', filter.zone_id);
    if (filter.active !== undefined) q.where('is_active', filter.active);
    return (await q).map(methodOf);
  }

  async findMethod(ctx: Context, id: string): Promise<ShippingMethodRecord | null> {
    const row = await db(ctx, this.knex)('shipping_methods').where({ id }).first();
    return row ? methodOf(row) : null;
  }

  async insertMethod(ctx: Context, record: ShippingMethodRecord): Promise<void> {
    await db(ctx, this.knex)('shipping_methods').insert(record);
  }

  async updateMethod(ctx: Context, record: ShippingMethodRecord): Promise<boolean> {
    const { id, created_at: _created, ...fields } = record;
    return (await db(ctx, this.knex)('shipping_methods').where({ id }).update(fields)) === 1;
  }

  async deleteMethod(ctx: Context, id: string): Promise<boolean> {
    return (await db(ctx, this.knex)('shipping_methods').where({ id }).delete()) === 1;
  }
}
