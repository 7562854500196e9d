import { z } from 'zod';
import { cartAddressInputSchema, postalAddressSchema } from '../addresses/schemas.js';
import { breakdownShape, lineBreakdownShape } from '../pricing/schemas.js';
import { emailSchema } from '../identity/schemas.js';
import { chosenShippingMethodSchema } from '../shipping/schemas.js';
import { MAX_LINES, currencyField, idField, int32, timestampField } from '../shared/input.js';

/** Largest quantity a schema accepts at all; `config.maxCartQuantity` (default 999) is the real cap. */
export const QUANTITY_CEILING = 1_000_000;

/** A line quantity: a whole number from 1 (the configured `maxCartQuantity` is checked by the service). */
export const quantitySchema = int32(1, QUANTITY_CEILING);

/** A line names a `variant_id`, or a `product_id` for a one-variant product — exactly one. */
export const itemRefShape = {
  variant_id: z.uuid().optional(),
  product_id: z.uuid().optional(),
};

/** True when a line names exactly one of `variant_id` and `product_id`. */
export const exactlyOneRef = (v: { variant_id?: string; product_id?: string }) =>
  (v.variant_id === undefined) !== (v.product_id === undefined);
const oneRefMessage = { message: 'give variant_id or product_id (exactly one)', path: ['variant_id'] };

/** Input of `cart.addItem`: a `variant_id` (or the `product_id` of a one-variant product) and a quantity. */
export const addCartItemSchema = z
  .strictObject({ ...itemRefShape, quantity: quantitySchema.default(1) })
  .refine(exactlyOneRef, oneRefMessage)
  .meta({ id: 'AddCartItem' });
/** Input of `cart.addItem` (see {@link addCartItemSchema}). */
export type AddCartItemInput = z.input<typeof addCartItemSchema>;

/** Input of `cart.updateItem`: the line's new quantity. */
export const updateCartItemSchema = z.strictObject({ quantity: quantitySchema }).meta({ id: 'UpdateCartItem' });
/** Input of `cart.updateItem` (see {@link updateCartItemSchema}). */
export type UpdateCartItemInput = z.input<typeof updateCartItemSchema>;

/**
 * Input of `cart.updateCart`: what checkout needs besides the lines. An address is given inline or
 * as `{address_id}` from the caller's address book (copied onto the cart); null clears it. A
 * shipping method must apply to the cart's address and weight (409 otherwise). A guest cart keeps
 * an `email` (trimmed, lower-cased, as registrations are), which checkout uses when it is given none.
 */
export const updateCartSchema = z
  .strictObject({
    email: emailSchema
      .nullable()
      .optional()
      .describe('A guest cart’s e-mail for checkout (a logged-in cart uses the account’s: 400); null clears it'),
    shipping_address: cartAddressInputSchema.nullable().optional(),
    billing_address: cartAddressInputSchema.nullable().optional(),
    shipping_method_id: z.uuid('must be a shipping method id').nullable().optional(),
  })
  .meta({ id: 'UpdateCart' });
/** Input of `cart.updateCart` (see {@link updateCartSchema}). */
export type UpdateCartInput = z.input<typeof updateCartSchema>;

/**
 * Why a line cannot be bought as it is: `gone` (variant deleted), `unpublished`, `short_of_stock`,
 * `over_limit` (its total, or the cart's with it, would pass the largest amount stored exactly).
 */
export const cartLineStatusSchema = z.enum(['available', 'gone', 'unpublished', 'short_of_stock', 'over_limit']);
/** One of the cart line statuses (see {@link cartLineStatusSchema}). */
export type CartLineStatus = z.infer<typeof cartLineStatusSchema>;

/** A cart line with the variant's live price and stock and whether it can be bought as it is. */
export const cartItemSchema = z
  .object({
    id: idField(),
    variant_id: idField(),
    product_id: idField().nullable(),
    sku: z.string().max(64),
    name: z.string().max(200),
    /** Current price in minor units; null when the variant is gone. */
    unit_price: z.number().int().nullable(),
    quantity: z.number().int(),
    ...lineBreakdownShape,
    /** unit price × quantity − discount, plus tax with net prices. */
    line_total: z.number().int(),
    status: cartLineStatusSchema,
    /** Units on hand now; null when the variant is gone. */
    stock: z.number().int().nullable(),
  })
  .meta({ id: 'CartItem' });
/** A cart line (see {@link cartItemSchema}). */
export type CartItem = z.infer<typeof cartItemSchema>;

/** A cart as every surface shows it: its lines with live prices, totals, and whether checkout can proceed. */
export const cartSchema = z
  .object({
    id: idField(),
    user_id: idField().nullable(),
    items: z.array(cartItemSchema).max(MAX_LINES),
    item_count: z.number().int(),
    /** Priced live over the lines that still exist (see `breakdownShape`). */
    ...breakdownShape,
    currency: currencyField(),
    /** A guest cart's e-mail (lower-cased) that checkout uses unless it is given one; null on a customer's cart. */
    email: z.string().max(254).nullable(),
    shipping_address: postalAddressSchema.nullable(),
    /** Null: the shipping address is used for billing too. */
    billing_address: postalAddressSchema.nullable(),
    /** The method chosen, as stored. */
    shipping_method_id: idField().nullable(),
    /** The chosen method with its price for this cart; null when none is chosen or it no longer applies. */
    shipping_method: chosenShippingMethodSchema.nullable(),
    /** Σ quantity × variant weight, which shipping methods' weight bands look at. */
    weight_grams: z.number().int(),
    /** True when the shop ships (has an active method): checkout then needs an address and a method that applies. */
    shipping_required: z.boolean(),
    /** True when every line is available in the wanted quantity and shipping, if required, is chosen and applies. */
    checkout_ready: z.boolean(),
    created_at: timestampField(),
    updated_at: timestampField(),
  })
  .meta({ id: 'Cart' });
/** A cart (see {@link cartSchema}). */
export type Cart = z.infer<typeof cartSchema>;

/** Who the cart belongs to: the logged-in user (from ctx) and/or a guest token (`X-Cart-Token`). */
export interface CartAccess {
  cartToken?: string | null;
  /**
   * Called just before a new guest cart is made; throwing (e.g. a RateLimitedError) refuses it.
   * The HTTP layer caps new guest carts per client address with it.
   */
  admitGuestCart?: () => unknown;
}

/** A cart answer plus the guest token when one was just issued (sent back as `X-Cart-Token`). */
export interface CartResult {
  cart: Cart;
  issuedToken: string | null;
}
