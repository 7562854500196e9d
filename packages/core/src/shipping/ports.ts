import type { Context } from '../shared/context.js';

/** A shipping zone as stored. */
export interface ShippingZoneRecord {
  id: string;
  name: string;
  countries: string[];
  regions: string[];
  created_at: string;
  updated_at: string;
}

/** A shipping method as stored. */
export interface ShippingMethodRecord {
  id: string;
  zone_id: string;
  name: string;
  price: number;
  free_over: number | null;
  min_weight_grams: number | null;
  max_weight_grams: number | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

/** Port: shipping zones and their methods (deleting a zone deletes its methods). */
export interface ShippingRepository {
  /** Every zone, by name. */
  listZones(ctx: Context): Promise<ShippingZoneRecord[]>;
  /** The zone with this id, or null. */
  findZone(ctx: Context, id: string): Promise<ShippingZoneRecord | null>;
  /** Stores a new zone. */
  insertZone(ctx: Context, record: ShippingZoneRecord): Promise<void>;
  /** False when there is no such zone. */
  updateZone(ctx: Context, record: ShippingZoneRecord): Promise<boolean>;
  /** Deletes the zone and its methods (call it in a transaction); false when there is no such zone. */
  deleteZone(ctx: Context, id: string): Promise<boolean>;
  /** Every method (or one zone's), by zone then creation. */
  listMethods(ctx: Context, filter: { zone_id?: string; active?: boolean }): Promise<ShippingMethodRecord[]>;
  /** The method with this id, or null. */
  findMethod(ctx: Context, id: string): Promise<ShippingMethodRecord | null>;
  /** Stores a new method (its zone exists). */
  insertMethod(ctx: Context, record: ShippingMethodRecord): Promise<void>;
  /** False when there is no such method. */
  updateMethod(ctx: Context, record: ShippingMethodRecord): Promise<boolean>;
  /** False when there is no such method. */
  deleteMethod(ctx: Context, id: string): Promise<boolean>;
}

/** Injection tokens of the shipping module. */
export const SHIPPING_TOKENS = {
  ShippingRepository: Symbol.for('emporia.ShippingRepository'),
  ShippingService: Symbol.for('emporia.ShippingService'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    shipping: ShippingRepository;
  }
}
