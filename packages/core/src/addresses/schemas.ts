import { z } from 'zod';
import { idField, text, timestampField } from '../shared/input.js';
import { countrySchema } from '../tax/schemas.js';

const line = (max: number) => text().trim().min(1).max(max);
const optionalLine = (max: number) => line(max).nullable().optional();

/** The fields of an address, as the address book and the cart take them. */
export const addressFields = {
  name: line(100),
  company: optionalLine(100),
  line1: line(200),
  line2: optionalLine(200),
  city: line(100),
  postal_code: optionalLine(20),
  /** A state, province or other subdivision (tax rates and shipping zones may look at it). */
  region: optionalLine(64),
  /** ISO 3166-1 alpha-2, upper case (`DE`, `US`); lower case input is upper-cased. */
  country: countrySchema,
  phone: optionalLine(32),
};

/** An address given inline (on the cart): who and where, without address-book flags. */
export const addressInputSchema = z.strictObject(addressFields).meta({ id: 'AddressInput' });
/** An inline address (see {@link addressInputSchema}). */
export type AddressInput = z.input<typeof addressInputSchema>;

/** An address as carts and orders show it (absent parts are null). */
export const postalAddressSchema = z
  .object({
    name: z.string().max(100),
    company: z.string().max(100).nullable(),
    line1: z.string().max(200),
    line2: z.string().max(200).nullable(),
    city: z.string().max(100),
    postal_code: z.string().max(20).nullable(),
    region: z.string().max(64).nullable(),
    country: z.string().length(2),
    phone: z.string().max(32).nullable(),
  })
  .meta({ id: 'PostalAddress' });
/** An address on a cart or order (see {@link postalAddressSchema}). */
export type PostalAddress = z.infer<typeof postalAddressSchema>;

const flags = {
  is_default_shipping: z.boolean(),
  is_default_billing: z.boolean(),
};

/** Input of `addresses.createAddress`: an address; a default flag takes it from the customer's other address. */
export const createAddressSchema = z
  .strictObject({
    ...addressFields,
    is_default_shipping: flags.is_default_shipping.default(false),
    is_default_billing: flags.is_default_billing.default(false),
  })
  .meta({ id: 'CreateAddress' });
/** Input of `addresses.createAddress` (see {@link createAddressSchema}). */
export type CreateAddressInput = z.input<typeof createAddressSchema>;

/** Input of `addresses.updateAddress` (PATCH): any of the fields. */
export const updateAddressSchema = z
  .strictObject({
    name: addressFields.name.optional(),
    company: addressFields.company,
    line1: addressFields.line1.optional(),
    line2: addressFields.line2,
    city: addressFields.city.optional(),
    postal_code: addressFields.postal_code,
    region: addressFields.region,
    country: addressFields.country.optional(),
    phone: addressFields.phone,
    is_default_shipping: flags.is_default_shipping.optional(),
    is_default_billing: flags.is_default_billing.optional(),
  })
  .meta({ id: 'UpdateAddress' });
/** Input of `addresses.updateAddress` (see {@link updateAddressSchema}). */
export type UpdateAddressInput = z.input<typeof updateAddressSchema>;

/** Input of `addresses.replaceAddress` (PUT): every field (the optional parts may be null). */
export const replaceAddressSchema = z
  .strictObject({
    ...addressFields,
    company: line(100).nullable(),
    line2: line(200).nullable(),
    postal_code: line(20).nullable(),
    region: line(64).nullable(),
    phone: line(32).nullable(),
    ...flags,
  })
  .meta({ id: 'ReplaceAddress' });
/** Input of `addresses.replaceAddress` (see {@link replaceAddressSchema}). */
export type ReplaceAddressInput = z.input<typeof replaceAddressSchema>;

/** An address-book entry as every surface shows it. */
export const addressSchema = postalAddressSchema
  .extend({
    id: idField(),
    ...flags,
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Address' });
/** An address-book entry (see {@link addressSchema}). */
export type Address = z.infer<typeof addressSchema>;

/** An address on the cart: given inline, or `{address_id}` of one of the caller's address book. */
export const cartAddressInputSchema = z.union([
  addressInputSchema,
  z.strictObject({ address_id: z.uuid('must be an address id') }).meta({ id: 'AddressReference' }),
]);
/** An address on the cart (see {@link cartAddressInputSchema}). */
export type CartAddressInput = z.input<typeof cartAddressInputSchema>;
