import { z } from 'zod';
import type { FieldError } from '../shared/errors.js';
import { idField, int32, int64, text, timestampField } from '../shared/input.js';

/** What a code does: a share of the targeted lines (bps), a fixed amount off them, or free shipping. */
export const promotionKindSchema = z.enum(['percentage', 'fixed', 'free_shipping']);
/** One of the promotion kinds (see {@link promotionKindSchema}). */
export type PromotionKind = z.infer<typeof promotionKindSchema>;

/** A code as customers type it: 3–64 letters, digits, `-` or `_`, compared without case (stored upper case). */
export const promotionCodeSchema = text()
  .trim()
  .max(64)
  .regex(/^[A-Za-z0-9_-]{3,64}$/, 'expected 3–64 letters, digits, - or _')
  .transform((v) => v.toUpperCase());

const instant = z.iso
  .datetime({ offset: true })
  .max(64)
  .transform((v) => new Date(v).toISOString());
/** Most categories (and, apart, products) a promotion targets. */
const MAX_PROMOTION_TARGETS = 100;
const ids = z.array(z.uuid()).max(MAX_PROMOTION_TARGETS);

const fields = {
  code: promotionCodeSchema,
  kind: promotionKindSchema,
  value: int64(0).describe(
    'basis points for percentage (1000 = 10 %, at most 10000), minor units for fixed, 0 for free_shipping',
  ),
  min_subtotal: int64(0).nullable().describe('the cart subtotal must reach this'),
  starts_at: instant.nullable(),
  ends_at: instant.nullable().describe('exclusive'),
  usage_limit: int32(1).nullable().describe('uses in all, over every customer'),
  usage_limit_per_customer: int32(1).nullable(),
  category_ids: ids.describe('only lines of products in these categories (with product_ids: either)'),
  product_ids: ids,
  is_active: z.boolean(),
};

type Shape = { kind?: PromotionKind; value?: number; starts_at?: string | null; ends_at?: string | null };

/** Cross-field rules of a promotion: what a percentage may be, free shipping's value, the window's order. */
export function promotionRuleErrors(v: Shape): FieldError[] {
  const errors: FieldError[] = [];
  if (v.kind === 'percentage' && v.value !== undefined && v.value > 10_000) {
    errors.push({ path: 'value', message: 'a percentage is at most 10000 bps (100 %)' });
  }
  if (v.kind === 'free_shipping' && v.value !== undefined && v.value !== 0) {
    errors.push({ path: 'value', message: 'free_shipping takes no value (0)' });
  }
  if (v.starts_at && v.ends_at && v.ends_at <= v.starts_at) {
    errors.push({ path: 'ends_at', message: 'must be after starts_at' });
  }
  return errors;
}

function consistent(v: Shape, ctx: z.RefinementCtx): void {
  for (const e of promotionRuleErrors(v)) ctx.addIssue({ code: 'custom', path: [e.path], message: e.message });
}

/** Input of `promotions.createPromotion`. */
export const createPromotionSchema = z
  .strictObject({
    ...fields,
    value: fields.value.default(0),
    min_subtotal: fields.min_subtotal.optional(),
    starts_at: fields.starts_at.optional(),
    ends_at: fields.ends_at.optional(),
    usage_limit: fields.usage_limit.optional(),
    usage_limit_per_customer: fields.usage_limit_per_customer.optional(),
    category_ids: fields.category_ids.default([]),
    product_ids: fields.product_ids.default([]),
    is_active: fields.is_active.default(true),
  })
  .superRefine(consistent)
  .meta({ id: 'CreatePromotion' });
/** Input of `promotions.createPromotion` (see {@link createPromotionSchema}). */
export type CreatePromotionInput = z.input<typeof createPromotionSchema>;

/** Input of `promotions.updatePromotion` (PATCH): any of the fields. */
export const updatePromotionSchema = z
  .strictObject(
    Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.optional()])) as {
      [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]>;
    },
  )
  .meta({ id: 'UpdatePromotion' });
/** Input of `promotions.updatePromotion` (see {@link updatePromotionSchema}). */
export type UpdatePromotionInput = z.input<typeof updatePromotionSchema>;

/** Input of `promotions.replacePromotion` (PUT): every field. */
export const replacePromotionSchema = z.strictObject(fields).superRefine(consistent).meta({ id: 'ReplacePromotion' });
/** Input of `promotions.replacePromotion` (see {@link replacePromotionSchema}). */
export type ReplacePromotionInput = z.input<typeof replacePromotionSchema>;

/** A promotion as staff see it; `times_used` counts uses by orders not cancelled. */
export const promotionSchema = z
  .object({
    id: idField(),
    code: z.string().max(64),
    kind: promotionKindSchema,
    value: z.number().int(),
    min_subtotal: z.number().int().nullable(),
    starts_at: timestampField().nullable(),
    ends_at: timestampField().nullable(),
    usage_limit: z.number().int().nullable(),
    usage_limit_per_customer: z.number().int().nullable(),
    category_ids: z.array(idField()).max(MAX_PROMOTION_TARGETS),
    product_ids: z.array(idField()).max(MAX_PROMOTION_TARGETS),
    is_active: z.boolean(),
    times_used: z.number().int(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Promotion' });
/** A promotion (see {@link promotionSchema}). */
export type Promotion = z.infer<typeof promotionSchema>;

/** Input of `cart.applyPromotion`: the code. */
export const applyPromotionSchema = z.strictObject({ code: promotionCodeSchema }).meta({ id: 'ApplyPromotion' });
/** Input of `cart.applyPromotion` (see {@link applyPromotionSchema}). */
export type ApplyPromotionInput = z.input<typeof applyPromotionSchema>;

/** Why a code does not apply (the `reason` of a 409 `promotion-not-applicable`). */
export const PROMOTION_REFUSALS = [
  'unknown',
  'inactive',
  'not_started',
  'expired',
  'minimum_not_met',
  'no_eligible_items',
  'usage_limit_reached',
  'customer_limit_reached',
] as const;
/** One of {@link PROMOTION_REFUSALS}. */
export type PromotionRefusal = (typeof PROMOTION_REFUSALS)[number];
