import { z } from 'zod';
import { idField, timestampField } from '../shared/input.js';

/** A tax class: `standard`, `reduced`, `zero` or one staff name (lower case letters, digits, `_`, `-`). */
export const taxClassSchema = z
  .string()
  .max(32)
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a tax class like standard, reduced or zero');

/** An ISO 3166-1 alpha-2 country code, upper case (`DE`, `US`); lower case input is upper-cased. */
export const countrySchema = z
  .string()
  .length(2)
  .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code like DE')
  .transform((v) => v.toUpperCase())
  .refine((v) => ISO_COUNTRIES.has(v), 'not an ISO 3166-1 alpha-2 country code');

const fields = {
  name: z.string().trim().min(1).max(100),
  country: countrySchema,
  /** A state, province or other subdivision; unset: the whole country. */
  region: z.string().trim().min(1).max(64).nullable(),
  tax_class: taxClassSchema,
  rate_bps: z.number().int('must be a whole number of basis points').min(0).max(100_000),
};

/** Input of `tax.createTaxRate`: a rate for a country (or region) and tax class; 1900 bps = 19 %. */
export const createTaxRateSchema = z
  .strictObject({
    ...fields,
    region: fields.region.optional(),
    tax_class: fields.tax_class.default('standard'),
  })
  .meta({ id: 'CreateTaxRate' });
/** Input of `tax.createTaxRate` (see {@link createTaxRateSchema}). */
export type CreateTaxRateInput = z.input<typeof createTaxRateSchema>;

/** Input of `tax.updateTaxRate` (PATCH): any of the fields. */
export const updateTaxRateSchema = z
  .strictObject({
    name: fields.name.optional(),
    country: fields.country.optional(),
    region: fields.region.optional(),
    tax_class: fields.tax_class.optional(),
    rate_bps: fields.rate_bps.optional(),
  })
  .meta({ id: 'UpdateTaxRate' });
/** Input of `tax.updateTaxRate` (see {@link updateTaxRateSchema}). */
export type UpdateTaxRateInput = z.input<typeof updateTaxRateSchema>;

/** Input of `tax.replaceTaxRate` (PUT): every field. */
export const replaceTaxRateSchema = z.strictObject(fields).meta({ id: 'ReplaceTaxRate' });
/** Input of `tax.replaceTaxRate` (see {@link replaceTaxRateSchema}). */
export type ReplaceTaxRateInput = z.input<typeof replaceTaxRateSchema>;

/** A tax rate as every surface shows it. */
export const taxRateSchema = z
  .object({
    id: idField(),
    name: z.string().max(100),
    country: z.string().length(2),
    region: z.string().max(64).nullable(),
    tax_class: z.string().max(32),
    rate_bps: z.number().int(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'TaxRate' });
/** A tax rate (see {@link taxRateSchema}). */
export type TaxRate = z.infer<typeof taxRateSchema>;

/** Query of the tax rate list. */
export const taxRateListQuerySchema = z.strictObject({ country: countrySchema.optional() });

/** ISO 3166-1 alpha-2 codes (officially assigned). */
export const ISO_COUNTRIES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW ' +
    'BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI ' +
    'FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN ' +
    'IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME ' +
    'MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF ' +
    'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV ' +
    'SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE ' +
    'YT ZA ZM ZW'
  ).split(' '),
);
