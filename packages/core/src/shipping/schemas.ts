import { z } from 'zod';
import { idField, int32, int64, text, timestampField } from '../shared/input.js';
import { countrySchema } from '../tax/schemas.js';

const nameSchema = text().trim().min(1).max(100);
const regionSchema = text().trim().min(1).max(64);
const weightSchema = int32(0);
/** Most countries a zone names (ISO 3166-1 has 249 codes). */
const MAX_ZONE_COUNTRIES = 250;
/** Most regions a zone names. */
const MAX_ZONE_REGIONS = 200;

const zoneFields = {
  name: nameSchema,
  countries: z.array(countrySchema).min(1).max(MAX_ZONE_COUNTRIES),
  /** Region names (a state, province); non-empty: the zone holds only addresses in one of them. */
  regions: z.array(regionSchema).max(MAX_ZONE_REGIONS),
};

/** Input of `shipping.createZone`: a name and the countries (optionally regions) it covers. */
export const createShippingZoneSchema = z
  .strictObject({ ...zoneFields, regions: zoneFields.regions.default([]) })
  .meta({ id: 'CreateShippingZone' });
/** Input of `shipping.createZone` (see {@link createShippingZoneSchema}). */
export type CreateShippingZoneInput = z.input<typeof createShippingZoneSchema>;

/** Input of `shipping.updateZone` (PATCH). */
export const updateShippingZoneSchema = z
  .strictObject({
    name: zoneFields.name.optional(),
    countries: zoneFields.countries.optional(),
    regions: zoneFields.regions.optional(),
  })
  .meta({ id: 'UpdateShippingZone' });
/** Input of `shipping.updateZone` (see {@link updateShippingZoneSchema}). */
export type UpdateShippingZoneInput = z.input<typeof updateShippingZoneSchema>;

/** Input of `shipping.replaceZone` (PUT): every field. */
export const replaceShippingZoneSchema = z.strictObject(zoneFields).meta({ id: 'ReplaceShippingZone' });
/** Input of `shipping.replaceZone` (see {@link replaceShippingZoneSchema}). */
export type ReplaceShippingZoneInput = z.input<typeof replaceShippingZoneSchema>;

/** A shipping zone as every surface shows it. */
export const shippingZoneSchema = z
  .object({
    id: idField(),
    name: z.string().max(100),
    countries: z.array(z.string().length(2)).max(MAX_ZONE_COUNTRIES),
    regions: z.array(z.string().max(64)).max(MAX_ZONE_REGIONS),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'ShippingZone' });
/** A shipping zone (see {@link shippingZoneSchema}). */
export type ShippingZone = z.infer<typeof shippingZoneSchema>;

const methodFields = {
  zone_id: z.uuid('must be a shipping zone id'),
  name: nameSchema,
  /** Flat price in minor units. */
  price: int64(),
  /** Free when the subtotal after discounts reaches this (minor units); null: never free. */
  free_over: int64().nullable(),
  /** Weight band of the cart (Σ quantity × variant weight), both ends included; null: unbounded. */
  min_weight_grams: weightSchema.nullable(),
  max_weight_grams: weightSchema.nullable(),
  is_active: z.boolean(),
};

const bandInOrder = (v: { min_weight_grams?: number | null; max_weight_grams?: number | null }) =>
  v.min_weight_grams == null || v.max_weight_grams == null || v.min_weight_grams <= v.max_weight_grams;
const bandMessage = { message: 'must be at least min_weight_grams', path: ['max_weight_grams'] };

/** Input of `shipping.createMethod`: a method of a zone with its flat price, free-over threshold and weight band. */
export const createShippingMethodSchema = z
  .strictObject({
    ...methodFields,
    free_over: methodFields.free_over.optional(),
    min_weight_grams: methodFields.min_weight_grams.optional(),
    max_weight_grams: methodFields.max_weight_grams.optional(),
    is_active: methodFields.is_active.default(true),
  })
  .refine(bandInOrder, bandMessage)
  .meta({ id: 'CreateShippingMethod' });
/** Input of `shipping.createMethod` (see {@link createShippingMethodSchema}). */
export type CreateShippingMethodInput = z.input<typeof createShippingMethodSchema>;

/** Input of `shipping.updateMethod` (PATCH). */
export const updateShippingMethodSchema = z
  .strictObject({
    zone_id: methodFields.zone_id.optional(),
    name: methodFields.name.optional(),
    price: methodFields.price.optional(),
    free_over: methodFields.free_over.optional(),
    min_weight_grams: methodFields.min_weight_grams.optional(),
    max_weight_grams: methodFields.max_weight_grams.optional(),
    is_active: methodFields.is_active.optional(),
  })
  .meta({ id: 'UpdateShippingMethod' });
/** Input of `shipping.updateMethod` (see {@link updateShippingMethodSchema}). */
export type UpdateShippingMethodInput = z.input<typeof updateShippingMethodSchema>;

/** Input of `shipping.replaceMethod` (PUT): every field. */
export const replaceShippingMethodSchema = z
  .strictObject(methodFields)
  .refine(bandInOrder, bandMessage)
  .meta({ id: 'ReplaceShippingMethod' });
/** Input of `shipping.replaceMethod` (see {@link replaceShippingMethodSchema}). */
export type ReplaceShippingMethodInput = z.input<typeof replaceShippingMethodSchema>;

/** A shipping method as every surface shows it. */
export const shippingMethodSchema = z
  .object({
    id: idField(),
    zone_id: idField(),
    name: z.string().max(100),
    price: z.number().int(),
    free_over: z.number().int().nullable(),
    min_weight_grams: z.number().int().nullable(),
    max_weight_grams: z.number().int().nullable(),
    is_active: z.boolean(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'ShippingMethod' });
/** A shipping method (see {@link shippingMethodSchema}). */
export type ShippingMethod = z.infer<typeof shippingMethodSchema>;

/** Query of the method list: one zone's, or every zone's. */
export const shippingMethodListQuerySchema = z.strictObject({ zone_id: z.uuid().optional() });

/** A method that applies to a cart, with what it costs that cart. */
export const shippingOptionSchema = z
  .object({
    id: idField(),
    zone_id: idField(),
    name: z.string().max(100),
    /** What this cart pays for it: 0 when the subtotal after discounts reaches `free_over`. */
    price: z.number().int(),
    free_over: z.number().int().nullable(),
  })
  .meta({ id: 'ShippingOption' });
/** A method that applies to a cart (see {@link shippingOptionSchema}). */
export type ShippingOption = z.infer<typeof shippingOptionSchema>;

/** The method an order was shipped with, as checkout snapshotted it. */
export const chosenShippingMethodSchema = z
  .object({ id: idField(), name: z.string().max(100), price: z.number().int() })
  .meta({ id: 'ChosenShippingMethod' });
/** The method on an order (see {@link chosenShippingMethodSchema}). */
export type ChosenShippingMethod = z.infer<typeof chosenShippingMethodSchema>;
